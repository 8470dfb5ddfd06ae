/**
 * USE-lite in tfjs-core (float32), for the model owner's plaintext adaptation: the same forward as
 * the float64 reference (`reference.ts`), on padded `[B, S]` batches with a 0/1 mask, with
 * softmax, normalised or RFA attention, and with a chosen subset of the attention parameters as
 * `tf.Variable`s so `tf.variableGrads` differentiates through the whole model.
 *
 * Layout: dense layers run on `[B·S, width]` rows; attention runs per head on `[H·B, S, dh]`.
 * Padding rows carry finite garbage that never reaches a real row (keys are masked, pooling is a
 * masked mean), exactly as in the tfjs graph.
 *
 * RFA here is the reference's: φ(x) = √(1/D)·[sin(x·Wᵀ), cos(x·Wᵀ)] with the reference's seeded
 * W[l][h] (D × dh), x = √scale·q (`raw`) or √τ_h·q/‖q‖ (`normalised`), padded keys' features
 * multiplied by 0, `out = φ(q)ᵀ(Σ φ(k) vᵀ) / max(φ(q)·Σ φ(k), floor)`.
 *
 * Learned frequencies (`learnFeatures`): W[l][h] becomes a `tf.Variable` per layer (`[H, dh, D]`),
 * initialised from the given features; the feature map stays √(1/D)·[sin(x·Wᵀ), cos(x·Wᵀ)], so the
 * secure protocol is unchanged (W is public model structure; {@link exportFeatures} reads it out).
 *
 * Trainable per-head scalars: `normalised` learns log τ_h; `raw` learns log c_h with
 * x = c_h·√scale·q and likewise for k (separate c for q and k). Both fold into plain tensors when
 * the model is exported ({@link exportWeights}): τ becomes the variant's per-head temperature, c is
 * multiplied into the q/k columns and biases of the fused q|k|v kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RfaFeatures } from "../use_lite/attention.ts";
import { addTimingSignal } from "../use_lite/timing.ts";
import type { UseLiteLayerWeights, UseLiteWeights } from "../use_lite/weights.ts";
import { attentionDim, finalModelDim } from "../use_lite/config.ts";

/** Which parameter groups are trained (q/k projections are always trained). */
export interface TrainableGroups {
  /** q and k columns of the fused q|k|v kernel and bias, plus the per-head scalars. Always on. */
  readonly qk: true;
  /** v columns of the fused kernel and bias. */
  readonly v: boolean;
  /** Attention output projection (kernel and bias). */
  readonly out: boolean;
  /** Attention pre-LayerNorm gamma and beta. */
  readonly ln1: boolean;
  /** FFN block (LayerNorm 2 and both dense layers); not part of the default adaptation. */
  readonly ffn: boolean;
  /** Pooling dense layer (kernel and bias, before tanh). */
  readonly pool: boolean;
}

/** Attention run by the tfjs model. */
export type TfAttention =
  | { readonly kind: "softmax" }
  | { readonly kind: "normalised" }
  | {
    readonly kind: "rfa";
    readonly input: "raw" | "normalised";
    readonly features: RfaFeatures;
    readonly floor: number;
  };

/** One layer's tensors (variables or constants). */
interface TfLayer {
  ln1Gamma: tf.Tensor1D;
  ln1Beta: tf.Tensor1D;
  wq: tf.Tensor2D;
  wk: tf.Tensor2D;
  wv: tf.Tensor2D;
  bq: tf.Tensor1D;
  bk: tf.Tensor1D;
  bv: tf.Tensor1D;
  /** Per-head log scalars: log τ (normalised) or log c_q (raw), [H]. */
  logA: tf.Tensor1D;
  /** raw only: log c_k, [H]. */
  logB: tf.Tensor1D;
  outW: tf.Tensor2D;
  outB: tf.Tensor1D;
  residualW: tf.Tensor2D | null;
  residualB: tf.Tensor1D | null;
  ln2Gamma: tf.Tensor1D;
  ln2Beta: tf.Tensor1D;
  ffn1W: tf.Tensor2D;
  ffn1B: tf.Tensor1D;
  ffn2W: tf.Tensor2D;
  ffn2B: tf.Tensor1D;
}

/** The tfjs model: base weights as tensors, trainable groups as variables. */
export interface TfUseLite {
  /** The float64 base weights it was built from (embeddings etc. are read from here). */
  readonly base: UseLiteWeights;
  /** Layers. */
  readonly layers: TfLayer[];
  /** Pooling dense. */
  readonly poolW: tf.Tensor2D;
  /** Pooling bias. */
  readonly poolB: tf.Tensor1D;
  /** The trainable variables (what `tf.variableGrads` differentiates). */
  readonly variables: tf.Variable[];
  /** Trained groups. */
  readonly groups: TrainableGroups;
  /** Learned frequencies per layer, `[H, dh, D]` (W[l][h]ᵀ per head), or null (fixed features). */
  readonly learnedW: tf.Variable[] | null;
  /** Feature matrices as `[H, dh, D]` tensors per layer (RFA only), cached per RfaFeatures. */
  readonly featureCache: WeakMap<RfaFeatures, { w: tf.Tensor3D; phase: tf.Tensor1D }[]>;
}

let modelCounter = 0;

/** Options of {@link buildTfModel}. */
export interface BuildTfModelOptions {
  /** No variables at all (a constant model, e.g. the teacher). Default false. */
  readonly frozen?: boolean;
  /** Trained groups (default: q/k only). */
  readonly groups?: Partial<Omit<TrainableGroups, "qk">>;
  /** Initial per-head log scalars `[layer][head]` (log τ or log c_q); default 0. */
  readonly initLogA?: readonly (readonly number[])[];
  /** raw only: initial log c_k per `[layer][head]`; default = initLogA. */
  readonly initLogB?: readonly (readonly number[])[];
  /** Learn the RFA frequencies, starting from these (ignored when `frozen`). */
  readonly learnFeatures?: RfaFeatures;
}

/** Column block [c0, c0+w) of a row-major [rows × cols] matrix, as float32. */
function columns(m: Float64Array, rows: number, cols: number, c0: number, w: number): Float32Array {
  const out = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < w; c++) out[r * w + c] = m[r * cols + c0 + c];
  }
  return out;
}

/**
 * Builds the tfjs model from float64 base weights. Groups that are trained become `tf.Variable`s
 * (q/k columns always, plus the per-head scalars); everything else is a constant tensor.
 */
export function buildTfModel(base: UseLiteWeights, options: BuildTfModelOptions = {}): TfUseLite {
  const groups: TrainableGroups = {
    qk: true,
    v: options.groups?.v ?? false,
    out: options.groups?.out ?? false,
    ln1: options.groups?.ln1 ?? false,
    ffn: options.groups?.ffn ?? false,
    pool: options.groups?.pool ?? false,
  };
  const variables: tf.Variable[] = [];
  const uid = ++modelCounter;
  const frozen = options.frozen === true;
  const t1 = (a: Float64Array | Float32Array, train: boolean, name: string): tf.Tensor1D => {
    const t = tf.tensor1d(Float32Array.from(a), "float32");
    if (!train || frozen) return t;
    const v = tf.variable(t, true, `m${uid}_${name}`);
    t.dispose();
    variables.push(v);
    return v as unknown as tf.Tensor1D;
  };
  const t2 = (
    a: Float64Array | Float32Array,
    r: number,
    c: number,
    train: boolean,
    name: string,
  ): tf.Tensor2D => {
    const t = tf.tensor2d(Float32Array.from(a), [r, c], "float32");
    if (!train || frozen) return t;
    const v = tf.variable(t, true, `m${uid}_${name}`);
    t.dispose();
    variables.push(v);
    return v as unknown as tf.Tensor2D;
  };
  const layers = base.config.layers.map((lc, l): TfLayer => {
    const w = base.layers[l];
    const A = attentionDim(lc), I = lc.inputDim, M = lc.modelDim, F = lc.ffnDim;
    const initA = options.initLogA?.[l] ?? new Array(lc.heads).fill(0);
    const initB = options.initLogB?.[l] ?? initA;
    return {
      ln1Gamma: t1(w.ln1Gamma, groups.ln1, `l${l}_ln1g`),
      ln1Beta: t1(w.ln1Beta, groups.ln1, `l${l}_ln1b`),
      wq: t2(columns(w.qkvW, I, 3 * A, 0, A), I, A, true, `l${l}_wq`),
      wk: t2(columns(w.qkvW, I, 3 * A, A, A), I, A, true, `l${l}_wk`),
      wv: t2(columns(w.qkvW, I, 3 * A, 2 * A, A), I, A, groups.v, `l${l}_wv`),
      bq: t1(w.qkvB.subarray(0, A), true, `l${l}_bq`),
      bk: t1(w.qkvB.subarray(A, 2 * A), true, `l${l}_bk`),
      bv: t1(w.qkvB.subarray(2 * A), groups.v, `l${l}_bv`),
      logA: t1(Float32Array.from(initA), true, `l${l}_logA`),
      logB: t1(Float32Array.from(initB), true, `l${l}_logB`),
      outW: t2(w.outW, A, M, groups.out, `l${l}_outW`),
      outB: t1(w.outB, groups.out, `l${l}_outB`),
      residualW: w.residualW ? t2(w.residualW, I, M, false, "") : null,
      residualB: w.residualB ? t1(w.residualB, false, "") : null,
      ln2Gamma: t1(w.ln2Gamma, groups.ffn, `l${l}_ln2g`),
      ln2Beta: t1(w.ln2Beta, groups.ffn, `l${l}_ln2b`),
      ffn1W: t2(w.ffn1W, M, F, groups.ffn, `l${l}_ffn1W`),
      ffn1B: t1(w.ffn1B, groups.ffn, `l${l}_ffn1B`),
      ffn2W: t2(w.ffn2W, F, M, groups.ffn, `l${l}_ffn2W`),
      ffn2B: t1(w.ffn2B, groups.ffn, `l${l}_ffn2B`),
    };
  });
  const last = finalModelDim(base.config);
  const learn = frozen ? undefined : options.learnFeatures;
  const learnedW = learn
    ? base.config.layers.map((lc, l) => {
      const t = transposedFeatures(learn, l, lc.heads, lc.headDim);
      const v = tf.variable(t, true, `m${uid}_l${l}_rfaW`);
      t.dispose();
      variables.push(v);
      return v;
    })
    : null;
  return {
    base,
    layers,
    learnedW,
    poolW: t2(base.poolW, last, base.config.outputDim, groups.pool, "poolW"),
    poolB: t1(base.poolB, groups.pool, "poolB"),
    variables,
    groups,
    featureCache: new WeakMap(),
  };
}

/** Frees every tensor of the model. */
export function disposeTfModel(model: TfUseLite): void {
  for (const l of model.layers) {
    for (const t of Object.values(l)) (t as tf.Tensor | null)?.dispose();
  }
  model.poolW.dispose();
  model.poolB.dispose();
  for (const v of model.learnedW ?? []) v.dispose();
}

/** W[l][h]ᵀ of every head of layer `l` as one `[H, dh, D]` tensor. */
function transposedFeatures(features: RfaFeatures, layer: number, heads: number, dh: number) {
  const D = features.numFeatures;
  const data = new Float32Array(heads * dh * D);
  for (let h = 0; h < heads; h++) {
    const W = features.matrices[layer]?.[h];
    if (W === undefined || W.length !== D * dh) {
      throw new RangeError(`RFA features have no ${D}×${dh} matrix for layer ${layer} head ${h}`);
    }
    for (let f = 0; f < D; f++) {
      for (let c = 0; c < dh; c++) data[h * dh * D + c * D + f] = W[f * dh + c];
    }
  }
  return tf.tensor3d(data, [heads, dh, D]);
}

/**
 * The model's learned frequencies as {@link RfaFeatures} (D × dh per layer and head), with the
 * metadata (σ, seed) of `init`, the features they started from.
 */
export function exportFeatures(model: TfUseLite, init: RfaFeatures): RfaFeatures {
  if (!model.learnedW) throw new Error("exportFeatures: the model has fixed features");
  const D = init.numFeatures;
  const matrices = model.learnedW.map((v) => {
    const [H, dh] = v.shape;
    const data = v.dataSync();
    return Array.from({ length: H }, (_, h) => {
      const W = new Float64Array(D * dh);
      for (let f = 0; f < D; f++) {
        for (let c = 0; c < dh; c++) W[f * dh + c] = data[h * dh * D + c * D + f];
      }
      return W;
    });
  });
  return { ...init, matrices };
}

/** A padded batch: layer-0 inputs and mask. */
export interface TfBatch {
  /** `2·E[id] + timing(t)` at real positions, 0 at padding: `[B, S, embedDim]`. */
  readonly h0: tf.Tensor3D;
  /** 1 at real positions: `[B, S]`. */
  readonly mask: tf.Tensor2D;
  /** Real tokens per sentence (after clipping to maxSeqLen). */
  readonly lengths: readonly number[];
}

/** Builds a padded batch from token ids (clipped to `maxSeqLen`), S = longest sentence. */
export function makeTfBatch(base: UseLiteWeights, ids: readonly (readonly number[])[]): TfBatch {
  const cfg = base.config;
  const E = cfg.embedDim;
  const lengths = ids.map((s) => Math.min(s.length, cfg.maxSeqLen));
  const S = Math.max(1, ...lengths);
  const B = ids.length;
  const h0 = new Float64Array(B * S * E);
  const mask = new Float32Array(B * S);
  ids.forEach((sent, b) => {
    for (let t = 0; t < lengths[b]; t++) {
      const id = sent[t];
      if (!Number.isInteger(id) || id < 0 || id >= cfg.vocabRows) {
        throw new RangeError(`token id ${id} at sentence ${b}, position ${t} is outside the vocab`);
      }
      const o = (b * S + t) * E;
      for (let c = 0; c < E; c++) h0[o + c] = 2 * base.embeddings[id * E + c];
      addTimingSignal(t, base.invTimescales, h0, o);
      mask[b * S + t] = 1;
    }
  });
  return {
    h0: tf.tensor3d(Float32Array.from(h0), [B, S, E]),
    mask: tf.tensor2d(mask, [B, S]),
    lengths,
  };
}

/** Frees a batch's tensors. */
export function disposeTfBatch(batch: TfBatch): void {
  batch.h0.dispose();
  batch.mask.dispose();
}

/** Per-layer RFA denominators of real query rows (before the floor), for losses and stats. */
export interface TfDenominators {
  /** `[H, B, S]` denominators φ(q)·Σφ(k) (not floored). */
  readonly den: tf.Tensor3D;
  /** `[1, B, S]` 1 at real query rows. */
  readonly rows: tf.Tensor3D;
}

/** Result of {@link tfForward}. */
export interface TfForwardResult {
  /** L2-normalised embeddings `[B, outputDim]`. */
  readonly embeddings: tf.Tensor2D;
  /** RFA only: denominators per layer. */
  readonly denominators: TfDenominators[];
  /** Attention outputs (after the output projection) per layer, `[B·S, modelDim]`. */
  readonly attentionOut: tf.Tensor2D[];
  /** With `captureInputs`: LayerNorm-1 outputs per layer, `[B·S, inputDim]`. */
  readonly attentionIn?: tf.Tensor2D[];
  /** With `captureHidden`: each layer's output `[B·S, modelDim]`. */
  readonly hidden?: tf.Tensor2D[];
  /** Masks of the batch (for {@link tfAttentionBlock}). */
  readonly geometry: BatchGeometry;
}

/** Row-wise LayerNorm as in the graph (biased variance, eps inside the root). */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number) {
  const mean = tf.mean(x, -1, true);
  const c = tf.sub(x, mean);
  const variance = tf.mean(tf.square(c), -1, true);
  return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(variance, eps))), gamma), beta) as tf.Tensor2D;
}

/**
 * Feature matrices of one layer as `[H, dh, 2D]`: each W[l][h]ᵀ twice, so that
 * `sin(x·[Wᵀ | Wᵀ] + [0 | π/2]) = [sin(x·Wᵀ) | cos(x·Wᵀ)]` with one sin and no concat (whose
 * gradient, a split, is slow in tfjs-backend-cpu).
 */
function featureTensor(features: RfaFeatures, layer: number, heads: number, dh: number) {
  const D = features.numFeatures;
  const data = new Float32Array(heads * dh * 2 * D);
  for (let h = 0; h < heads; h++) {
    const W = features.matrices[layer]?.[h];
    if (W === undefined || W.length !== D * dh) {
      throw new RangeError(`RFA features have no ${D}×${dh} matrix for layer ${layer} head ${h}`);
    }
    for (let f = 0; f < D; f++) {
      for (let c = 0; c < dh; c++) {
        const o = h * dh * 2 * D + c * 2 * D;
        data[o + f] = data[o + D + f] = W[f * dh + c];
      }
    }
  }
  return tf.tensor3d(data, [heads, dh, 2 * D]);
}

/** Per layer: `[H, dh, 2D]` doubled features and the `[2D]` phase `[0…0, π/2…π/2]`. */
function featuresOf(
  model: TfUseLite,
  features: RfaFeatures,
): { w: tf.Tensor3D; phase: tf.Tensor1D }[] {
  let t = model.featureCache.get(features);
  if (!t) {
    const D = features.numFeatures;
    const phase = new Float32Array(2 * D).fill(Math.PI / 2, D);
    t = model.base.config.layers.map((lc, l) => ({
      w: tf.keep(featureTensor(features, l, lc.heads, lc.headDim)),
      phase: tf.keep(tf.tensor1d(phase)),
    }));
    model.featureCache.set(features, t);
  }
  return t;
}

/** Per-head scalar `exp(v_h)` broadcast to `[H, 1, 1]`. */
const perHead = (v: tf.Tensor1D) => tf.reshape(tf.exp(v), [-1, 1, 1]);

/** Shapes and masks of one padded batch, shared by the layers. */
export interface BatchGeometry {
  readonly B: number;
  readonly S: number;
  /** `[B, S]` 0/1. */
  readonly mask: tf.Tensor2D;
  /** `[1, B, 1, S]` additive key bias (paddingBias at padded keys). */
  readonly keyBias: tf.Tensor;
  /** `[1, B, S]` 0/1 real query rows. */
  readonly rowMask: tf.Tensor3D;
}

function geometry(model: TfUseLite, batch: TfBatch): BatchGeometry {
  const [B, S] = batch.mask.shape;
  const keyMask = tf.reshape(batch.mask, [1, B, 1, S]);
  return {
    B,
    S,
    mask: batch.mask,
    keyBias: tf.mul(tf.sub(1, keyMask), model.base.config.paddingBias),
    rowMask: tf.reshape(batch.mask, [1, B, S]),
  };
}

/**
 * Multi-head attention of layer `l` on LayerNorm outputs `a` `[B·S, inputDim]`, returning the
 * merged heads `[B·S, heads·headDim]` (before the output projection) and, for RFA, the raw
 * denominators.
 */
export function tfAttentionBlock(
  model: TfUseLite,
  l: number,
  a: tf.Tensor2D,
  g: BatchGeometry,
  attention: TfAttention,
): { att: tf.Tensor2D; den: TfDenominators | null } {
  const lc = model.base.config.layers[l];
  const w = model.layers[l];
  const { B, S } = g;
  const { heads: H, headDim: dh } = lc;
  const A = attentionDim(lc);
  // [B·S, A] → [H, B·S, dh]
  const split = (x: tf.Tensor): tf.Tensor3D =>
    tf.transpose(tf.reshape(x, [B * S, H, dh]), [1, 0, 2]) as tf.Tensor3D;
  let q = split(tf.add(tf.matMul(a, w.wq), w.bq));
  let k = split(tf.add(tf.matMul(a, w.wk), w.bk));
  const v = tf.reshape(split(tf.add(tf.matMul(a, w.wv), w.bv)), [H * B, S, dh]);
  let att: tf.Tensor3D; // [H·B, S, dh]
  let den: TfDenominators | null = null;
  if (attention.kind === "rfa") {
    if (attention.input === "raw") {
      const s = Math.sqrt(lc.scale);
      q = tf.mul(q, tf.mul(perHead(w.logA), s)) as tf.Tensor3D;
      k = tf.mul(k, tf.mul(perHead(w.logB), s)) as tf.Tensor3D;
    } else {
      const st = tf.sqrt(perHead(w.logA));
      q = tf.mul(
        q,
        tf.mul(tf.rsqrt(tf.add(tf.sum(tf.square(q), -1, true), 1e-24)), st),
      ) as tf.Tensor3D;
      k = tf.mul(
        k,
        tf.mul(tf.rsqrt(tf.add(tf.sum(tf.square(k), -1, true), 1e-24)), st),
      ) as tf.Tensor3D;
    }
    const { w: W, phase } = model.learnedW
      ? {
        w: tf.concat([model.learnedW[l], model.learnedW[l]], 2) as tf.Tensor3D,
        phase: featuresOf(model, attention.features)[l].phase,
      }
      : featuresOf(model, attention.features)[l];
    const D = W.shape[2] / 2;
    // [H, B·S, 2D] = √(1/D)·[sin(x·Wᵀ) | cos(x·Wᵀ)]
    const phi = (x: tf.Tensor3D): tf.Tensor3D =>
      tf.mul(tf.sin(tf.add(tf.matMul(x, W), phase)), 1 / Math.sqrt(D)) as tf.Tensor3D;
    const pq = tf.reshape(phi(q), [H * B, S, 2 * D]);
    const pk = tf.reshape(
      tf.mul(tf.reshape(phi(k), [H, B, S, 2 * D]), tf.reshape(g.mask, [1, B, S, 1])),
      [H * B, S, 2 * D],
    );
    const kv = tf.matMul(pk, v, true, false); // [H·B, 2D, dh]
    const z = tf.sum(pk, 1, true); // [H·B, 1, 2D]
    const num = tf.matMul(pq, kv); // [H·B, S, dh]
    const d = tf.sum(tf.mul(pq, z), -1, true); // [H·B, S, 1]
    att = tf.div(num, tf.maximum(d, attention.floor));
    den = { den: tf.reshape(d, [H, B, S]), rows: g.rowMask };
  } else {
    let logits: tf.Tensor3D;
    if (attention.kind === "normalised") {
      const unit = (x: tf.Tensor3D): tf.Tensor3D =>
        tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-24))) as tf.Tensor3D;
      const qs = tf.mul(unit(q), perHead(w.logA));
      logits = tf.matMul(
        tf.reshape(qs, [H * B, S, dh]),
        tf.reshape(unit(k), [H * B, S, dh]),
        false,
        true,
      );
    } else {
      logits = tf.mul(
        tf.matMul(tf.reshape(q, [H * B, S, dh]), tf.reshape(k, [H * B, S, dh]), false, true),
        lc.scale,
      );
    }
    const biased = tf.add(tf.reshape(logits, [H, B, S, S]), g.keyBias);
    const p = tf.reshape(tf.softmax(biased), [H * B, S, S]);
    att = tf.matMul(p, v);
  }
  const merged = tf.reshape(
    tf.transpose(tf.reshape(att, [H, B * S, dh]), [1, 0, 2]),
    [B * S, A],
  ) as tf.Tensor2D;
  return { att: merged, den };
}

/** Options of {@link tfForward}. */
export interface TfForwardOptions {
  /** Also return each layer's LayerNorm-1 output (the attention input). */
  readonly captureInputs?: boolean;
  /** Also return each layer's output hidden states. */
  readonly captureHidden?: boolean;
}

/**
 * Forward pass (call inside `tf.tidy` or `tf.variableGrads`). `attention.kind = "normalised"` uses
 * τ_h = exp(logA_h) as its temperature.
 */
export function tfForward(
  model: TfUseLite,
  batch: TfBatch,
  attention: TfAttention,
  options: TfForwardOptions = {},
): TfForwardResult {
  const cfg = model.base.config;
  const [B, S, E] = batch.h0.shape;
  const g = geometry(model, batch);
  let h: tf.Tensor2D = tf.reshape(batch.h0, [B * S, E]);
  const denominators: TfDenominators[] = [];
  const attentionOut: tf.Tensor2D[] = [];
  const attentionIn: tf.Tensor2D[] = [];
  const hidden: tf.Tensor2D[] = [];
  cfg.layers.forEach((_lc, l) => {
    const w = model.layers[l];
    const a = layerNorm(h, w.ln1Gamma, w.ln1Beta, cfg.layerNormEps);
    if (options.captureInputs) attentionIn.push(a);
    const { att, den } = tfAttentionBlock(model, l, a, g, attention);
    if (den) denominators.push(den);
    const o = tf.add(tf.matMul(att, w.outW), w.outB) as tf.Tensor2D;
    attentionOut.push(o);
    const res = w.residualW ? tf.add(tf.matMul(h, w.residualW), w.residualB!) : h;
    const h1 = tf.add(res, o) as tf.Tensor2D;
    const f = layerNorm(h1, w.ln2Gamma, w.ln2Beta, cfg.layerNormEps);
    const f1 = tf.relu(tf.add(tf.matMul(f, w.ffn1W), w.ffn1B)) as tf.Tensor2D;
    h = tf.add(h1, tf.add(tf.matMul(f1, w.ffn2W), w.ffn2B)) as tf.Tensor2D;
    if (options.captureHidden) hidden.push(h);
  });
  const M = finalModelDim(cfg);
  const counts = tf.tensor2d(batch.lengths.map((n) => 1 / Math.max(n, 1)), [B, 1]);
  const pooled = tf.mul(
    tf.sum(tf.mul(tf.reshape(h, [B, S, M]), tf.reshape(batch.mask, [B, S, 1])), 1),
    counts,
  );
  const t = tf.tanh(tf.add(tf.matMul(pooled as tf.Tensor2D, model.poolW), model.poolB));
  const ss = tf.sum(tf.square(t), -1, true);
  const embeddings = tf.mul(t, tf.rsqrt(tf.maximum(ss, cfg.l2Eps))) as tf.Tensor2D;
  return {
    embeddings,
    denominators,
    attentionOut,
    ...(options.captureInputs ? { attentionIn } : {}),
    ...(options.captureHidden ? { hidden } : {}),
    geometry: g,
  };
}

/** Per-head scalars after training: exp(logA), exp(logB) per `[layer][head]`. */
export function headScalars(model: TfUseLite): { a: number[][]; b: number[][] } {
  return {
    a: model.layers.map((l) => Array.from(tf.tidy(() => tf.exp(l.logA)).dataSync())),
    b: model.layers.map((l) => Array.from(tf.tidy(() => tf.exp(l.logB)).dataSync())),
  };
}

/** What {@link exportWeights} returns: float64 weights plus the per-head temperatures. */
export interface ExportedModel {
  /** The adapted weights (untrained tensors shared with the base). */
  readonly weights: UseLiteWeights;
  /** `normalised` input: τ per `[layer][head]`; `raw`: null (scales folded into q/k). */
  readonly tau: number[][] | null;
}

/**
 * The trained model as plain {@link UseLiteWeights}: q|k|v kernel and bias reassembled (raw: the
 * per-head scales c_q, c_k multiplied into the q and k columns), output projection and LN1 from
 * the variables when trained; untouched tensors are the base's arrays.
 */
export function exportWeights(model: TfUseLite, input: "raw" | "normalised"): ExportedModel {
  const base = model.base;
  const sc = headScalars(model);
  const layers = base.config.layers.map((lc, l): UseLiteLayerWeights => {
    const w = model.layers[l];
    const bw = base.layers[l];
    const A = attentionDim(lc), I = lc.inputDim, dh = lc.headDim;
    const get = (t: tf.Tensor) => Float64Array.from(t.dataSync());
    const wq = get(w.wq), wk = get(w.wk), wv = get(w.wv);
    const bq = get(w.bq), bk = get(w.bk), bv = get(w.bv);
    if (input === "raw") {
      for (let c = 0; c < A; c++) {
        const hq = sc.a[l][Math.floor(c / dh)], hk = sc.b[l][Math.floor(c / dh)];
        for (let r = 0; r < I; r++) {
          wq[r * A + c] *= hq;
          wk[r * A + c] *= hk;
        }
        bq[c] *= hq;
        bk[c] *= hk;
      }
    }
    const qkvW = new Float64Array(I * 3 * A);
    for (let r = 0; r < I; r++) {
      qkvW.set(wq.subarray(r * A, (r + 1) * A), r * 3 * A);
      qkvW.set(wk.subarray(r * A, (r + 1) * A), r * 3 * A + A);
      qkvW.set(wv.subarray(r * A, (r + 1) * A), r * 3 * A + 2 * A);
    }
    const qkvB = new Float64Array(3 * A);
    qkvB.set(bq, 0);
    qkvB.set(bk, A);
    qkvB.set(bv, 2 * A);
    return {
      ...bw,
      qkvW,
      qkvB,
      ln1Gamma: model.groups.ln1 ? get(w.ln1Gamma) : bw.ln1Gamma,
      ln1Beta: model.groups.ln1 ? get(w.ln1Beta) : bw.ln1Beta,
      outW: model.groups.out ? get(w.outW) : bw.outW,
      outB: model.groups.out ? get(w.outB) : bw.outB,
      ...(model.groups.ffn
        ? {
          ln2Gamma: get(w.ln2Gamma),
          ln2Beta: get(w.ln2Beta),
          ffn1W: get(w.ffn1W),
          ffn1B: get(w.ffn1B),
          ffn2W: get(w.ffn2W),
          ffn2B: get(w.ffn2B),
        }
        : {}),
    };
  });
  const get = (t: tf.Tensor) => Float64Array.from(t.dataSync());
  return {
    weights: {
      ...base,
      layers,
      ...(model.groups.pool ? { poolW: get(model.poolW), poolB: get(model.poolB) } : {}),
    },
    tau: input === "normalised" ? sc.a : null,
  };
}

/** Result of {@link tfEmbedAll}. */
export interface TfEmbedResult {
  /** `[ids.length × outputDim]` L2-normalised embeddings, in input order. */
  readonly embeddings: Float32Array;
  /** RFA: real (layer, head, query) rows. */
  readonly denominators: number;
  /** RFA: rows whose denominator was below the floor. */
  readonly guardFired: number;
  /** RFA: rows whose denominator was ≤ 0. */
  readonly nonPositive: number;
}

/**
 * Embeds many sentences with the tfjs model (no gradients), in length-sorted batches of at most
 * `tokensPerBatch` padded tokens, and counts RFA denominator guards.
 */
export function tfEmbedAll(
  model: TfUseLite,
  ids: readonly (readonly number[])[],
  attention: TfAttention,
  tokensPerBatch = 4096,
): TfEmbedResult {
  const cfg = model.base.config;
  const out = new Float32Array(ids.length * cfg.outputDim);
  const len = ids.map((s) => Math.max(1, Math.min(s.length, cfg.maxSeqLen)));
  const order = ids.map((_, i) => i).sort((a, b) => len[a] - len[b] || a - b);
  let denominators = 0, guardFired = 0, nonPositive = 0;
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && (end - start + 1) * len[order[end]] <= tokensPerBatch) end++;
    const idx = order.slice(start, end);
    const batch = makeTfBatch(model.base, idx.map((i) => ids[i]));
    const counts = tf.tidy(() => {
      const r = tfForward(model, batch, attention);
      const e = r.embeddings.dataSync();
      idx.forEach((i, b) =>
        out.set(e.subarray(b * cfg.outputDim, (b + 1) * cfg.outputDim), i * cfg.outputDim)
      );
      let rows = 0, fired = 0, nonPos = 0;
      for (const d of r.denominators) {
        const den = d.den.dataSync();
        const m = d.rows.dataSync();
        const per = m.length;
        const floor = attention.kind === "rfa" ? attention.floor : 0;
        for (let i = 0; i < den.length; i++) {
          if (m[i % per] === 0) continue;
          rows++;
          if (den[i] < floor) fired++;
          if (den[i] <= 0) nonPos++;
        }
      }
      return [rows, fired, nonPos];
    });
    denominators += counts[0];
    guardFired += counts[1];
    nonPositive += counts[2];
    disposeTfBatch(batch);
    start = end;
  }
  return { embeddings: out, denominators, guardFired, nonPositive };
}
