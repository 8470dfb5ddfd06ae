/**
 * `deno task keys --out parties.json [--kind 2pc|3pc] [--host H | --hosts h0,...,h4] [--port P]
 * [--split]`: writes a deployment config with fresh per-pair keys (CSPRNG) for running every party
 * in its own process or host. Refuses to overwrite an existing file. With `--split` it also writes
 * one file per party holding only that party's keys (give each host only its own).
 */
import { parseArgs } from "./args.ts";
import { type BackendKind, NETWORKED_KINDS } from "@secp/sharing";
import { describeRole, parseDeployment } from "@secp/sharing/run";
import { configFor, makeDeploymentConfig } from "./deploy/config.ts";

/** `--help` text. */
export const KEYS_HELP =
  `deno task keys --out FILE [flags]: a deployment config with fresh pair keys (never overwrites)

  --out FILE                where to write (required; created with mode 600)
  --kind 2pc|3pc            backend (default 2pc: parties 0, 1 + dealer 2; 3pc: parties 0, 1, 2)
  --parties 2|3             the same as --kind 2pc|3pc (number of computing parties)
  --host H                  every party's host (default 127.0.0.1)
  --hosts H0,H1,H2,H3,H4    one host per party id (3 = data owner, 4 = model owner)
  --port P                  party i listens on P + i (default 9000)
  --timeout-ms MS           silence limit of a link (default 60000)
  --split                   also write FILE's stem + .partyN.json with only party N's keys
  --help                    this text`;

/** Writes `text` to `path` only if it does not exist yet; a one-line error otherwise. */
async function writeNew(path: string, text: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text, { createNew: true, mode: 0o600 });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new Error(`${path} already exists; refusing to overwrite it (keys would change)`);
    }
    throw new Error(`cannot write ${path}: ${e instanceof Error ? e.message : e}`);
  }
}

/** Runs the command; returns the paths written. */
export async function runKeys(args: string[], log = console.log): Promise<string[]> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      out: { type: "string" },
      kind: { type: "string" },
      parties: { type: "string" },
      host: { type: "string" },
      hosts: { type: "string" },
      port: { type: "string" },
      "timeout-ms": { type: "string" },
      split: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    log(KEYS_HELP);
    return [];
  }
  if (!values.out) throw new Error("--out FILE is required");
  let kind = values.kind ?? "2pc";
  if (values.parties !== undefined) {
    if (values.parties !== "2" && values.parties !== "3") {
      throw new Error(`--parties: expected 2 or 3 computing parties, got ${values.parties}`);
    }
    const k = `${values.parties}pc`;
    if (values.kind !== undefined && values.kind !== k) {
      throw new Error(`--parties ${values.parties} contradicts --kind ${values.kind}`);
    }
    kind = k;
  }
  if (!NETWORKED_KINDS.includes(kind as BackendKind)) {
    throw new Error(`--kind: expected ${NETWORKED_KINDS.join(" or ")}, got ${kind}`);
  }
  if (values.host !== undefined && values.hosts !== undefined) {
    throw new Error("pass --host or --hosts, not both");
  }
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer`);
    return n;
  };
  const config = makeDeploymentConfig({
    kind: kind as BackendKind,
    hosts: values.hosts !== undefined ? values.hosts.split(",") : values.host,
    basePort: num("port", values.port),
    timeoutMs: num("timeout-ms", values["timeout-ms"]),
  });
  const dep = parseDeployment(config);
  const out = values.out;
  await writeNew(out, JSON.stringify(config, null, 2) + "\n");
  const written = [out];
  if (values.split) {
    const stem = out.replace(/\.json$/, "");
    for (const p of dep.tcp.parties) {
      const path = `${stem}.party${p.id}.json`;
      await writeNew(path, JSON.stringify(configFor(config, p.id), null, 2) + "\n");
      written.push(path);
    }
  }
  log(`wrote ${written.join(", ")}: ${kind} deployment with fresh pair keys`);
  for (const p of dep.tcp.parties) {
    log(`  party ${p.id} (${describeRole(dep, p.id)}) at ${p.host}:${p.port}`);
  }
  log(
    `start the parties: deno task party --config ${out} --id N (or all here: deno task cluster ` +
      `--config ${out}); then the data owner: deno task tune --backend ${kind} --parties ${out}`,
  );
  return written;
}

if (import.meta.main) {
  try {
    await runKeys(Deno.args);
  } catch (e) {
    console.error(`keys: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
