/**
 * The data owner's side of `deno task tune --parties FILE`: connect to the parties of a
 * deployment (started with `deno task party` or `deno task cluster`) instead of running them in
 * this process.
 */
import { type ModelOps, RemoteSession } from "@secp/transformer";
import { parseDeploymentFile } from "./file.ts";
import type { TuneFlags } from "../flags.ts";
import { opsSpecOf } from "./setup.ts";

/** Reads a deployment config file; errors name the file. */
export async function readDeployment(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`--parties: cannot read ${path} (${e instanceof Error ? e.message : e})`);
  }
}

/**
 * A session whose other parties run per `flags.parties`; `ops` are the data owner's protocols
 * (the same the in-process session would get). The backend kind must match the config's.
 */
export async function connectParties(
  flags: Pick<
    TuneFlags,
    "parties" | "backend" | "net" | "attention" | "cos" | "trunc" | "features"
  >,
  ops: ModelOps,
  log: (line: string) => void = (l) => console.error(l),
): Promise<RemoteSession> {
  const path = flags.parties!;
  const text = await readDeployment(path);
  const dep = parseDeploymentFile(path, text);
  if (dep.kind !== flags.backend) {
    throw new Error(
      `--parties: ${path} is a ${dep.kind} deployment but --backend is ${flags.backend}; ` +
        `pass --backend ${dep.kind}`,
    );
  }
  if (flags.net !== "none") {
    throw new Error("--net delays in-process links only; with --parties the links are real");
  }
  return await RemoteSession.connect({
    config: text,
    ops,
    opsSpec: opsSpecOf(flags),
    trunc: flags.trunc,
    log,
  });
}
