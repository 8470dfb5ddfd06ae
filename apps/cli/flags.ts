/**
 * Flags of `deno task tune` (node:util parseArgs), validated into a typed configuration with a
 * clear one-line error for every bad value.
 */
import { parseArgs } from "./args.ts";
import { BACKEND_KINDS } from "@secp/sharing";
import { DEFAULT_ADAPTED_FEATURES } from "@secp/transformer";
import type { OracleBackend } from "@secp/transformer/oracle";
import { TASK_FLAG_OPTIONS, TASK_FLAGS_HELP, type TaskFlags, taskFlagsFrom } from "./task_flags.ts";

/** Every `--backend`: the float64 reference model, then the registry's backends. */
export const BACKEND_CHOICES: readonly OracleBackend[] = ["reference", ...BACKEND_KINDS];

/** Validated tuning configuration (the task flags included). */
export interface TuneFlags extends TaskFlags {
  /** `reference` (float64, in the clear), `plain` (the secure code, cleartext), `2pc`, `3pc`. */
  backend: OracleBackend;
  /** `use-lite` (bundled) or a HF BERT/RoBERTa checkpoint folder (the model owner's). */
  model: string;
  shots: number;
  popsize: number;
  dim: number;
  promptLen: number;
  budget: number;
  attention: "softmax" | "rfa";
  features: number;
  cos: "exact" | "paper" | "iterative";
  /** Truncation of the secure backend. */
  trunc: "exact" | "local";
  net: "none" | "lan" | "wan" | "wan200";
  seed: string | undefined;
  out: string;
  resume: boolean;
  testSize: number;
  evalEvery: number;
  maxTokens: number;
  /** Deployment config: the other parties run in their own processes (`deno task party`). */
  parties?: string;
  /** Print one machine-readable summary line to stdout (human lines go to stderr). */
  json?: boolean;
}

/** `--help` text. */
export const TUNE_HELP =
  `deno task tune [flags]: SecP-Tuning end to end (CMA-ES at the data owner, the model under MPC)

  --backend reference|plain|2pc|3pc   who evaluates the model (default 2pc: additive sharing +
                            dealer; 3pc: replicated; plain: the same secure code in cleartext
                            fixed point; reference: the float64 model in the clear, fastest)
  --model use-lite|DIR      the model: the bundled USE-lite (default) or a Hugging Face BERT/RoBERTa
                            checkpoint folder (config.json, model.safetensors, tokenizer.json)
                            classified by its MLM head at {mask} restricted to the label words
                            (give the task a template with {mask} and one-token label words)
${TASK_FLAGS_HELP}
  --shots K                 training examples per class (default 4; dev uses the same count)
  --popsize N               CMA-ES population (default 6)
  --dim D                   intrinsic dimension of z (default 100)
  --prompt-len L            soft-prompt tokens (default 4)
  --budget G                CMA-ES generations (default 6)
  --attention rfa|softmax   attention under MPC (USE-lite default rfa: the model owner's RFA-adapted
                            model, committed checkpoint for --features; softmax: the npm model,
                            baseline; a --model DIR defaults to softmax, as it is not RFA-adapted)
  --features D              RFA random features (default ${DEFAULT_ADAPTED_FEATURES}, the default checkpoint's)
  --cos exact|paper|iterative   cosine protocol for RFA (default exact)
  --trunc exact|local       secure truncation (default exact: never fails for |x| < 2^62; local:
                            no dealer pair / 1 round fewer on 3pc, fails with probability ≈ |x|/2^64)
  --net none|lan|wan|wan200 delay in-process links per a network profile (default none)
  --seed S                  seed for splits, projection and CMA-ES (default: fresh from the CSPRNG)
  --test-size N             test texts scored before and after tuning (default 32; 0 = all)
  --max-tokens N            clip each text to N tokens (default 24; 0 = no clip beyond the model's 128)
  --eval-every K            dev evaluation every K generations (default 3)
  --out DIR                 report.json, report.html and checkpoint.json (default runs/tune-<time>)
  --resume                  continue the run in --out from its checkpoint
  --parties FILE            run the other parties in their own processes/hosts (deno task party/cluster)
  --json                    print one JSON summary line to stdout (progress and results go to stderr)
  --help                    this text`;

function int(
  name: string,
  v: string | undefined,
  dflt: number,
  min: number,
  max = Infinity,
): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}

/** `v` if it is one of `allowed` (else a one-line error naming `--name`), or `dflt` if absent. */
export function oneOf<T extends string>(
  name: string,
  v: string | undefined,
  dflt: T,
  allowed: readonly T[],
): T {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`--${name}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Parses and validates `args`; returns `"help"` for --help. Throws an Error with a one-line message. */
export function parseTuneFlags(args: string[]): TuneFlags | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      backend: { type: "string" },
      model: { type: "string" },
      ...TASK_FLAG_OPTIONS,
      shots: { type: "string" },
      popsize: { type: "string" },
      dim: { type: "string" },
      "prompt-len": { type: "string" },
      budget: { type: "string" },
      attention: { type: "string" },
      features: { type: "string" },
      cos: { type: "string" },
      trunc: { type: "string" },
      net: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      resume: { type: "boolean" },
      "test-size": { type: "string" },
      "eval-every": { type: "string" },
      "max-tokens": { type: "string" },
      parties: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const task = taskFlagsFrom(values);
  const backend = oneOf("backend", values.backend, "2pc", BACKEND_CHOICES);
  const model = values.model ?? "use-lite";
  if (model === "") throw new Error("--model: expected use-lite or a checkpoint folder");
  const hf = model !== "use-lite";
  return {
    backend,
    model,
    ...task,
    shots: int("shots", values.shots, 4, 1),
    popsize: int("popsize", values.popsize, 6, 2, 1000),
    dim: int("dim", values.dim, 100, 1, 100_000),
    promptLen: int("prompt-len", values["prompt-len"], 4, 1, 64),
    budget: int("budget", values.budget, 6, 1),
    attention: oneOf(
      "attention",
      values.attention,
      hf ? "softmax" : "rfa",
      ["rfa", "softmax"] as const,
    ),
    features: int("features", values.features, DEFAULT_ADAPTED_FEATURES, 1, 4096),
    cos: oneOf("cos", values.cos, "exact", ["exact", "paper", "iterative"] as const),
    trunc: oneOf("trunc", values.trunc, "exact", ["exact", "local"] as const),
    net: oneOf("net", values.net, "none", ["none", "lan", "wan", "wan200"] as const),
    seed: values.seed,
    out: values.out ??
      `runs/tune-${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`,
    resume: values.resume ?? false,
    testSize: int("test-size", values["test-size"], 32, 0),
    maxTokens: int("max-tokens", values["max-tokens"], 24, 0, 128),
    evalEvery: int("eval-every", values["eval-every"], 3, 1),
    ...(values.parties === undefined ? {} : { parties: values.parties }),
    ...(values.json ? { json: true } : {}),
  };
}
