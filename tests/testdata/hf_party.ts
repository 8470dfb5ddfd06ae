/**
 * One non-data-owner party of a HF job session, for the multi-process tests:
 * `deno run -A hf_party.ts <config.json> <id> <checkpoint dir> [insecure seed label]`. Only the
 * model owner reads the checkpoint.
 */
import { parseDeployment, serveParty } from "@secp/sharing/run";
import { hfJobSetup, loadHfCheckpoint } from "@secp/transformer";

const [path, id, dir, seed] = Deno.args;
try {
  const config = await Deno.readTextFile(path);
  const isMo = parseDeployment(config).roles.modelOwner === Number(id);
  const weights = isMo ? (await loadHfCheckpoint(dir)).weights : undefined;
  const served = await serveParty({
    config,
    self: Number(id),
    insecureSeed: seed || undefined,
    setup: hfJobSetup({ kind: "softmax" }, weights),
  });
  console.log(`commands ${served.commands}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(1);
}
