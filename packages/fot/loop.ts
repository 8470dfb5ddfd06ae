/**
 * The forward-only tuning loop run by the data owner. Each generation: ask CMA-ES for a population
 * of z, project every z to a prompt, make **one** oracle call on the train batch, compute each
 * candidate's loss locally, tell CMA-ES. Every `evalEvery` generations the current mean (or the
 * generation's best candidate) is scored on the dev batch and kept as a candidate. At the end the
 * final prompt is selected (see `selection.ts`) among those candidates and the untuned prompt
 * (z = 0), scored on train and dev by two more oracle calls, so tuning never silently returns a
 * prompt worse than the untuned one on the selection data. After every generation the full state is checkpointed atomically, and `resume` continues a run
 * bit-identically (given a deterministic oracle).
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { CheckpointError, readJsonFile, writeJsonAtomic } from "./checkpoint.ts";
import { CMAES, type CMAState } from "./cmaes.ts";
import { base64ToF64, bytesToHex, f64ToBase64 } from "./codec.ts";
import {
  accuracy,
  type LossName,
  populationLosses,
  predictions,
  scoreLogits,
  type Scores,
} from "./loss.ts";
import { priorWeights } from "./class_prior.ts";
import {
  checkOracleResult,
  type FitnessOracle,
  type OracleCost,
  type PreparedBatch,
} from "./oracle.ts";
import type { PromptProjection } from "./projection.ts";
import type { Seed } from "./rng.ts";
import {
  type Candidate,
  selectCandidate,
  type Selection,
  type SelectionCriterion,
} from "./selection.ts";
import { applyTemplate, type Example, type TaskSpec } from "./types.ts";

/** Budget; the run stops before a generation that would exceed any given limit. */
export interface TuneBudget {
  /** Total CMA-ES generations. */
  maxGenerations?: number;
  /** Total oracle calls (train calls + dev calls). */
  maxOracleCalls?: number;
  /** Total candidate evaluations on the train batch (BBT's "budget": λ per generation). */
  maxEvaluations?: number;
}

/** Early stopping on the dev metric. */
export interface EarlyStopping {
  /**
   * Stop when the dev metric has not risen by more than `minDelta` for this many generations
   * (the paper uses 1000 steps).
   */
  patience: number;
  /** Rise of the dev metric that resets the patience counter (default 0). */
  minDelta?: number;
}

/** CMA-ES settings of a tuning run (ignored when resuming: the checkpoint holds the state). */
export interface TuneCMAOptions {
  /** Initial step size (default 1, as BBT). */
  sigma0?: number;
  /** Population size (default 4 + ⌊3 ln d⌋, 22 for d = 500). */
  popsize?: number;
  /** Seed of the CMA-ES sampler (default: fresh from crypto). */
  seed?: Seed;
  /** Initial mean (default zeros). */
  x0?: ArrayLike<number>;
  /** Box bound b (→ [−b, b]) or [lower, upper]; repair handling (see `CMAES`). */
  bounds?: number | [number, number];
  /** CMA-ES tolFun (default 1e-12). */
  tolFun?: number;
  /** CMA-ES tolX (default 1e-11). */
  tolX?: number;
  /** Lazy eigendecomposition factor (default 0.5). */
  lazyGapFactor?: number;
}

/** Options of {@link tune}. */
export interface TuneOptions {
  /** The model as a fitness oracle. */
  oracle: FitnessOracle<any>;
  /** Task spec: label texts, template, metric. */
  task: TaskSpec;
  /** Train batch (evaluated every generation) and dev batch (model selection). */
  split: { train: Example[]; dev: Example[] };
  /** The data owner's random projection z → prompt. */
  projection: PromptProjection;
  /**
   * The untuned prompt of the final selection (default: the projection of z = 0). A deep run
   * passes the shallow initial prompt here, so the model as it was stays a candidate.
   */
  untunedPrompt?: Float64Array;
  /** CMA-ES settings. */
  cma?: TuneCMAOptions;
  /** Loss minimised by CMA-ES (default "ce"). */
  loss?: LossName;
  /** Hinge margin (default 2). */
  margin?: number;
  /**
   * Class prior π the train and dev losses are weighted to (`class_prior.ts`): each text of class
   * c counts π_c / n_c. Default: none (the plain mean over the batch, i.e. the batch's own mix).
   */
  classPrior?: ArrayLike<number>;
  /** When to stop; at least one limit is required. */
  budget: TuneBudget;
  /** Dev evaluation every k generations (default 5). */
  evalEvery?: number;
  /** Score the updated CMA-ES mean (default) or the generation's lowest-loss candidate on dev. */
  evalPoint?: "mean" | "best";
  /** Patience-based early stopping on the dev metric. */
  earlyStopping?: EarlyStopping;
  /**
   * Final selection among the untuned prompt and the dev-scored candidates (default "dev-loss");
   * "none": the best dev metric among the tuned candidates only, without the two selection calls.
   */
  selection?: SelectionCriterion | "none";
  /** Checkpoint file written (atomically) after every generation. */
  checkpointPath?: string;
  /** Continue from `checkpointPath` if it exists (a missing file starts a fresh run). */
  resume?: boolean;
  /** Stops the run between generations (reason "aborted"; the checkpoint is already written). */
  signal?: AbortSignal;
  /** Called after each generation, after its checkpoint is written. */
  onGeneration?: (record: GenerationRecord) => void | Promise<void>;
}

/** Dev-set scores of one evaluation. */
export interface DevRecord {
  /** Dev loss. */
  loss: number;
  /** Dev accuracy. */
  accuracy: number;
  /** Dev F1 of the positive class. */
  f1: number;
  /** Dev macro F1 (absent in checkpoints written before it was recorded). */
  macroF1?: number;
  /** Dev value of the task metric. */
  metric: number;
  /** Cost reported for the dev call. */
  cost?: OracleCost;
}

/** What happened in one generation. */
export interface GenerationRecord {
  /** Generation number, from 1. */
  generation: number;
  /** Candidate evaluations so far. */
  evaluations: number;
  /** Oracle calls so far. */
  oracleCalls: number;
  /** Lowest train loss in the population. */
  bestLoss: number;
  /** Mean train loss of the population. */
  meanLoss: number;
  /**
   * Train loss of every candidate, in the order CMA-ES asked them (the data owner's own values; with
   * them two runs' rankings, which alone drive CMA-ES, can be compared, and near-ties found).
   */
  losses?: number[];
  /** Train accuracy of the lowest-loss candidate. */
  bestTrainAccuracy: number;
  /** CMA-ES step size after the update. */
  sigma: number;
  /** Dev scores, on generations where dev was evaluated. */
  dev?: DevRecord;
  /** Best dev metric so far (null before the first dev evaluation). */
  bestDevMetric: number | null;
  /** Whether this generation produced a new best z (higher dev metric, or equal with lower dev loss). */
  improved: boolean;
  /** Wall time of the generation (ask … dev), in ms. */
  wallMs: number;
  /** Part of `wallMs` spent inside oracle calls. */
  oracleMs: number;
  /** Cost reported for the train call, passed through. */
  cost?: OracleCost;
}

/** Why a run ended. */
export type StopReason =
  | "maxGenerations"
  | "maxOracleCalls"
  | "maxEvaluations"
  | "earlyStopping"
  | "aborted"
  | `cma:${string}`;

/** Outcome of {@link tune}. */
export interface TuneResult {
  /** The selected z (zeros when the untuned prompt was kept; the final mean without candidates). */
  bestZ: Float64Array;
  /** Projection of `bestZ`, ready for the model (L·E; the untuned prompt when it was kept). */
  bestPrompt: Float64Array;
  /** Its dev metric, or null. */
  bestDevMetric: number | null;
  /** Its dev loss, or null. */
  bestDevLoss: number | null;
  /** Generation it came from (0: the untuned prompt), or null. */
  bestGeneration: number | null;
  /** The final selection (null with `selection: "none"`). */
  selection: Selection | null;
  /** The candidates of the final selection, untuned first (empty with `selection: "none"`). */
  candidates: Candidate[];
  /** Final CMA-ES mean. */
  finalMean: Float64Array;
  /** Generations completed. */
  generations: number;
  /** Oracle calls made. */
  oracleCalls: number;
  /** Candidate evaluations made. */
  evaluations: number;
  /** Why the run ended. */
  stopReason: StopReason;
  /** One record per generation (including those before a resume). */
  history: GenerationRecord[];
  /** Generation the run resumed from, or null for a fresh run. */
  resumedFrom: number | null;
}

interface Best {
  z: Float64Array;
  metric: number;
  loss: number;
  generation: number;
}

/** On-disk checkpoint of a tuning run (private to the data owner: it holds z and the data hash). */
export interface TuneCheckpoint {
  /** Format tag. */
  format: "secp-fot/tune";
  /** Format version. */
  version: 1;
  /** Configuration fingerprint; a resume must match it. */
  fingerprint: Record<string, string | number>;
  /** Completed generations. */
  generation: number;
  /** Oracle calls made. */
  oracleCalls: number;
  /** Candidate evaluations made. */
  evaluations: number;
  /** Last generation whose dev metric reset the early-stopping patience (0 if none). */
  lastImprovement: number;
  /** CMA-ES state. */
  cma: CMAState;
  /** Best z (base64 float64) and its dev scores. */
  best: { z: string; metric: number; loss: number; generation: number } | null;
  /** Every dev-scored z so far (base64 float64) with its dev scores (absent in older files). */
  candidates?: { z: string; generation: number; dev: Scores }[];
  /** Generation records so far. */
  history: GenerationRecord[];
}

function dataHash(split: { train: Example[]; dev: Example[] }, task: TaskSpec): string {
  const text = JSON.stringify({
    train: split.train.map((e) => [applyTemplate(task, e.text), e.label]),
    dev: split.dev.map((e) => [applyTemplate(task, e.text), e.label]),
    labelTexts: task.labelTexts,
  });
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}

function parseCheckpoint(path: string, raw: unknown): TuneCheckpoint {
  const c = raw as TuneCheckpoint;
  if (c === null || typeof c !== "object" || c.format !== "secp-fot/tune") {
    throw new CheckpointError(path, "is not a secp-fot tuning checkpoint");
  }
  if (c.version !== 1) throw new CheckpointError(path, `has unknown version ${c.version}`);
  for (const k of ["generation", "oracleCalls", "evaluations", "lastImprovement"] as const) {
    if (!Number.isSafeInteger(c[k]) || c[k] < 0) {
      throw new CheckpointError(path, `bad field '${k}'`);
    }
  }
  if (!Array.isArray(c.history) || c.history.length !== c.generation) {
    throw new CheckpointError(path, "history does not match the generation count");
  }
  if (typeof c.fingerprint !== "object" || c.fingerprint === null) {
    throw new CheckpointError(path, "missing fingerprint");
  }
  return c;
}

/**
 * Reads and checks the tuning checkpoint at `path` without running anything: `undefined` if there
 * is none, a {@link CheckpointError} naming the file if it is unreadable, corrupt or not a tuning
 * checkpoint. For validating a `--resume` before a costly session starts.
 */
export async function readTuneCheckpoint(path: string): Promise<TuneCheckpoint | undefined> {
  const raw = await readJsonFile(path);
  return raw === undefined ? undefined : parseCheckpoint(path, raw);
}

function resolveBounds(b: TuneCMAOptions["bounds"]): [number, number] | undefined {
  if (b === undefined) return undefined;
  return typeof b === "number" ? [-b, b] : b;
}

/** Runs (or resumes) forward-only prompt tuning; see the module doc for the per-generation steps. */
export async function tune(options: TuneOptions): Promise<TuneResult> {
  const { oracle, task, split, projection } = options;
  const lossName = options.loss ?? "ce";
  const margin = options.margin ?? 2;
  const evalEvery = options.evalEvery ?? 5;
  const evalPoint = options.evalPoint ?? "mean";
  const selection = options.selection ?? "dev-loss";
  const budget = options.budget;
  const C = task.labelTexts.length;
  const T = split.train.length;
  const d = projection.intrinsicDim;
  if (
    budget.maxGenerations === undefined && budget.maxOracleCalls === undefined &&
    budget.maxEvaluations === undefined
  ) throw new RangeError("tune: budget needs maxGenerations, maxOracleCalls or maxEvaluations");
  if (!Number.isInteger(evalEvery) || evalEvery < 1) throw new RangeError("evalEvery must be ≥ 1");
  if (C < 2) throw new RangeError("tune: task needs at least 2 label texts");
  if (T === 0) throw new RangeError("tune: empty train split");
  if (projection.promptLength !== oracle.promptLength || projection.embedDim !== oracle.embedDim) {
    throw new RangeError(
      `projection produces ${projection.promptLength}×${projection.embedDim} prompts, oracle expects ` +
        `${oracle.promptLength}×${oracle.embedDim}`,
    );
  }
  if (options.resume && !options.checkpointPath) {
    throw new RangeError("resume needs checkpointPath");
  }
  if (options.earlyStopping) {
    const pat = options.earlyStopping.patience;
    if (!Number.isInteger(pat) || pat < 1) {
      throw new RangeError("earlyStopping.patience must be ≥ 1");
    }
    if (split.dev.length === 0) throw new RangeError("earlyStopping needs a non-empty dev split");
  }
  const trainLabels = Int32Array.from(split.train, (e) => e.label);
  const devLabels = Int32Array.from(split.dev, (e) => e.label);
  const prior = options.classPrior;
  const trainWeights = prior ? priorWeights(prior, trainLabels, C) : undefined;
  const devWeights = prior ? priorWeights(prior, devLabels, C) : undefined;

  const cmaOpts = options.cma ?? {};
  const popsize = cmaOpts.popsize ?? 4 + Math.floor(3 * Math.log(d));
  const fingerprint: Record<string, string | number> = {
    task: task.name,
    data: dataHash(split, task),
    projection: projection.fingerprint(),
    intrinsicDim: d,
    loss: lossName,
    margin,
    evalEvery,
    evalPoint,
    // Only when set, so checkpoints of unweighted runs keep their fingerprint.
    ...(prior ? { classPrior: Array.from(prior).join(",") } : {}),
  };

  let es: CMAES | undefined;
  let generation = 0;
  let oracleCalls = 0;
  let evaluations = 0;
  let lastImprovement = 0;
  let best: Best | null = null;
  let devCandidates: { z: Float64Array; generation: number; dev: Scores }[] = [];
  let history: GenerationRecord[] = [];
  let resumedFrom: number | null = null;

  const path = options.checkpointPath;
  if (options.resume && path) {
    const raw = await readJsonFile(path);
    if (raw !== undefined) {
      const ck = parseCheckpoint(path, raw);
      // Both ways: a key only the checkpoint has (e.g. a class prior) is a different run too.
      const keys = new Set([...Object.keys(fingerprint), ...Object.keys(ck.fingerprint)]);
      for (const [k, v] of [...keys].map((k) => [k, fingerprint[k]] as const)) {
        if (ck.fingerprint[k] !== v) {
          throw new CheckpointError(
            path,
            `was written for a different run ('${k}' is ${JSON.stringify(ck.fingerprint[k])}, ` +
              `this run has ${JSON.stringify(v)})`,
          );
        }
      }
      try {
        es = CMAES.fromState(ck.cma);
        if (es.dimension !== d) throw new RangeError(`CMA-ES dimension ${es.dimension} ≠ ${d}`);
        best = ck.best ? { ...ck.best, z: base64ToF64(ck.best.z, d) } : null;
        devCandidates = (ck.candidates ?? []).map((c) => ({ ...c, z: base64ToF64(c.z, d) }));
      } catch (err) {
        if (err instanceof CheckpointError) throw err;
        throw new CheckpointError(path, `has an invalid state: ${(err as Error).message}`, {
          cause: err,
        });
      }
      generation = ck.generation;
      oracleCalls = ck.oracleCalls;
      evaluations = ck.evaluations;
      lastImprovement = ck.lastImprovement;
      history = ck.history;
      resumedFrom = generation;
    }
  }
  if (!es) {
    const bounds = resolveBounds(cmaOpts.bounds);
    es = new CMAES({
      x0: cmaOpts.x0 ?? new Float64Array(d),
      sigma0: cmaOpts.sigma0 ?? 1,
      popsize,
      seed: cmaOpts.seed,
      bounds,
      tolFun: cmaOpts.tolFun,
      tolX: cmaOpts.tolX,
      lazyGapFactor: cmaOpts.lazyGapFactor,
      maxFevals: Infinity,
    });
    if (es.dimension !== d) {
      throw new RangeError(`cma.x0 has length ${es.dimension}, projection expects ${d}`);
    }
  }
  const P = es.popsize;

  const devDue = (g: number) => split.dev.length > 0 && g % evalEvery === 0;
  // Oracle calls kept for the final selection: untuned on dev, all candidates on train.
  const reserved = selection === "none" ? 0 : split.dev.length > 0 ? 2 : 1;
  const stopReason = (): StopReason | null => {
    if (budget.maxGenerations !== undefined && generation >= budget.maxGenerations) {
      return "maxGenerations";
    }
    if (budget.maxEvaluations !== undefined && evaluations + P > budget.maxEvaluations) {
      return "maxEvaluations";
    }
    if (
      budget.maxOracleCalls !== undefined &&
      oracleCalls + 1 + (devDue(generation + 1) ? 1 : 0) + reserved > budget.maxOracleCalls
    ) return "maxOracleCalls";
    const cmaStop = Object.keys((es as CMAES).stop());
    if (cmaStop.length > 0) return `cma:${cmaStop.join(",")}`;
    if (options.earlyStopping && generation - lastImprovement >= options.earlyStopping.patience) {
      return "earlyStopping";
    }
    if (options.signal?.aborted) return "aborted";
    return null;
  };

  let reason = stopReason();
  let chosen: { selection: Selection; candidates: Candidate[] } | null = null;
  if (reason === null || selection !== "none") {
    const train = await oracle.prepare({
      texts: split.train.map((e) => applyTemplate(task, e.text)),
      labelTexts: task.labelTexts,
    });
    const dev: PreparedBatch | null = split.dev.length > 0
      ? await oracle.prepare({
        texts: split.dev.map((e) => applyTemplate(task, e.text)),
        labelTexts: task.labelTexts,
      })
      : null;
    try {
      while (reason === null && (reason = stopReason()) === null) {
        const t0 = performance.now();
        let oracleMs = 0;
        const zs = es.ask();
        const prompts = projection.applyBatch(zs);
        let t = performance.now();
        const res = await oracle.evaluate(prompts, train);
        oracleMs += performance.now() - t;
        oracleCalls++;
        checkOracleResult(res, P, T, C);
        const losses = populationLosses(
          res.logits,
          trainLabels,
          P,
          C,
          lossName,
          margin,
          trainWeights,
        );
        es.tell(zs, losses);
        evaluations += P;
        generation++;
        let bi = 0;
        let sum = 0;
        for (let p = 0; p < P; p++) {
          sum += losses[p];
          if (losses[p] < losses[bi]) bi = p;
        }
        const bestTrainAccuracy = accuracy(predictions(res.logits, T, C, bi * T * C), trainLabels);

        let devRecord: DevRecord | undefined;
        let improved = false;
        if (dev && devDue(generation)) {
          const z = evalPoint === "mean" ? es.mean : zs[bi].slice();
          t = performance.now();
          const dres = await oracle.evaluate([projection.apply(z)], dev);
          oracleMs += performance.now() - t;
          oracleCalls++;
          checkOracleResult(dres, 1, split.dev.length, C);
          const s = scoreLogits(dres.logits, devLabels, C, {
            loss: lossName,
            margin,
            metric: task.metric,
            positiveClass: task.positiveClass,
            classWeights: devWeights,
          });
          devRecord = {
            loss: s.loss,
            accuracy: s.accuracy,
            f1: s.f1,
            macroF1: s.macroF1,
            metric: s.metric,
          };
          if (dres.cost) devRecord.cost = dres.cost;
          const minDelta = options.earlyStopping?.minDelta ?? 0;
          const prev = best as Best | null;
          if (prev === null || s.metric > prev.metric + minDelta) lastImprovement = generation;
          improved = prev === null || s.metric > prev.metric ||
            (s.metric === prev.metric && s.loss < prev.loss);
          if (improved) best = { z, metric: s.metric, loss: s.loss, generation };
          devCandidates.push({ z: z.slice(), generation, dev: s });
        }
        const record: GenerationRecord = {
          generation,
          evaluations,
          oracleCalls,
          bestLoss: losses[bi],
          meanLoss: sum / P,
          losses: Array.from(losses),
          bestTrainAccuracy,
          sigma: es.sigma,
          bestDevMetric: best ? (best as Best).metric : null,
          improved,
          wallMs: performance.now() - t0,
          oracleMs,
        };
        if (devRecord) record.dev = devRecord;
        if (res.cost) record.cost = res.cost;
        history.push(record);

        if (path) {
          const b = best as Best | null;
          const ck: TuneCheckpoint = {
            format: "secp-fot/tune",
            version: 1,
            fingerprint,
            generation,
            oracleCalls,
            evaluations,
            lastImprovement,
            cma: es.state(),
            best: b
              ? { z: f64ToBase64(b.z), metric: b.metric, loss: b.loss, generation: b.generation }
              : null,
            candidates: devCandidates.map((c) => ({ ...c, z: f64ToBase64(c.z) })),
            history,
          };
          await writeJsonAtomic(path, ck);
        }
        await options.onGeneration?.(record);
      }
      if (selection !== "none") {
        const score = {
          loss: lossName,
          margin,
          metric: task.metric,
          positiveClass: task.positiveClass,
        };
        const zs = [new Float64Array(d), ...devCandidates.map((c) => c.z)];
        const untuned = options.untunedPrompt ?? projection.apply(zs[0]);
        const tres = await oracle.evaluate(
          [untuned, ...projection.applyBatch(zs.slice(1))],
          train,
        );
        oracleCalls++;
        checkOracleResult(tres, zs.length, T, C);
        let untunedDev: Scores | null = null;
        if (dev) {
          const dres = await oracle.evaluate([untuned], dev);
          oracleCalls++;
          checkOracleResult(dres, 1, split.dev.length, C);
          untunedDev = scoreLogits(dres.logits, devLabels, C, {
            ...score,
            classWeights: devWeights,
          });
        }
        const candidates: Candidate[] = zs.map((z, i) => ({
          generation: i === 0 ? 0 : devCandidates[i - 1].generation,
          z,
          train: scoreLogits(tres.logits, trainLabels, C, {
            ...score,
            offset: i * T * C,
            classWeights: trainWeights,
          }),
          dev: i === 0 ? untunedDev : devCandidates[i - 1].dev,
          trainSize: T,
          devSize: split.dev.length,
        }));
        chosen = { selection: selectCandidate(candidates, selection), candidates };
      }
    } finally {
      await oracle.release?.(train);
      if (dev) await oracle.release?.(dev);
    }
  }

  const finalMean = es.mean;
  const b = best as Best | null;
  const c = chosen as { selection: Selection; candidates: Candidate[] } | null;
  const pick = c ? c.candidates[c.selection.index] : null;
  const bestZ = pick ? pick.z.slice() : b ? b.z.slice() : finalMean.slice();
  const pickDev = pick ? pick.dev : null;
  const keptUntuned = pick !== null && pick.generation === 0 && options.untunedPrompt;
  return {
    bestZ,
    bestPrompt: keptUntuned ? options.untunedPrompt!.slice() : projection.apply(bestZ),
    bestDevMetric: pick ? (pickDev ? pickDev.metric : null) : b ? b.metric : null,
    bestDevLoss: pick ? (pickDev ? pickDev.loss : null) : b ? b.loss : null,
    bestGeneration: pick ? pick.generation : b ? b.generation : null,
    selection: c ? c.selection : null,
    candidates: c ? c.candidates : [],
    finalMean,
    generations: generation,
    oracleCalls,
    evaluations,
    stopReason: reason,
    history,
    resumedFrom,
  };
}
