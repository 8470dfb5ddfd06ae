/**
 * One backend party in its own process: `deno run -A tcp_party.ts <config.json> <id> <kind>`.
 * Runs the shared test program and prints this process's ledger as JSON.
 */
import { connectParty } from "@secp/sharing";
import { Ledger } from "@secp/transport";
import { backendProgram } from "./backend_program.ts";

const [configPath, id, kind] = Deno.args;
const ledger = new Ledger();
const { backend, channel } = await connectParty(
  kind as "2pc" | "3pc",
  await Deno.readTextFile(configPath),
  Number(id),
  { ledger },
);
await backendProgram(backend);
await channel.close();
console.log(JSON.stringify(ledger));
