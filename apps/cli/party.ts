/**
 * `deno task party --config parties.json --id N`: runs one party of a deployment (a computing
 * party, the 2PC dealer or the model owner, which loads and shares the weights) for one session
 * driven by the data owner (`deno task tune --parties parties.json`), over authenticated TCP.
 * Exits 0 when the data owner ends the session; on any failure (a lost peer, a timeout, a key
 * mismatch, a port in use) it prints one line naming the party, the peer and the op, and exits 1.
 */
import { parseArgs } from "./args.ts";
import { serveParty } from "@secp/sharing/run";
import { partySetupFor } from "@secp/transformer/oracle";
import { parseDeploymentFile } from "./deploy/file.ts";

/** `--help` text. */
export const PARTY_HELP = `deno task party --config FILE --id N: run party N of a deployment

  --config FILE   deployment config (deno task keys); needs the keys of party N's pairs
  --id N          this party's id (not the data owner's: the data owner runs deno task tune)
  --model DIR     the model owner's HF BERT/RoBERTa checkpoint folder, when the data owner tunes
                  with --model (only the model owner reads it)
  --quiet         only errors
  --help          this text`;

/** One line: the party prefix once, no newlines. */
function oneLine(id: number | undefined, e: unknown): string {
  let m = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ");
  if (id !== undefined && !m.startsWith(`party ${id}:`)) m = `party ${id}: ${m}`;
  return m;
}

if (import.meta.main) {
  let id: number | undefined;
  try {
    const { values } = parseArgs({
      args: Deno.args,
      strict: true,
      options: {
        config: { type: "string" },
        id: { type: "string" },
        model: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(PARTY_HELP);
      Deno.exit(0);
    }
    if (!values.config) throw new Error("--config FILE is required");
    if (values.id === undefined || !/^\d+$/.test(values.id)) {
      throw new Error("--id N is required (a party id of the config)");
    }
    id = Number(values.id);
    let text: string;
    try {
      text = await Deno.readTextFile(values.config);
    } catch (e) {
      throw new Error(`cannot read ${values.config} (${e instanceof Error ? e.message : e})`);
    }
    parseDeploymentFile(values.config, text);
    const quiet = values.quiet ?? false;
    await serveParty({
      config: text,
      self: id,
      setup: partySetupFor({ modelDir: values.model }),
      log: quiet ? undefined : (l) => console.log(l),
    });
    Deno.exit(0);
  } catch (e) {
    console.error(oneLine(id, e));
    Deno.exit(1);
  }
}
