/**
 * Losses and metrics computed by the data owner from opened logits. Logit blocks are row-major
 * T×C (one row per text); a population's logits are P consecutive blocks.
 *
 * @module
 */

import type { MetricName } from "./types.ts";

/** Which loss CMA-ES minimises. */
export type LossName = "ce" | "hinge";

function check(logits: Float64Array, labels: ArrayLike<number>, C: number, offset: number): number {
  const T = labels.length;
  if (!Number.isInteger(C) || C < 1) throw new RangeError(`numClasses must be ≥ 1, got ${C}`);
  if (offset < 0 || offset + T * C > logits.length) {
    throw new RangeError(`logits too short: need ${T}×${C} values from offset ${offset}`);
  }
  for (let t = 0; t < T; t++) {
    const y = labels[t];
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new RangeError(`label ${y} outside [0, ${C})`);
    }
  }
  return T;
}

/**
 * Mean softmax cross-entropy of the T×C block at `offset` against `labels` (stable log-sum-exp).
 * With `classWeights` (one weight per class) the mean is weighted: Σ w_{y_t} ℓ_t / Σ w_{y_t}.
 */
export function crossEntropy(
  logits: Float64Array,
  labels: ArrayLike<number>,
  numClasses: number,
  offset = 0,
  classWeights?: ArrayLike<number>,
): number {
  const T = check(logits, labels, numClasses, offset);
  if (T === 0) return 0;
  const w = weightsOf(classWeights, numClasses);
  let total = 0;
  let wsum = 0;
  for (let t = 0; t < T; t++) {
    const row = offset + t * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) if (logits[row + c] > max) max = logits[row + c];
    let s = 0;
    for (let c = 0; c < numClasses; c++) s += Math.exp(logits[row + c] - max);
    const y = logits[row + labels[t]];
    const wt = w ? w[labels[t]] : 1;
    wsum += wt;
    if (wt !== 0) {
      total += wt * (max === -Infinity || y === -Infinity ? Infinity : max + Math.log(s) - y);
    }
  }
  return total / wsum;
}

/**
 * Mean multi-class hinge loss as in BBT: per text Σ_{c≠y} max(0, logit_c − logit_y + margin),
 * averaged over texts (BBT's default margin is 2); weighted as {@link crossEntropy} with
 * `classWeights`.
 */
export function hingeLoss(
  logits: Float64Array,
  labels: ArrayLike<number>,
  numClasses: number,
  margin = 2,
  offset = 0,
  classWeights?: ArrayLike<number>,
): number {
  const T = check(logits, labels, numClasses, offset);
  if (T === 0) return 0;
  const w = weightsOf(classWeights, numClasses);
  let total = 0;
  let wsum = 0;
  for (let t = 0; t < T; t++) {
    const row = offset + t * numClasses;
    const y = labels[t];
    const wt = w ? w[y] : 1;
    wsum += wt;
    for (let c = 0; c < numClasses; c++) {
      if (c !== y) total += wt * Math.max(0, logits[row + c] - logits[row + y] + margin);
    }
  }
  return total / wsum;
}

function weightsOf(w: ArrayLike<number> | undefined, C: number): ArrayLike<number> | undefined {
  if (w === undefined) return undefined;
  if (w.length !== C) throw new RangeError(`classWeights has ${w.length} entries, expected ${C}`);
  for (let c = 0; c < C; c++) {
    if (!(w[c] >= 0) || !Number.isFinite(w[c])) {
      throw new RangeError(`classWeights[${c}] must be a finite number ≥ 0, got ${w[c]}`);
    }
  }
  return w;
}

/** Arg-max class per text of the T×C block at `offset` (ties: lowest class index). */
export function predictions(
  logits: Float64Array,
  numTexts: number,
  numClasses: number,
  offset = 0,
): Int32Array {
  if (offset + numTexts * numClasses > logits.length) throw new RangeError("logits too short");
  const out = new Int32Array(numTexts);
  for (let t = 0; t < numTexts; t++) {
    const row = offset + t * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (logits[row + c] > logits[row + best]) best = c;
    out[t] = best;
  }
  return out;
}

/** Fraction of `predicted` equal to `labels` (0 for empty input). */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new RangeError("length mismatch");
  if (labels.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) ok++;
  return ok / labels.length;
}

function classF1(predicted: ArrayLike<number>, labels: ArrayLike<number>, c: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = predicted[i] === c;
    const y = labels[i] === c;
    if (p && y) tp++;
    else if (p) fp++;
    else if (y) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Binary F1 of class `positive` (default 1); 0 when there are no true positives (sklearn's zero_division=0). */
export function f1Binary(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  positive = 1,
): number {
  if (predicted.length !== labels.length) throw new RangeError("length mismatch");
  return classF1(predicted, labels, positive);
}

/** Macro F1: mean per-class F1 over the classes present in `labels` or `predicted` (as sklearn). */
export function macroF1(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new RangeError("length mismatch");
  const classes = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    classes.add(labels[i]);
    classes.add(predicted[i]);
  }
  if (classes.size === 0) return 0;
  let s = 0;
  for (const c of classes) s += classF1(predicted, labels, c);
  return s / classes.size;
}

/** Loss and metrics of one prompt on one batch. */
export interface Scores {
  /** Loss (CE or hinge, as requested). */
  loss: number;
  /** Accuracy. */
  accuracy: number;
  /** F1 of the positive class (one class against the rest, for any C). */
  f1: number;
  /** Macro F1 over the classes present in the labels or the predictions. */
  macroF1: number;
  /** The task metric's value (accuracy, f1 or macro-f1). */
  metric: number;
}

/** Options of {@link scoreLogits}. */
export interface ScoreOptions {
  /** Loss to report (default "ce"). */
  loss?: LossName;
  /** Metric copied into `metric` (default "accuracy"). */
  metric?: MetricName;
  /** Positive class for `f1` (default 1). */
  positiveClass?: number;
  /** Hinge margin (default 2). */
  margin?: number;
  /** Start of the T×C block (default 0). */
  offset?: number;
  /** Per-class weights of the loss (see {@link crossEntropy}); metrics stay unweighted. */
  classWeights?: ArrayLike<number>;
}

/** Loss, accuracy, F1, macro F1 and the chosen metric of the T×C block at `options.offset`. */
export function scoreLogits(
  logits: Float64Array,
  labels: ArrayLike<number>,
  numClasses: number,
  options: ScoreOptions = {},
): Scores {
  const offset = options.offset ?? 0;
  const loss = (options.loss ?? "ce") === "ce"
    ? crossEntropy(logits, labels, numClasses, offset, options.classWeights)
    : hingeLoss(logits, labels, numClasses, options.margin ?? 2, offset, options.classWeights);
  const pred = predictions(logits, labels.length, numClasses, offset);
  const acc = accuracy(pred, labels);
  const f1 = f1Binary(pred, labels, options.positiveClass ?? 1);
  const macro = macroF1(pred, labels);
  const name = options.metric ?? "accuracy";
  const metric = name === "f1" ? f1 : name === "macro-f1" ? macro : acc;
  return { loss, accuracy: acc, f1, macroF1: macro, metric };
}

/** Loss of each of the P candidates from population logits P×T×C (optionally class-weighted). */
export function populationLosses(
  logits: Float64Array,
  labels: ArrayLike<number>,
  numPrompts: number,
  numClasses: number,
  loss: LossName = "ce",
  margin = 2,
  classWeights?: ArrayLike<number>,
): Float64Array {
  const T = labels.length;
  if (logits.length !== numPrompts * T * numClasses) {
    throw new RangeError(`expected ${numPrompts}×${T}×${numClasses} logits, got ${logits.length}`);
  }
  const out = new Float64Array(numPrompts);
  for (let p = 0; p < numPrompts; p++) {
    const off = p * T * numClasses;
    out[p] = loss === "ce"
      ? crossEntropy(logits, labels, numClasses, off, classWeights)
      : hingeLoss(logits, labels, numClasses, margin, off, classWeights);
  }
  return out;
}
