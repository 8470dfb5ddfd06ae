/**
 * The data owner's side of `deno task tune --parties FILE`: read and check the deployment the
 * other parties run (started with `deno task party` or `deno task cluster`), instead of running
 * them in this process.
 */
import { parseDeploymentFile } from "./file.ts";
import type { TuneFlags } from "../flags.ts";

/** Reads a deployment config file; errors name the file. */
export async function readDeployment(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`--parties: cannot read ${path} (${e instanceof Error ? e.message : e})`);
  }
}

/**
 * The deployment text of `flags.parties`, checked against the flags: the backend kind must match
 * the config's, and `--net` (which delays in-process links) cannot apply.
 */
export async function deploymentFor(
  flags: Pick<TuneFlags, "parties" | "backend" | "net">,
): Promise<string> {
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
  return text;
}
