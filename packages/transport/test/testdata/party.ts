/**
 * A party process for the multi-process tests: `deno run -A party.ts <config.json> <id> <mode>`.
 * Modes: `echo` (answer each message from party 0 with the bytes + 1 until an empty message, then
 * print this process's ledger as JSON), `hang` (connect, then wait to be killed).
 */
import { connectTcp } from "../../tcp.ts";
import { Ledger } from "../../ledger.ts";

const [configPath, idText, mode] = Deno.args;
const ledger = new Ledger();
const ch = await connectTcp(await Deno.readTextFile(configPath), Number(idText), { ledger });
if (mode === "hang") {
  console.log("connected");
  await new Promise(() => {}); // until killed
}
for (let i = 0;; i++) {
  const m = await ch.recv(0, { path: `echo/${i}`, phase: "online" });
  if (m.length === 0) break;
  for (let j = 0; j < m.length; j++) m[j]++; // the receiver owns the payload
  ch.send(0, m, { path: "echo/reply", phase: "online" });
}
await ch.close();
console.log(JSON.stringify(ledger));
