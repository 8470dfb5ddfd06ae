/**
 * `deno task cluster --config parties.json`: starts every party of a deployment except the data
 * owner on this machine, one child process each (`deno task party`), with each line of their
 * output prefixed by `[party N]`, for trying a deployment out on loopback. Exits when they all
 * have: 0 if every party ended cleanly, 1 otherwise (after naming the parties that failed). Once
 * one party has failed, the others get the config's `timeoutMs` to end too (a live party notices
 * a lost peer within that); one still running then (frozen) is killed, so the cluster never hangs.
 */
import { parseArgs } from "./args.ts";
import { describeRole } from "@secp/sharing/run";
import { parseDeploymentFile } from "./deploy/file.ts";
import { partyArgs } from "./deploy/config.ts";

/** `--help` text. */
export const CLUSTER_HELP = `deno task cluster --config FILE: run all non-data-owner parties here

  --config FILE   deployment config (deno task keys)
  --model DIR     the model owner's HF checkpoint folder (for tune --model DIR; only the model
                  owner's process reads it)
  --help          this text`;

/** Copies `stream` to `out` line by line, each prefixed. */
async function prefixLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  out: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const l of lines) out(`${prefix} ${l}`);
  }
  if (rest !== "") out(`${prefix} ${rest}`);
}

/** Starts the parties of `configPath`; resolves with the exit code for the cluster. */
export async function runCluster(
  configPath: string,
  opts: { modelDir?: string } = {},
): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(configPath);
  } catch (e) {
    throw new Error(`cannot read ${configPath} (${e instanceof Error ? e.message : e})`);
  }
  const dep = parseDeploymentFile(configPath, text);
  const ids = dep.tcp.parties.map((p) => p.id).filter((id) => id !== dep.roles.dataOwner);
  const enc = new TextEncoder();
  const out = (l: string) => Deno.stdout.writeSync(enc.encode(l + "\n"));
  const err = (l: string) => Deno.stderr.writeSync(enc.encode(l + "\n"));
  const children = ids.map((id) => {
    const proc = new Deno.Command(Deno.execPath(), {
      args: partyArgs(
        configPath,
        id,
        id === dep.roles.modelOwner && opts.modelDir ? ["--model", opts.modelDir] : [],
      ),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const prefix = `[party ${id}]`;
    const done = Promise.all([
      prefixLines(proc.stdout, prefix, out),
      prefixLines(proc.stderr, prefix, err),
      proc.status,
    ]).then(([, , s]) => s.code);
    return { id, proc, done };
  });
  const stop = () => {
    for (const c of children) {
      try {
        c.proc.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  // After a failure, the others must end within timeoutMs; a party still running is frozen.
  const graceMs = dep.tcp.timeoutMs;
  const running = new Set(children.map((c) => c.id));
  let reaper: ReturnType<typeof setTimeout> | undefined;
  for (const c of children) {
    c.done.then((code) => {
      running.delete(c.id);
      if (code === 0 || reaper !== undefined || running.size === 0) return;
      reaper = setTimeout(() => {
        for (const k of children) {
          if (!running.has(k.id)) continue;
          err(
            `cluster: party ${k.id} still running ${graceMs} ms after party ${c.id} failed ` +
              `(frozen?); killing it`,
          );
          try {
            k.proc.kill("SIGKILL");
          } catch {
            // gone meanwhile
          }
        }
      }, graceMs);
    });
  }
  out(
    `cluster: started ${
      ids.map((id) => `party ${id} (${describeRole(dep, id)})`).join(", ")
    } of a ${dep.kind} deployment; the data owner runs: deno task tune --backend ${dep.kind} ` +
      `--parties ${configPath}`,
  );
  const codes = await Promise.all(children.map((c) => c.done));
  clearTimeout(reaper);
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  const failed = children.filter((_, i) => codes[i] !== 0);
  for (const c of failed) {
    err(`cluster: party ${c.id} exited with code ${codes[children.indexOf(c)]}`);
  }
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      args: Deno.args,
      strict: true,
      options: {
        config: { type: "string" },
        model: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) console.log(CLUSTER_HELP);
    else {
      if (!values.config) throw new Error("--config FILE is required");
      Deno.exit(await runCluster(values.config, { modelDir: values.model }));
    }
  } catch (e) {
    console.error(`cluster: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
