/**
 * One non-data-owner party of a session on the tiny model, for the multi-process tests:
 * `deno run -A deploy_party.ts <config.json> <id> [insecure seed label]`.
 */
import { serveParty } from "@secp/sharing/run";
import { tinySetup } from "./deploy_tiny.ts";

const [path, id, seed] = Deno.args;
try {
  const served = await serveParty({
    config: await Deno.readTextFile(path),
    self: Number(id),
    insecureSeed: seed || undefined,
    setup: tinySetup,
    log: (l) => console.log(l),
  });
  console.log(`commands ${served.commands}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(1);
}
