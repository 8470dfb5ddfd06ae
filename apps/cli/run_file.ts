/**
 * `run.json`: the flags of a tuning run, written when its session is up and read by `--resume`.
 * Reading checks every field, and every error names the file.
 */
import { SELECTION_CRITERIA } from "@secp/fot";
import { BACKEND_CHOICES, type TuneFlags } from "./flags.ts";

/** Flags added after runs were first written: an older run.json resumes with these (as then). */
const ADDED_SINCE = {
  model: "use-lite",
  protocol: "default",
  selection: "dev-loss",
  loss: "ce",
  alpha: 1,
  projection: "normal",
  classPrior: "balanced",
} as const;

const CHOICES: Partial<Record<keyof TuneFlags, readonly string[]>> = {
  backend: BACKEND_CHOICES,
  protocol: ["default", "paper"],
  selection: SELECTION_CRITERIA,
  loss: ["ce", "hinge"],
  projection: ["normal", "uniform"],
  classPrior: ["balanced", "data"],
  attention: ["softmax", "rfa"],
  cos: ["exact", "paper", "iterative"],
  trunc: ["exact", "local"],
  net: ["none", "lan", "wan", "wan200"],
};
const INTEGERS = [
  "shots",
  "popsize",
  "dim",
  "promptLen",
  "budget",
  "features",
  "testSize",
  "evalEvery",
  "maxTokens",
] as const;

/** Reads and checks the run file at `path`; errors read `run file PATH: ...`. */
export async function readRunFile(path: string): Promise<TuneFlags> {
  const bad = (what: string) => new Error(`run file ${path}: ${what}`);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw bad(`cannot read (${e instanceof Error ? e.message : e})`);
  }
  let x: Record<string, unknown>;
  try {
    x = JSON.parse(text);
  } catch {
    throw bad("not valid JSON (corrupt or truncated)");
  }
  if (x === null || typeof x !== "object" || Array.isArray(x)) throw bad("not a JSON object");
  x = { ...ADDED_SINCE, ...x };
  for (const [k, allowed] of Object.entries(CHOICES)) {
    if (!allowed!.includes(x[k] as string)) {
      throw bad(`${k} must be one of ${allowed!.join(", ")}, got ${JSON.stringify(x[k])}`);
    }
  }
  for (const k of INTEGERS) {
    const v = x[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw bad(`${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
  }
  for (const k of ["seed", "out", "model"] as const) {
    if (typeof x[k] !== "string" || x[k] === "") {
      throw bad(`${k} must be a non-empty string, got ${JSON.stringify(x[k])}`);
    }
  }
  for (const k of ["task", "data", "test", "labels", "template", "metric"] as const) {
    if (x[k] !== undefined && (typeof x[k] !== "string" || x[k] === "")) {
      throw bad(`${k} must be a non-empty string when present, got ${JSON.stringify(x[k])}`);
    }
  }
  if (x.task === undefined && x.data === undefined) throw bad("names neither a task nor --data");
  if (typeof x.alpha !== "number" || !(x.alpha > 0)) {
    throw bad(`alpha must be a positive number, got ${JSON.stringify(x.alpha)}`);
  }
  if (x.parties !== undefined && typeof x.parties !== "string") {
    throw bad(`parties must be a file name, got ${JSON.stringify(x.parties)}`);
  }
  return x as unknown as TuneFlags;
}
