/**
 * Measurements for the adaptation report:
 *
 * - {@link heldOutFidelity}: embedding cosine of a variant to the original softmax model on the
 *   held-out sentences, and the RFA denominator guard rate, with the float64 reference forward (the
 *   plaintext forward the secure evaluation reproduces);
 * - {@link zeroShot}: zero-shot classification (argmax cosine to the class label texts, each
 *   embedded by the same variant) on labelled texts, with the tfjs forward (float32, same function;
 *   checked against the reference in the tests), plus the cosine of each text's embedding to the
 *   original model's.
 *
 * @module
 */
import { forward } from "../use_lite/reference.ts";
import type { AttentionVariant } from "../use_lite/attention.ts";
import { cosine } from "../common/linalg.ts";
import type { UseTokenizer } from "../use_lite/tokenizer.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";
import { type TfAttention, tfEmbedAll, type TfUseLite } from "./tf_model.ts";

/** Summary of a list of cosines. */
export interface CosineSummary {
  /** Mean. */
  readonly mean: number;
  /** Minimum. */
  readonly min: number;
  /** 5th percentile. */
  readonly p05: number;
  /** Median. */
  readonly median: number;
}

/** Mean, min, 5th percentile and median of `values`. */
export function summarise(values: readonly number[]): CosineSummary {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
    min: s[0] ?? NaN,
    p05: q(0.05),
    median: q(0.5),
  };
}

/** RFA denominator health. */
export interface GuardStats {
  /** Denominators computed (layers × heads × real query rows). */
  readonly denominators: number;
  /** Fraction below the floor (clamped). */
  readonly guardRate: number;
  /** Fraction ≤ 0. */
  readonly nonPositiveRate: number;
}

/** {@link GuardStats} from denominator counts; null unless `attention` is RFA. */
function guardStats(
  attention: { kind: string },
  c: { denominators: number; guardFired: number; nonPositive: number },
): GuardStats | null {
  if (attention.kind !== "rfa") return null;
  const n = Math.max(1, c.denominators);
  return {
    denominators: c.denominators,
    guardRate: c.guardFired / n,
    nonPositiveRate: c.nonPositive / n,
  };
}

/** Result of {@link heldOutFidelity}. */
export interface HeldOutFidelity {
  /** Sentences. */
  readonly count: number;
  /** Cosine to the original model's embeddings. */
  readonly cosine: CosineSummary;
  /** Cosine per sentence, in input order. */
  readonly perSentence: number[];
  /** RFA denominators (null for exact attention). */
  readonly guard: GuardStats | null;
  /** Wall time. */
  readonly ms: number;
}

/** Cosine to `reference` embeddings and guard rate, with the float64 reference forward. */
export function heldOutFidelity(
  weights: UseLiteWeights,
  attention: AttentionVariant,
  ids: readonly (readonly number[])[],
  reference: readonly Float64Array[],
): HeldOutFidelity {
  const t0 = performance.now();
  const res = forward(weights, ids, { attention });
  const per = res.embeddings.map((e, i) => cosine(e, reference[i]));
  return {
    count: ids.length,
    cosine: summarise(per),
    perSentence: per,
    guard: guardStats(attention, res.stats),
    ms: performance.now() - t0,
  };
}

/** A labelled evaluation set for {@link zeroShot}. */
export interface ZeroShotSet {
  /** Task name. */
  readonly name: string;
  /** Input texts (task template already applied). */
  readonly texts: readonly string[];
  /** Class index per text. */
  readonly labels: readonly number[];
  /** One label text per class. */
  readonly labelTexts: readonly string[];
  /** Positive class for F1 (binary tasks). */
  readonly positiveClass?: number;
}

/** Result of {@link zeroShot} on one set. */
export interface ZeroShotResult {
  /** Texts scored. */
  readonly count: number;
  /** Accuracy. */
  readonly accuracy: number;
  /** F1 of the positive class. */
  readonly f1: number;
  /** Cosine of each text's embedding to the original model's (summary), if given. */
  readonly cosine: CosineSummary | null;
  /** RFA denominators. */
  readonly guard: GuardStats | null;
  /** Embeddings `[count × outputDim]`, for comparing variants. */
  readonly embeddings: Float32Array;
}

/**
 * Zero-shot classification of `set` with the tfjs model under `attention`: the label texts and the
 * inputs are embedded by the same variant; the prediction is the label of highest cosine.
 */
export function zeroShot(
  model: TfUseLite,
  tokenizer: UseTokenizer,
  set: ZeroShotSet,
  attention: TfAttention,
  original?: Float32Array,
): ZeroShotResult {
  const dim = model.base.config.outputDim;
  const ids = set.texts.map((t) => tokenizer.encode(t));
  const e = tfEmbedAll(model, ids, attention);
  const l = tfEmbedAll(model, set.labelTexts.map((t) => tokenizer.encode(t)), attention).embeddings;
  const C = set.labelTexts.length;
  const pos = set.positiveClass ?? 1;
  let correct = 0, tp = 0, fp = 0, fn = 0;
  const cos: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    let best = -Infinity, arg = 0;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += e.embeddings[i * dim + j] * l[c * dim + j];
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    const y = set.labels[i];
    if (arg === y) correct++;
    if (arg === pos && y === pos) tp++;
    if (arg === pos && y !== pos) fp++;
    if (arg !== pos && y === pos) fn++;
    if (original) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += e.embeddings[i * dim + j] * original[i * dim + j];
      cos.push(s);
    }
  }
  return {
    count: ids.length,
    accuracy: correct / Math.max(1, ids.length),
    f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    cosine: original ? summarise(cos) : null,
    guard: guardStats(attention, e),
    embeddings: e.embeddings,
  };
}
