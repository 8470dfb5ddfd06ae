/**
 * @secp/fot — forward-only prompt tuning (FoT) for SecP-Tuning, run by the data owner in plaintext.
 *
 * The model is only a {@link FitnessOracle}: it receives prompts and texts and returns logits,
 * possibly computed under MPC elsewhere. The data owner keeps the labels, the loss, the CMA-ES state
 * and the random projection:
 *
 * - {@link CMAES}: port of Hansen's reference CMA-ES (purecma) with box bounds and exact checkpoints;
 * - {@link RandomProjection}: BBT-style z ∈ ℝ^d ↦ prompt A z + p₀;
 * - {@link loadTask} / {@link fewShotSplit}: few-shot tasks on real offline data (UCI sentiment
 *   sentences, SpamAssassin) with a fixed held-out test half;
 * - {@link loadTaskWith} / {@link readLabelledFile}: task files and the data owner's own CSV, TSV or
 *   JSON Lines files, with one-line {@link DataError}s naming the file, line and column;
 * - {@link crossEntropy}, {@link hingeLoss}, {@link accuracy}, {@link f1Binary}, {@link macroF1};
 * - {@link tune}: the tuning loop (one oracle call per generation, dev-based model selection,
 *   early stopping, atomic checkpoints, bit-identical resume);
 * - {@link ToyOracle}: a deterministic stand-in model for tests and examples.
 *
 * @example Tune the toy oracle for a few generations
 * ```ts
 * import { RandomProjection, ToyOracle, tune } from "@secp/fot";
 *
 * const oracle = new ToyOracle({ promptLength: 2, embedDim: 16 });
 * const projection = new RandomProjection({ promptLength: 2, embedDim: 16, intrinsicDim: 10, seed: 7, std: 0.5 });
 * const task = { name: "toy", classNames: ["neg", "pos"], labelTexts: ["bad", "good"], metric: "accuracy" as const };
 * const split = {
 *   train: [{ text: "awful film", label: 0 }, { text: "lovely film", label: 1 }],
 *   dev: [{ text: "awful plot", label: 0 }, { text: "lovely plot", label: 1 }],
 * };
 * const result = await tune({ oracle, task, split, projection, cma: { seed: 1 }, budget: { maxGenerations: 5 }, evalEvery: 1 });
 * console.log(result.bestDevMetric, result.history.length);
 * ```
 *
 * @module
 */

export { type CMABest, CMAES, type CMAOptions, type CMAState, type CMAStop } from "./cmaes.ts";
export { type CMAParameters, cmaParameters, defaultPopsize } from "./cmaes_params.ts";
export { eighSymmetric, type SymmetricEigen } from "./eigen.ts";
export { deriveKey, Rng, type RngState, type Seed, seedFromCrypto } from "./rng.ts";
export {
  base64ToF64,
  decodeFloat,
  encodeFloat,
  f64ToBase64,
  type JsonFloat,
  parseExact,
  stringifyExact,
} from "./codec.ts";
export {
  bbtProjectionStd,
  PROJECTION_DISTRIBUTIONS,
  type ProjectionDistribution,
  type ProjectionOptions,
  type PromptProjection,
  RandomProjection,
} from "./projection.ts";
export {
  DeepProjection,
  type DeepProjectionOptions,
  splitIntrinsicDim,
} from "./deep_projection.ts";
export {
  type Candidate,
  isSelectionCriterion,
  selectCandidate,
  type Selection,
  SELECTION_CRITERIA,
  type SelectionCriterion,
  selectionKey,
} from "./selection.ts";
export { applyTemplate, type Example, type MetricName, type Task, type TaskSpec } from "./types.ts";
export { isTaskName, loadTask, type LoadTaskOptions, TASK_NAMES, type TaskName } from "./tasks.ts";
export {
  fewShotSplit,
  isTestText,
  ShotsError,
  type Split,
  type SplitOptions,
  testOrderKey,
} from "./splits.ts";
export {
  builtinTaskFile,
  type LabelReport,
  type LoadedTask,
  loadTaskWith,
  type LoadTaskWithOptions,
  splitTask,
  type TaskOverrides,
  type TaskReport,
} from "./task_file.ts";
export {
  checkTemplate,
  checkVerbalizer,
  fillTemplate,
  parseLabelsFlag,
  parseMetric,
  type ReadoutKind,
  sortLabels,
} from "./readout.ts";
export {
  readTaskFile,
  TASK_FILE_FORMAT,
  type TaskFile,
  type TaskFileLabel,
} from "./task_schema.ts";
export {
  DATA_FORMATS,
  DataError,
  type DataFormat,
  decodeUtf8,
  formatFromExtension,
  type LabelledFile,
  type LabelledRow,
  type ReadFileOptions,
  readLabelledFile,
} from "./data/files.ts";
export { BUILTIN_SOURCES, builtinRows } from "./data/builtin.ts";
export { loadUciSentiment, type SentimentDomain } from "./data/sentiment.ts";
export { loadSpamAssassin, type SpamOptions } from "./data/spam.ts";
export { emailToText } from "./data/email.ts";
export { packageFile } from "./data/resolve.ts";
export {
  checkOracleResult,
  type FitnessOracle,
  type OracleBatch,
  type OracleCost,
  type OracleResult,
  type PreparedBatch,
} from "./oracle.ts";
export { hashedBagOfWords, type ToyBatch, ToyOracle, type ToyOracleOptions } from "./toy_oracle.ts";
export {
  accuracy,
  crossEntropy,
  f1Binary,
  hingeLoss,
  type LossName,
  macroF1,
  populationLosses,
  predictions,
  scoreLogits,
  type ScoreOptions,
  type Scores,
} from "./loss.ts";
export { priorFromCounts, priorWeights } from "./class_prior.ts";
export { addCosts, type EvaluateOptions, evaluatePrompt, type EvaluateResult } from "./evaluate.ts";
export { CheckpointError, readJsonFile, writeJsonAtomic } from "./checkpoint.ts";
export {
  type DevRecord,
  type EarlyStopping,
  type GenerationRecord,
  readTuneCheckpoint,
  type StopReason,
  tune,
  type TuneBudget,
  type TuneCheckpoint,
  type TuneCMAOptions,
  type TuneOptions,
  type TuneResult,
} from "./loop.ts";
