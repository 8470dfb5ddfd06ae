/**
 * A generic BERT/RoBERTa encoder layer under MPC (post-LayerNorm, GELU FFN), written once against
 * `SecretBackend`, for the paper's cost runs at RoBERTa scale (random weights, as the MPC papers
 * time their models):
 *
 *   a = Attention(x·W_qkv + b_qkv) · W_o + b_o;   h = LN₁(x + a)
 *   y = LN₂(h + GELU(h·W₁ + b₁)·W₂ + b₂)
 *
 * Three entry points share the weights and the op order:
 * - {@link robertaLayerForward}: inference as forward-only tuning runs it (`@secp/protocols`'
 *   `softmaxAttention` or `rfaAttention` with Π_cos, `layerNorm`, and `geluAccurate`, within
 *   3e−4 of the erf GELU, or PUMA's `gelu` polynomial with `gelu: "puma"`);
 * - {@link robertaLayerTrainForward} + {@link robertaLayerBackward}: the training pass of the
 *   gradient baselines (softmax attention keeping P, LayerNorm keeping x̂ and 1/σ, GELU with its
 *   derivative; see `backward/ops.ts`), with or without weight gradients.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import {
  type CostModel,
  type CosVariant,
  gelu,
  geluAccurate,
  geluAccuratePlan,
  geluPlan,
  layerNorm,
  layerNormPlan,
  rfaAttention,
  rfaAttentionPlan,
  softmaxAttention,
  softmaxAttentionPlan,
} from "@secp/protocols";
import type { SecretBackend, Shared } from "@secp/sharing";
import { gaussianArray, seededRng } from "../util/rng.ts";
import {
  type AttentionCache,
  denseBackward,
  denseBackwardPlan,
  denseForwardPlan,
  denseTrainForward,
  geluBackward,
  geluBackwardPlan,
  geluTrain,
  geluTrainPlan,
  layerNormBackward,
  layerNormBackwardPlan,
  type LayerNormCache,
  layerNormTrain,
  layerNormTrainPlan,
  prepareDense,
  softmaxAttentionBackward,
  softmaxAttentionBackwardPlan,
  softmaxAttentionTrain,
  softmaxAttentionTrainPlan,
  type TrainDense,
} from "./backward/ops.ts";

/** Shape of one encoder layer. */
export interface RobertaLayerConfig {
  /** Hidden size d. */
  hidden: number;
  /** Attention heads (d divisible by heads). */
  heads: number;
  /** FFN inner size. */
  ffn: number;
  /** LayerNorm ε (default 1e−5). */
  eps?: number;
  /**
   * GELU of the inference forward: `accurate` (default; `geluAccurate`, ≤ 3e−4 from the erf
   * form) or `puma` (PUMA's polynomial, ≤ 2.2e−2, for cost comparisons with PUMA-style systems).
   * The training passes always use PUMA's segments (`geluTrain`, with its derivative).
   */
  gelu?: SecureGelu;
}

/** Which secure GELU a layer's inference forward evaluates. */
export type SecureGelu = "accurate" | "puma";

/** One layer of RoBERTa-large: d 1024, 16 heads, FFN 4096. */
export const ROBERTA_LARGE_LAYER: RobertaLayerConfig = Object.freeze({
  hidden: 1024,
  heads: 16,
  ffn: 4096,
  eps: 1e-5,
});

/** Float64 weights of one layer (row-major, W as `[in, out]`). */
export interface RobertaLayerWeights {
  /** Fused q|k|v projection `[d, 3d]`. */
  qkvW: Float64Array;
  /** `[3d]`. */
  qkvB: Float64Array;
  /** Attention output `[d, d]`. */
  outW: Float64Array;
  /** `[d]`. */
  outB: Float64Array;
  /** LN₁ γ `[d]`. */
  ln1G: Float64Array;
  /** LN₁ β `[d]`. */
  ln1B: Float64Array;
  /** FFN in `[d, ffn]`. */
  ffn1W: Float64Array;
  /** `[ffn]`. */
  ffn1B: Float64Array;
  /** FFN out `[ffn, d]`. */
  ffn2W: Float64Array;
  /** `[d]`. */
  ffn2B: Float64Array;
  /** LN₂ γ `[d]`. */
  ln2G: Float64Array;
  /** LN₂ β `[d]`. */
  ln2B: Float64Array;
}

/** The dense parameters of a layer, in a fixed order. */
export const DENSE_NAMES = ["qkv", "out", "ffn1", "ffn2"] as const;
/** Name of a dense parameter. */
export type DenseName = typeof DENSE_NAMES[number];

/** `[in, out]` of each dense parameter. */
export function denseShapes(c: RobertaLayerConfig): Record<DenseName, [number, number]> {
  const d = c.hidden;
  return { qkv: [d, 3 * d], out: [d, d], ffn1: [d, c.ffn], ffn2: [c.ffn, d] };
}

/** Number of trainable parameters of one layer (weights, biases, LayerNorm γ/β). */
export function robertaLayerParamCount(c: RobertaLayerConfig): number {
  let n = 4 * c.hidden; // two LayerNorms
  for (const [i, o] of Object.values(denseShapes(c))) n += i * o + o;
  return n;
}

/**
 * Seeded random weights (BERT's initialisation: N(0, σ²) with σ = `std`, default 0.02, biases
 * N(0, σ²) too, LayerNorm γ = 1 + N(0, σ²), β = N(0, σ²)).
 */
export function randomRobertaLayerWeights(
  c: RobertaLayerConfig,
  seed = 0,
  std = 0.02,
): RobertaLayerWeights {
  const rng = seededRng(seed);
  const g = (n: number, mean = 0) => gaussianArray(rng, n, std).map((v) => v + mean);
  const s = denseShapes(c);
  const d = c.hidden;
  return {
    qkvW: g(s.qkv[0] * s.qkv[1]),
    qkvB: g(s.qkv[1]),
    outW: g(d * d),
    outB: g(d),
    ln1G: g(d, 1),
    ln1B: g(d),
    ffn1W: g(d * c.ffn),
    ffn1B: g(c.ffn),
    ffn2W: g(c.ffn * d),
    ffn2B: g(d),
    ln2G: g(d, 1),
    ln2B: g(d),
  };
}

/** A layer's parameters as shares (phantoms on non-computing parties). */
export interface SharedRobertaLayer {
  /** Dense weights `[in, out]` and biases. */
  dense: Record<DenseName, { w: Shared; b: Shared }>;
  /** LN₁ γ, β. */
  ln1: { gamma: Shared; beta: Shared };
  /** LN₂ γ, β. */
  ln2: { gamma: Shared; beta: Shared };
}

/** The model owner secret-shares a layer's weights (others pass `undefined`). */
export async function shareRobertaLayer(
  be: SecretBackend,
  c: RobertaLayerConfig,
  weights: RobertaLayerWeights | undefined,
): Promise<SharedRobertaLayer> {
  const mine = be.is("modelOwner");
  if (mine && !weights) throw new Error("shareRobertaLayer: the model owner must pass weights");
  const inp = (v: Float64Array | undefined, shape: number[]) =>
    be.input("modelOwner", mine ? new FloatTensor(v!, shape) : undefined, shape);
  const s = denseShapes(c);
  const w = weights;
  const dense = async (name: DenseName, wv?: Float64Array, bv?: Float64Array) => ({
    w: await inp(wv, s[name]),
    b: await inp(bv, [s[name][1]]),
  });
  const d = c.hidden;
  return {
    dense: {
      qkv: await dense("qkv", w?.qkvW, w?.qkvB),
      out: await dense("out", w?.outW, w?.outB),
      ffn1: await dense("ffn1", w?.ffn1W, w?.ffn1B),
      ffn2: await dense("ffn2", w?.ffn2W, w?.ffn2B),
    },
    ln1: { gamma: await inp(w?.ln1G, [d]), beta: await inp(w?.ln1B, [d]) },
    ln2: { gamma: await inp(w?.ln2G, [d]), beta: await inp(w?.ln2B, [d]) },
  };
}

/** A layer with every dense weight prepared (W and Wᵀ fixed operands). */
export interface PreparedRobertaLayer {
  /** Dense layers. */
  dense: Record<DenseName, TrainDense>;
  /** LN₁ γ, β. */
  ln1: { gamma: Shared; beta: Shared };
  /** LN₂ γ, β. */
  ln2: { gamma: Shared; beta: Shared };
}

/**
 * Prepares every dense weight for fixed-operand products (W and Wᵀ: one mask opening each). FoT
 * and gradient prompt tuning do this once per model (weights are constant across iterations);
 * SFT once per iteration (the weights change every step).
 */
export async function prepareRobertaLayer(
  be: SecretBackend,
  layer: SharedRobertaLayer,
): Promise<PreparedRobertaLayer> {
  const out = {} as Record<DenseName, TrainDense>;
  for (const n of DENSE_NAMES) {
    out[n] = await be.scope(n, () => prepareDense(be, layer.dense[n].w, layer.dense[n].b));
  }
  return { dense: out, ln1: layer.ln1, ln2: layer.ln2 };
}

/** Adds the cost of {@link prepareRobertaLayer} (2PC: 2·|W| openings per weight). */
export function prepareRobertaLayerPlan(m: CostModel, c: RobertaLayerConfig): CostModel {
  for (const [i, o] of Object.values(denseShapes(c))) {
    if (m.kind === "2pc") m.openMod2k(i * o, 64).openMod2k(i * o, 64);
  }
  return m;
}

/** Attention used by {@link robertaLayerForward}. */
export type LayerAttention =
  | { kind: "softmax" }
  | {
    kind: "rfa";
    /** Π_cos variant (default `exact`). */
    variant?: CosVariant;
    /** Random features D (default the head dimension). */
    features?: number;
    /** ℓ2-normalise q, k with this temperature (default 2; `null`: no normalisation). */
    temperature?: number | null;
  };

function split(be: SecretBackend, qkv: Shared, B: number, S: number, H: number, dh: number) {
  const sp = be.transpose(be.reshape(qkv, [B, S, 3, H, dh]), [2, 0, 3, 1, 4]);
  return [0, 1, 2].map((i) => be.reshape(be.slice(sp, 0, i, i + 1), [B, H, S, dh]));
}

function merge(be: SecretBackend, x: Shared, B: number, S: number, d: number): Shared {
  return be.reshape(be.transpose(x, [0, 2, 1, 3]), [B * S, d]);
}

/** Options of the layer passes. */
export interface LayerRunOptions {
  /** Public 0/1 key mask `[B, S]` (default: every position real). */
  mask?: FloatTensor;
}

/**
 * Inference forward (what forward-only tuning evaluates) on x `[B, S, d]` → `[B, S, d]`, scopes
 * `qkv`, `attn`, `out`, `ln1`, `ffn1`, `gelu`, `ffn2`, `ln2`.
 */
export async function robertaLayerForward(
  be: SecretBackend,
  x: Shared,
  layer: PreparedRobertaLayer,
  c: RobertaLayerConfig,
  attention: LayerAttention,
  opts: LayerRunOptions = {},
): Promise<Shared> {
  const [B, S, d] = x.shape;
  const H = c.heads, dh = d / H, N = B * S, eps = c.eps ?? 1e-5;
  const x2 = be.reshape(x, [N, d]);
  const qkv = await be.scope("qkv", () => denseTrainForward(be, x2, layer.dense.qkv));
  const [q, k, v] = split(be, qkv, B, S, H, dh);
  const att = await be.scope("attn", () => {
    if (attention.kind === "softmax") return softmaxAttention(be, q, k, v, { mask: opts.mask });
    const t = attention.temperature === undefined ? 2 : attention.temperature;
    return rfaAttention(be, q, k, v, {
      variant: attention.variant ?? "exact",
      features: attention.features,
      mask: opts.mask,
      ...(t === null ? {} : { normalize: { temperature: t } }),
    });
  });
  const o = await be.scope(
    "out",
    () => denseTrainForward(be, merge(be, att, B, S, d), layer.dense.out),
  );
  const h = await be.scope(
    "ln1",
    () => layerNorm(be, be.add(x2, o), layer.ln1.gamma, layer.ln1.beta, { eps }),
  );
  const f1 = await be.scope("ffn1", () => denseTrainForward(be, h, layer.dense.ffn1));
  const g = await be.scope("gelu", () => (c.gelu === "puma" ? gelu : geluAccurate)(be, f1));
  const f2 = await be.scope("ffn2", () => denseTrainForward(be, g, layer.dense.ffn2));
  const y = await be.scope(
    "ln2",
    () => layerNorm(be, be.add(h, f2), layer.ln2.gamma, layer.ln2.beta, { eps }),
  );
  return be.reshape(y, [B, S, d]);
}

/** Adds the cost of {@link robertaLayerForward} on `[B, S, d]` (no mask). */
export function robertaLayerForwardPlan(
  m: CostModel,
  c: RobertaLayerConfig,
  B: number,
  S: number,
  attention: LayerAttention,
): CostModel {
  const d = c.hidden, H = c.heads, dh = d / H, N = B * S;
  denseForwardPlan(m, N, d, 3 * d);
  if (attention.kind === "softmax") softmaxAttentionPlan(m, [B, H, S, dh]);
  else {
    const t = attention.temperature === undefined ? 2 : attention.temperature;
    rfaAttentionPlan(m, [B, H, S, dh], {
      variant: attention.variant ?? "exact",
      features: attention.features,
      ...(t === null ? {} : { normalize: { temperature: t } }),
    });
  }
  denseForwardPlan(m, N, d, d);
  layerNormPlan(m, N, d);
  denseForwardPlan(m, N, d, c.ffn);
  (c.gelu === "puma" ? geluPlan : geluAccuratePlan)(m, N * c.ffn);
  denseForwardPlan(m, N, c.ffn, d);
  return layerNormPlan(m, N, d);
}

/** Everything the training backward needs from the forward (shares). */
export interface RobertaLayerCache {
  /** Layer input `[N, d]`. */
  x: Shared;
  /** Attention cache. */
  attn: AttentionCache;
  /** Merged attention output `[N, d]` (input of `out`). */
  merged: Shared;
  /** LN₁ cache. */
  ln1: LayerNormCache;
  /** LN₁ output h `[N, d]` (input of ffn1). */
  h: Shared;
  /** GELU′(ffn1 pre-activation) `[N, ffn]`. */
  geluGrad: Shared;
  /** GELU output `[N, ffn]` (input of ffn2). */
  g: Shared;
  /** LN₂ cache. */
  ln2: LayerNormCache;
  /** Shape `[B, S, d]`. */
  shape: [number, number, number];
}

/** Training forward: like {@link robertaLayerForward} with softmax attention, keeping a cache. */
export async function robertaLayerTrainForward(
  be: SecretBackend,
  x: Shared,
  layer: PreparedRobertaLayer,
  c: RobertaLayerConfig,
  opts: LayerRunOptions = {},
): Promise<{ y: Shared; cache: RobertaLayerCache }> {
  const [B, S, d] = x.shape;
  const H = c.heads, dh = d / H, N = B * S, eps = c.eps ?? 1e-5;
  const x2 = be.reshape(x, [N, d]);
  const qkv = await be.scope("qkv", () => denseTrainForward(be, x2, layer.dense.qkv));
  const [q, k, v] = split(be, qkv, B, S, H, dh);
  const att = await be.scope("attn", () => softmaxAttentionTrain(be, q, k, v, { mask: opts.mask }));
  const merged = merge(be, att.out, B, S, d);
  const o = await be.scope("out", () => denseTrainForward(be, merged, layer.dense.out));
  const ln1 = await be.scope(
    "ln1",
    () => layerNormTrain(be, be.add(x2, o), layer.ln1.gamma, layer.ln1.beta, eps),
  );
  const f1 = await be.scope("ffn1", () => denseTrainForward(be, ln1.y, layer.dense.ffn1));
  const gl = await be.scope("gelu", () => geluTrain(be, f1));
  const f2 = await be.scope("ffn2", () => denseTrainForward(be, gl.y, layer.dense.ffn2));
  const ln2 = await be.scope(
    "ln2",
    () => layerNormTrain(be, be.add(ln1.y, f2), layer.ln2.gamma, layer.ln2.beta, eps),
  );
  return {
    y: be.reshape(ln2.y, [B, S, d]),
    cache: {
      x: x2,
      attn: att.cache,
      merged,
      ln1: ln1.cache,
      h: ln1.y,
      geluGrad: gl.dy,
      g: gl.y,
      ln2: ln2.cache,
      shape: [B, S, d],
    },
  };
}

/** Adds the cost of {@link robertaLayerTrainForward} on `[B, S, d]`. */
export function robertaLayerTrainForwardPlan(
  m: CostModel,
  c: RobertaLayerConfig,
  B: number,
  S: number,
): CostModel {
  const d = c.hidden, H = c.heads, N = B * S;
  denseForwardPlan(m, N, d, 3 * d);
  softmaxAttentionTrainPlan(m, [B, H, S, d / H]);
  denseForwardPlan(m, N, d, d);
  layerNormTrainPlan(m, N, d);
  denseForwardPlan(m, N, d, c.ffn);
  geluTrainPlan(m, N * c.ffn);
  denseForwardPlan(m, N, c.ffn, d);
  return layerNormTrainPlan(m, N, d);
}

/** Gradients of every parameter of a layer. */
export interface RobertaLayerGrads {
  /** Dense weight and bias gradients. */
  dense: Record<DenseName, { w: Shared; b: Shared }>;
  /** LN₁ γ, β gradients. */
  ln1: { gamma: Shared; beta: Shared };
  /** LN₂ γ, β gradients. */
  ln2: { gamma: Shared; beta: Shared };
}

/**
 * Backward of {@link robertaLayerTrainForward}: dL/dx `[B, S, d]` from dL/dy, and with
 * `weightGrads` (SFT) every parameter's gradient. Gradient prompt tuning passes
 * `weightGrads: false` (gradients w.r.t. activations only). Scopes `ln2`, `ffn2`, `gelu`,
 * `ffn1`, `ln1`, `out`, `attn`, `qkv`.
 */
export async function robertaLayerBackward(
  be: SecretBackend,
  dy: Shared,
  cache: RobertaLayerCache,
  layer: PreparedRobertaLayer,
  c: RobertaLayerConfig,
  opts: { weightGrads?: boolean } = {},
): Promise<{ dx: Shared; grads?: RobertaLayerGrads }> {
  const [B, S, d] = cache.shape;
  const H = c.heads, dh = d / H, N = B * S;
  const wg = opts.weightGrads ?? false;
  const ln2 = await be.scope("ln2", () => layerNormBackward(be, be.reshape(dy, [N, d]), cache.ln2));
  const f2 = await be.scope(
    "ffn2",
    () => denseBackward(be, cache.g, ln2.dx, layer.dense.ffn2, { weightGrads: wg }),
  );
  const df1 = await be.scope("gelu", () => geluBackward(be, f2.dx, cache.geluGrad));
  const f1 = await be.scope(
    "ffn1",
    () => denseBackward(be, cache.h, df1, layer.dense.ffn1, { weightGrads: wg }),
  );
  const dh1 = be.add(ln2.dx, f1.dx);
  const ln1 = await be.scope("ln1", () => layerNormBackward(be, dh1, cache.ln1));
  const o = await be.scope(
    "out",
    () => denseBackward(be, cache.merged, ln1.dx, layer.dense.out, { weightGrads: wg }),
  );
  const dAtt = be.transpose(be.reshape(o.dx, [B, S, H, dh]), [0, 2, 1, 3]);
  const a = await be.scope("attn", () => softmaxAttentionBackward(be, dAtt, cache.attn));
  // [3, B, H, S, dh] → [B, S, 3, H, dh] → [N, 3d] (inverse of the forward split).
  const stacked = be.concat([a.dq, a.dk, a.dv].map((t) => be.reshape(t, [1, B, H, S, dh])), 0);
  const dqkv = be.reshape(be.transpose(stacked, [1, 3, 0, 2, 4]), [N, 3 * d]);
  const qkv = await be.scope(
    "qkv",
    () => denseBackward(be, cache.x, dqkv, layer.dense.qkv, { weightGrads: wg }),
  );
  const dx = be.reshape(be.add(ln1.dx, qkv.dx), [B, S, d]);
  if (!wg) return { dx };
  const gr = (r: { dw?: Shared; db?: Shared }) => ({ w: r.dw!, b: r.db! });
  return {
    dx,
    grads: {
      dense: { qkv: gr(qkv), out: gr(o), ffn1: gr(f1), ffn2: gr(f2) },
      ln1: { gamma: ln1.dgamma, beta: ln1.dbeta },
      ln2: { gamma: ln2.dgamma, beta: ln2.dbeta },
    },
  };
}

/** Adds the cost of {@link robertaLayerBackward} on `[B, S, d]`. */
export function robertaLayerBackwardPlan(
  m: CostModel,
  c: RobertaLayerConfig,
  B: number,
  S: number,
  opts: { weightGrads?: boolean } = {},
): CostModel {
  const d = c.hidden, H = c.heads, N = B * S;
  const wg = { weightGrads: opts.weightGrads ?? false };
  layerNormBackwardPlan(m, N, d);
  denseBackwardPlan(m, N, c.ffn, d, wg);
  geluBackwardPlan(m, N * c.ffn);
  denseBackwardPlan(m, N, d, c.ffn, wg);
  layerNormBackwardPlan(m, N, d);
  denseBackwardPlan(m, N, d, d, wg);
  softmaxAttentionBackwardPlan(m, [B, H, S, d / H]);
  return denseBackwardPlan(m, N, d, 3 * d, wg);
}
