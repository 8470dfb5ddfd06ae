/**
 * Uncertainty of a test metric measured on few texts: the Wilson score interval for accuracy, a
 * percentile bootstrap for F1, and the confusion matrix behind both.
 */
import { f1Binary, macroF1, predictions } from "@secp/fot";

/** A two-sided interval `[low, high]`. */
export type Interval = [number, number];

/** z of a two-sided 95 % normal interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval (95 %) of a proportion `k / n`; `[0, 1]` when `n` is 0. */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n === 0) return [0, 1];
  const p = k / n, z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or k = n the bound is exactly 0 or 1 (rounding aside).
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/** A small seeded PRNG (xorshift32) for the bootstrap: the same run gives the same interval. */
function xorshift(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let x = h >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * The task's F1, as `@secp/fot` scores it: `f1` is the F1 of `positiveClass` against the rest (any
 * number of classes), `macro-f1` the mean per-class F1.
 */
export function f1Of(
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
  kind: "f1" | "macro-f1",
  positiveClass = 1,
): number {
  return kind === "macro-f1" ? macroF1(pred, labels) : f1Binary(pred, labels, positiveClass);
}

/**
 * Percentile bootstrap (95 %) of the F1 of predictions `pred` against `labels`: `resamples`
 * resamples of the texts with replacement, drawn from a generator seeded with `seed`.
 */
export function bootstrapF1(
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
  kind: "f1" | "macro-f1",
  opts: { seed: string; resamples?: number; positiveClass?: number },
): Interval {
  const n = labels.length;
  if (n === 0) return [0, 1];
  const B = opts.resamples ?? 2000;
  const rand = xorshift(opts.seed);
  const p = new Int32Array(n), l = new Int32Array(n);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      p[i] = pred[j];
      l[i] = labels[j];
    }
    stats[b] = f1Of(p, l, kind, opts.positiveClass);
  }
  stats.sort();
  const q = (a: number) => stats[Math.min(B - 1, Math.max(0, Math.floor(a * B)))];
  return [q(0.025), q(0.975)];
}

/** Counts `[true class][predicted class]` of `[n, C]` row-major logits (argmax, first on ties). */
export function confusionMatrix(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number[][] {
  const pred = predictions(Float64Array.from(logits), labels.length, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][pred[i]]++;
  return m;
}

/** A metric on a test set with its 95 % interval and how it was computed. */
export interface MetricWithInterval {
  /** The value. */
  value: number;
  /** 95 % interval. */
  ci95: Interval;
  /** How `ci95` was computed. */
  ci_method: "wilson" | "bootstrap";
}

/**
 * The task metric of logits `[n, C]` with its 95 % interval: Wilson for accuracy, the percentile
 * bootstrap (seeded with `seed`) for F1 and macro-F1.
 */
export function metricWithInterval(
  metric: "accuracy" | "f1" | "macro-f1",
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: { seed: string; positiveClass?: number },
): MetricWithInterval {
  const pred = predictions(Float64Array.from(logits), labels.length, numClasses);
  if (metric === "accuracy") {
    let k = 0;
    for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) k++;
    return {
      value: labels.length ? k / labels.length : 0,
      ci95: wilson(k, labels.length),
      ci_method: "wilson",
    };
  }
  return {
    value: f1Of(pred, labels, metric, opts.positiveClass),
    ci95: bootstrapF1(pred, labels, metric, opts),
    ci_method: "bootstrap",
  };
}

/**
 * Half-width (in metric units) of the 95 % Wilson interval at 0.5 on `n` texts: the least
 * difference between two prompts a set of `n` texts can tell apart.
 */
export function worstHalfWidth(n: number): number {
  const [lo, hi] = wilson(n / 2, n);
  return (hi - lo) / 2;
}

/** Dev sets whose worst-case 95 % half-width exceeds this are too small to select prompts on. */
export const DEV_HALF_WIDTH_LIMIT = 0.1;
