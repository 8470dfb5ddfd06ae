/**
 * A linear probe as a ceiling for prompt tuning: multinomial logistic regression (L2, full-batch
 * gradient descent on standardised features) trained on the frozen sentence embeddings of the same
 * few shots (train ∪ dev, embedded with the untuned prompt), scored on the test texts. It shows how
 * much the embedding space separates the classes given those shots; prompt tuning can only move
 * the embeddings, so a probe far above the tuned prompt says the optimiser (or the budget) bounds
 * the gain, a probe close to it says the model and the shots do.
 */
import { applyTemplate, type Example, scoreLogits, type TaskSpec } from "@secp/fot";
import {
  embed,
  type ForwardOptions,
  type UseLiteWeights,
  type UseTokenizer,
} from "@secp/transformer";
import { tokenize } from "@secp/transformer/oracle";

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty on the weights (default 0.01). */
  l2?: number;
  /** Gradient-descent steps (default 500). */
  steps?: number;
  /** Step size (default 0.5). */
  lr?: number;
}

/** A fitted linear classifier on standardised features. */
export interface LogisticModel {
  /** Per-feature mean and std of the training features. */
  mean: Float64Array;
  std: Float64Array;
  /** Weights, C × F row-major, and biases (length C). */
  w: Float64Array;
  b: Float64Array;
  numClasses: number;
}

/** Fits multinomial logistic regression to `xs` (equal lengths) with labels in [0, C). */
export function fitLogistic(
  xs: readonly Float64Array[],
  labels: readonly number[],
  numClasses: number,
  options: LogisticOptions = {},
): LogisticModel {
  const n = xs.length;
  if (n === 0 || n !== labels.length) throw new RangeError("fitLogistic: need one label per row");
  const F = xs[0].length;
  const C = numClasses;
  const l2 = options.l2 ?? 0.01, steps = options.steps ?? 500, lr = options.lr ?? 0.5;
  const mean = new Float64Array(F), std = new Float64Array(F);
  for (const x of xs) for (let f = 0; f < F; f++) mean[f] += x[f] / n;
  for (const x of xs) for (let f = 0; f < F; f++) std[f] += (x[f] - mean[f]) ** 2 / n;
  for (let f = 0; f < F; f++) std[f] = Math.sqrt(std[f]) || 1;
  const z = xs.map((x) => Float64Array.from(x, (v, f) => (v - mean[f]) / std[f]));
  const w = new Float64Array(C * F), b = new Float64Array(C);
  const gw = new Float64Array(C * F), gb = new Float64Array(C);
  const p = new Float64Array(C);
  for (let s = 0; s < steps; s++) {
    gw.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      softmaxRow(w, b, z[i], C, F, p);
      for (let c = 0; c < C; c++) {
        const g = (p[c] - (labels[i] === c ? 1 : 0)) / n;
        gb[c] += g;
        for (let f = 0; f < F; f++) gw[c * F + f] += g * z[i][f];
      }
    }
    for (let k = 0; k < w.length; k++) w[k] -= lr * (gw[k] + l2 * w[k]);
    for (let c = 0; c < C; c++) b[c] -= lr * gb[c];
  }
  return { mean, std, w, b, numClasses: C };
}

function softmaxRow(
  w: Float64Array,
  b: Float64Array,
  x: Float64Array,
  C: number,
  F: number,
  out: Float64Array,
): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) {
    let s = b[c];
    for (let f = 0; f < F; f++) s += w[c * F + f] * x[f];
    out[c] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let c = 0; c < C; c++) sum += out[c] = Math.exp(out[c] - max);
  for (let c = 0; c < C; c++) out[c] /= sum;
}

/** Class logits (C per row, row-major) of `xs` under `m`. */
export function logisticLogits(m: LogisticModel, xs: readonly Float64Array[]): Float64Array {
  const C = m.numClasses, F = m.mean.length;
  const out = new Float64Array(xs.length * C);
  xs.forEach((x, i) => {
    for (let c = 0; c < C; c++) {
      let s = m.b[c];
      for (let f = 0; f < F; f++) s += m.w[c * F + f] * (x[f] - m.mean[f]) / m.std[f];
      out[i * C + c] = s;
    }
  });
  return out;
}

/** What {@link linearProbe} needs of the model. */
export interface ProbeModel {
  weights: UseLiteWeights;
  tokenizer: UseTokenizer;
  attention: ForwardOptions["attention"];
}

/** Test metric of a logistic-regression probe on frozen embeddings (prompted with `prompt`). */
export function linearProbe(
  model: ProbeModel,
  task: TaskSpec,
  shots: readonly Example[],
  test: readonly Example[],
  prompt: Float64Array,
  promptLength: number,
  maxTokens: number,
): number {
  const emb = (es: readonly Example[]) => {
    const ids = tokenize(
      model.tokenizer,
      es.map((e) => applyTemplate(task, e.text)),
      model.weights.config,
      promptLength,
      maxTokens,
    );
    return embed(model.weights, ids, { prompt, attention: model.attention });
  };
  const C = task.labelTexts.length;
  const m = fitLogistic(emb(shots), shots.map((e) => e.label), C);
  const logits = logisticLogits(m, emb(test));
  return scoreLogits(logits, test.map((e) => e.label), C, {
    metric: task.metric,
    positiveClass: task.positiveClass,
  }).metric;
}
