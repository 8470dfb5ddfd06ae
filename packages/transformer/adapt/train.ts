/**
 * Distillation of USE-lite onto RFA attention, in tfjs-core: the student is the tfjs model with RFA
 * in the loop (fixed public features), the teacher is the original softmax model's sentence
 * embeddings (precomputed with the float64 reference). Loss per batch:
 *
 *   mean_b (1 − ⟨e_student,b, e_teacher,b⟩)                               (embedding cosine)
 *   + denWeight · mean over layers, heads, real query rows of relu(denTarget − den)²   (health)
 *   + relationalWeight · mean over pairs i ≠ j of (⟨s_i, s_j⟩ − ⟨t_i, t_j⟩)²          (geometry)
 *
 * The relational term (default off) matches the in-batch cosine matrix, optionally with a fixed
 * set of short anchor phrases appended to every batch: zero-shot classification compares a text's
 * embedding with short label texts' embeddings, so their relative geometry is what must survive.
 *
 * The second term keeps every RFA denominator well above the MPC guard floor (the reciprocal under
 * MPC runs on [floor, S]; rows under the floor are clamped and become garbage).
 *
 * Optimiser: Adam (tfjs `tf.train.adam`), linear warm-up then cosine decay; the per-head log
 * scalars have their own Adam with a larger rate. Batches are built from length-sorted sentences
 * under a token budget (little padding), reshuffled every epoch from a seeded stream.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { seededRng } from "../common/rng.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";
import {
  disposeTfBatch,
  makeTfBatch,
  type TfAttention,
  tfAttentionBlock,
  type TfBatch,
  type TfDenominators,
  tfForward,
  type TfUseLite,
} from "./tf_model.ts";

/** Training data: token ids and the teacher's embeddings (row i = sentence i). */
export interface DistillData {
  /** Token ids per sentence. */
  readonly ids: readonly (readonly number[])[];
  /** Teacher embeddings, `[ids.length × outputDim]`, L2-normalised. */
  readonly teacher: Float32Array;
}

/** Options of {@link distill}. */
export interface DistillOptions {
  /** The student's attention (RFA with fixed features). */
  readonly attention: Extract<TfAttention, { kind: "rfa" }>;
  /** Optimiser steps. */
  readonly steps: number;
  /** Padded tokens per batch (B·S ≤ this, default 1024). */
  readonly tokensPerBatch?: number;
  /** Most sentences per batch (default 64). */
  readonly maxBatch?: number;
  /** Peak learning rate of the weights (default 5e-4). */
  readonly lr?: number;
  /** Peak learning rate of the per-head log scalars (default 2e-2). */
  readonly lrScalars?: number;
  /** Peak learning rate of learned RFA frequencies (default: `lr`). */
  readonly lrFeatures?: number;
  /** Warm-up steps (default 5 % of steps). */
  readonly warmup?: number;
  /** Final learning rate as a fraction of the peak (default 0.05). */
  readonly lrFinal?: number;
  /** Denominator target (default 0.25 = 4 × the MPC floor 1/16). */
  readonly denTarget?: number;
  /** Weight of the denominator penalty (default 1). */
  readonly denWeight?: number;
  /**
   * Weight of an auxiliary per-token loss: the relative squared error of each layer's output
   * hidden states against the teacher's on the same batch (needs `teacherModel`; default 0).
   */
  readonly hiddenWeight?: number;
  /**
   * Weight of the relational term: the mean squared difference of the student's and the teacher's
   * pairwise cosines over the batch's off-diagonal pairs (see {@link relationalLoss}; default 0).
   */
  readonly relationalWeight?: number;
  /**
   * Fixed texts appended to every batch for the relational term only (their own cosine to the
   * teacher is not in the loss): token ids and teacher embeddings, as {@link DistillData}.
   */
  readonly anchors?: DistillData;
  /** Frozen teacher model, for `hiddenWeight` > 0. */
  readonly teacherModel?: TfUseLite;
  /** Seed of the batch order. */
  readonly seed: number | string;
  /** Stop early when this many ms have passed (default: no limit). */
  readonly timeBudgetMs?: number;
  /**
   * Run only the first this many steps of the `steps`-step schedule (default: all). Replays a run
   * that `timeBudgetMs` stopped early: same batches, same learning rates, same result.
   */
  readonly stopAtStep?: number;
  /** Called after every step. */
  readonly onStep?: (info: StepInfo) => void;
}

/** Per-step training values. */
export interface StepInfo {
  /** Step index (0-based). */
  readonly step: number;
  /** Total loss. */
  readonly loss: number;
  /** Mean embedding cosine to the teacher in this batch. */
  readonly cosine: number;
  /** Fraction of real (layer, head, query) rows whose denominator is below the floor. */
  readonly guardRate: number;
  /** Relational term before weighting (0 when it is off). */
  readonly relational: number;
  /** Sentences and padded tokens in the batch. */
  readonly sentences: number;
  /** Padded tokens (B·S). */
  readonly tokens: number;
  /** Learning rate used. */
  readonly lr: number;
  /** Elapsed ms since the start. */
  readonly elapsedMs: number;
}

/** Result of {@link distill}. */
export interface DistillResult {
  /** Steps actually run (less than requested if the time budget ran out). */
  readonly steps: number;
  /** Sentences seen (with repetition). */
  readonly sentences: number;
  /** Wall time. */
  readonly ms: number;
  /** Mean training cosine over the last 10 % of steps. */
  readonly finalCosine: number;
}

/** Length-sorted batches under a token budget, in a seeded order (one epoch). */
export function epochBatches(
  lengths: readonly number[],
  tokensPerBatch: number,
  maxBatch: number,
  rng: { uniform(): number },
): number[][] {
  const idx = lengths.map((_, i) => i);
  const jitter = idx.map(() => rng.uniform());
  idx.sort((a, b) => lengths[a] - lengths[b] || jitter[a] - jitter[b]);
  const batches: number[][] = [];
  let cur: number[] = [];
  let maxLen = 0;
  for (const i of idx) {
    const L = Math.max(maxLen, lengths[i]);
    if (cur.length > 0 && ((cur.length + 1) * L > tokensPerBatch || cur.length >= maxBatch)) {
      batches.push(cur);
      cur = [];
      maxLen = 0;
    }
    cur.push(i);
    maxLen = Math.max(maxLen, lengths[i]);
  }
  if (cur.length > 0) batches.push(cur);
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [batches[i], batches[j]] = [batches[j], batches[i]];
  }
  return batches;
}

/** Learning rate at `step`: linear warm-up, then cosine decay to `final·peak`. */
export function learningRate(
  step: number,
  steps: number,
  peak: number,
  warmup: number,
  final: number,
): number {
  if (step < warmup) return peak * (step + 1) / warmup;
  const p = Math.min(1, (step - warmup) / Math.max(1, steps - warmup));
  return peak * (final + (1 - final) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** Loss of one batch: returns the scalar loss plus logged values (read inside the tape). */
type BatchLoss = (
  batch: TfBatch,
  idx: readonly number[],
) => {
  loss: tf.Scalar;
  cosine: () => number;
  guardRate: () => number;
  relational?: () => number;
};

/** The shared step loop: batching, learning-rate schedule, two Adams, logging, time budget. */
function runSteps(
  model: TfUseLite,
  base: UseLiteWeights,
  ids: readonly (readonly number[])[],
  options: DistillOptions,
  batchLoss: BatchLoss,
): DistillResult {
  const tokensPerBatch = options.tokensPerBatch ?? 1024;
  const maxBatch = options.maxBatch ?? 64;
  const lr = options.lr ?? 5e-4;
  const lrScalars = options.lrScalars ?? 2e-2;
  const warmup = options.warmup ?? Math.max(1, Math.round(options.steps * 0.05));
  const lrFinal = options.lrFinal ?? 0.05;
  const rng = seededRng(`secp-adapt/batches:${options.seed}`);
  const lengths = ids.map((s) => Math.min(s.length, base.config.maxSeqLen));
  const scalarNames = new Set(
    model.layers.flatMap((l) => [l.logA, l.logB]).map((t) => (t as unknown as tf.Variable).name),
  );
  const featureNames = new Set((model.learnedW ?? []).map((v) => v.name));
  const lrFeatures = options.lrFeatures ?? lr;
  const weightVars = model.variables.filter((v) =>
    !scalarNames.has(v.name) && !featureNames.has(v.name)
  );
  const scalarVars = model.variables.filter((v) => scalarNames.has(v.name));
  const featureVars = model.variables.filter((v) => featureNames.has(v.name));
  const optW = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const optS = tf.train.adam(lrScalars, 0.9, 0.999, 1e-8);
  const optF = tf.train.adam(lrFeatures, 0.9, 0.999, 1e-8);
  const t0 = performance.now();
  let queue: number[][] = [];
  let step = 0, seen = 0;
  const cosHistory: number[] = [];
  try {
    const last = Math.min(options.steps, options.stopAtStep ?? Infinity);
    for (; step < last; step++) {
      if (options.timeBudgetMs !== undefined && performance.now() - t0 > options.timeBudgetMs) {
        break;
      }
      if (queue.length === 0) queue = epochBatches(lengths, tokensPerBatch, maxBatch, rng);
      const idx = queue.pop()!;
      const batch = makeTfBatch(base, idx.map((i) => ids[i]));
      const f = lr * learningRate(step, options.steps, 1, warmup, lrFinal);
      (optW as unknown as { learningRate: number }).learningRate = f;
      (optS as unknown as { learningRate: number }).learningRate = f * lrScalars / lr;
      (optF as unknown as { learningRate: number }).learningRate = f * lrFeatures / lr;
      let cosVal = 0, guardVal = 0, relVal = 0;
      const { value, grads } = tf.variableGrads(() => {
        const r = batchLoss(batch, idx);
        cosVal = r.cosine();
        guardVal = r.guardRate();
        relVal = r.relational?.() ?? 0;
        return r.loss;
      }, model.variables);
      const lossVal = value.dataSync()[0];
      if (weightVars.length) {
        optW.applyGradients(
          weightVars.map((v) => ({ name: v.name, tensor: grads[v.name] })),
        );
      }
      if (scalarVars.length) {
        optS.applyGradients(
          scalarVars.map((v) => ({ name: v.name, tensor: grads[v.name] })),
        );
      }
      if (featureVars.length) {
        optF.applyGradients(
          featureVars.map((v) => ({ name: v.name, tensor: grads[v.name] })),
        );
      }
      tf.dispose([value, ...Object.values(grads)]);
      disposeTfBatch(batch);
      if (!Number.isFinite(lossVal)) throw new Error(`distill: loss is ${lossVal} at step ${step}`);
      seen += idx.length;
      cosHistory.push(cosVal);
      options.onStep?.({
        step,
        loss: lossVal,
        cosine: cosVal,
        guardRate: guardVal,
        relational: relVal,
        sentences: idx.length,
        tokens: batch.h0.shape[0] * batch.h0.shape[1],
        lr: f,
        elapsedMs: performance.now() - t0,
      });
    }
  } finally {
    optW.dispose();
    optS.dispose();
    optF.dispose();
  }
  const tail = cosHistory.slice(-Math.max(1, Math.round(cosHistory.length / 10)));
  return {
    steps: step,
    sentences: seen,
    ms: performance.now() - t0,
    finalCosine: tail.reduce((s, x) => s + x, 0) / Math.max(1, tail.length),
  };
}

/** Denominator penalty and guard count over all layers (scalars). */
function denominatorTerms(
  dens: readonly TfDenominators[],
  lengths: readonly number[],
  target: number,
  floor: number,
): { penalty: tf.Scalar; guard: tf.Scalar; rows: number } {
  let rows = 0;
  let pen: tf.Tensor = tf.scalar(0);
  let guard: tf.Tensor = tf.scalar(0);
  const real = lengths.reduce((s, n) => s + n, 0);
  for (const d of dens) {
    const shortfall = tf.relu(tf.sub(target, d.den));
    pen = tf.add(pen, tf.sum(tf.mul(tf.square(shortfall), d.rows)));
    guard = tf.add(guard, tf.sum(tf.mul(tf.cast(tf.less(d.den, floor), "float32"), d.rows)));
    rows += d.den.shape[0] * real;
  }
  return {
    penalty: tf.div(pen, Math.max(rows, 1)) as tf.Scalar,
    guard: guard as tf.Scalar,
    rows,
  };
}

/**
 * Relational distillation term: mean over ordered pairs i ≠ j of (⟨s_i, s_j⟩ − ⟨t_i, t_j⟩)², with
 * `student` and `teacher` `[n × dim]` L2-normalised rows (so the inner products are cosines). Zero
 * when the two Gram matrices agree off the diagonal, e.g. when the student equals the teacher up to
 * a rotation; 0 for n < 2.
 */
export function relationalLoss(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  const n = student.shape[0];
  if (n < 2) return tf.scalar(0);
  const gs = tf.matMul(student, student, false, true);
  const gt = tf.matMul(teacher, teacher, false, true);
  const offDiagonal = tf.sub(1, tf.eye(n));
  const sq = tf.sum(tf.mul(tf.square(tf.sub(gs, gt)), offDiagonal));
  return tf.div(sq, n * (n - 1)) as tf.Scalar;
}

/**
 * Trains `model`'s variables in place on the embedding-cosine objective (see module doc). Returns
 * when `steps` steps are done or the time budget is spent.
 */
export function distill(
  model: TfUseLite,
  base: UseLiteWeights,
  data: DistillData,
  options: DistillOptions,
): DistillResult {
  const outDim = base.config.outputDim;
  if (data.teacher.length !== data.ids.length * outDim) {
    throw new RangeError(
      `teacher has ${data.teacher.length} values, expected ${data.ids.length}×${outDim}`,
    );
  }
  const denTarget = options.denTarget ?? 0.25;
  const denWeight = options.denWeight ?? 1;
  const relationalWeight = options.relationalWeight ?? 0;
  const anchors = relationalWeight > 0 && options.anchors && options.anchors.ids.length > 0
    ? options.anchors
    : null;
  if (anchors && anchors.teacher.length !== anchors.ids.length * outDim) {
    throw new RangeError(
      `anchor teacher has ${anchors.teacher.length} values, expected ${anchors.ids.length}×${outDim}`,
    );
  }
  const anchorBatch = anchors ? makeTfBatch(base, anchors.ids) : null;
  const anchorTeacher = anchors ? tf.tensor2d(anchors.teacher, [anchors.ids.length, outDim]) : null;
  try {
    return runSteps(model, base, data.ids, options, (batch, idx) => {
      const teacherData = new Float32Array(idx.length * outDim);
      idx.forEach((i, r) =>
        teacherData.set(data.teacher.subarray(i * outDim, (i + 1) * outDim), r * outDim)
      );
      const teacher = tf.tensor2d(teacherData, [idx.length, outDim]);
      const hiddenWeight = options.hiddenWeight ?? 0;
      const out = tfForward(model, batch, options.attention, { captureHidden: hiddenWeight > 0 });
      const meanCos = tf.mean(tf.sum(tf.mul(out.embeddings, teacher), -1));
      const d = denominatorTerms(
        out.denominators,
        batch.lengths,
        denTarget,
        options.attention.floor,
      );
      let loss = tf.add(tf.sub(1, meanCos), tf.mul(d.penalty, denWeight)) as tf.Scalar;
      let relational: tf.Scalar | null = null;
      if (relationalWeight > 0) {
        let s = out.embeddings, t = teacher;
        if (anchorBatch && anchorTeacher) {
          const a = tfForward(model, anchorBatch, options.attention);
          s = tf.concat([s, a.embeddings], 0);
          t = tf.concat([t, anchorTeacher], 0);
        }
        relational = relationalLoss(s, t);
        loss = tf.add(loss, tf.mul(relational, relationalWeight)) as tf.Scalar;
      }
      if (hiddenWeight > 0) {
        if (!options.teacherModel) throw new Error("distill: hiddenWeight needs teacherModel");
        const t = tfForward(options.teacherModel, batch, { kind: "softmax" }, {
          captureHidden: true,
        });
        const rows = tf.reshape(batch.mask, [-1, 1]);
        let rel: tf.Tensor = tf.scalar(0);
        out.hidden!.forEach((hs, l) => {
          const ht = t.hidden![l];
          const err = tf.sum(tf.mul(tf.square(tf.sub(hs, ht)), rows));
          rel = tf.add(rel, tf.div(err, tf.sum(tf.mul(tf.square(ht), rows))));
        });
        loss = tf.add(loss, tf.mul(rel, hiddenWeight / out.hidden!.length)) as tf.Scalar;
      }
      return {
        loss,
        cosine: () => meanCos.dataSync()[0],
        guardRate: () => d.rows > 0 ? d.guard.dataSync()[0] / d.rows : 0,
        relational: () => relational ? relational.dataSync()[0] : 0,
      };
    });
  } finally {
    if (anchorBatch) disposeTfBatch(anchorBatch);
    anchorTeacher?.dispose();
  }
}

/**
 * Layer-wise warm start: with the *teacher's* LayerNorm-1 outputs as inputs (teacher forcing), the
 * student's RFA attention of every layer (through its output projection) is fitted to the
 * teacher's softmax attention output, by relative squared error per layer:
 * `Σ‖o_s − o_t‖² / Σ‖o_t − ō_t‖²` over real rows, plus the denominator penalty. Much cheaper than
 * {@link distill} (no FFN or pooling in the backward pass). `teacher` must be a frozen model of the
 * base weights. The logged "cosine" is 1 − the mean relative error.
 */
export function distillLayers(
  model: TfUseLite,
  teacher: TfUseLite,
  base: UseLiteWeights,
  ids: readonly (readonly number[])[],
  options: DistillOptions,
): DistillResult {
  const denTarget = options.denTarget ?? 0.25;
  const denWeight = options.denWeight ?? 1;
  return runSteps(model, base, ids, options, (batch) => {
    const t = tfForward(teacher, batch, { kind: "softmax" }, { captureInputs: true });
    const g = t.geometry;
    const rows = tf.reshape(batch.mask, [-1, 1]);
    const n = batch.lengths.reduce((s, x) => s + x, 0);
    let rel: tf.Tensor = tf.scalar(0);
    const dens: TfDenominators[] = [];
    base.config.layers.forEach((_lc, l) => {
      const w = model.layers[l];
      const { att, den } = tfAttentionBlock(model, l, t.attentionIn![l], g, options.attention);
      if (den) dens.push(den);
      const os = tf.add(tf.matMul(att, w.outW), w.outB);
      const ot = t.attentionOut[l];
      const err = tf.sum(tf.mul(tf.square(tf.sub(os, ot)), rows));
      const mean = tf.div(tf.sum(tf.mul(ot, rows), 0, true), n);
      const energy = tf.sum(tf.mul(tf.square(tf.sub(ot, mean)), rows));
      rel = tf.add(rel, tf.div(err, energy));
    });
    const relMean = tf.div(rel, base.config.layers.length);
    const d = denominatorTerms(dens, batch.lengths, denTarget, options.attention.floor);
    const loss = tf.add(relMean, tf.mul(d.penalty, denWeight)) as tf.Scalar;
    return {
      loss,
      cosine: () => 1 - relMean.dataSync()[0],
      guardRate: () => d.rows > 0 ? d.guard.dataSync()[0] / d.rows : 0,
    };
  });
}
