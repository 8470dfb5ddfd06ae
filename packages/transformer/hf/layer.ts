/**
 * A generic BERT/RoBERTa encoder layer under MPC (post-LayerNorm, GELU FFN), written once against
 * `SecretBackend`: what forward-only tuning evaluates, and the layer of the paper's cost runs at
 * RoBERTa scale (random weights, as the MPC papers time their models):
 *
 *   a = Attention(x·W_qkv + b_qkv) · W_o + b_o;   h = LN₁(x + a)
 *   y = LN₂(h + GELU(h·W₁ + b₁)·W₂ + b₂)
 *
 * {@link robertaLayerForward} uses `@secp/protocols`' `softmaxAttention` or `rfaAttention` with
 * Π_cos, `layerNorm`, and `geluAccurate` (within 3e−4 of the erf GELU), or PUMA's `gelu` polynomial
 * with `gelu: "puma"`. The training passes of the gradient baselines (the same layer
 * keeping what the backward needs) are in `../baselines/roberta_train.ts`.
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
import type { FixedOperand, SecretBackend, Shared } from "@secp/sharing";
import { gaussianArray, seededRng } from "../common/rng.ts";

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

/** A dense layer prepared for inference: W as a fixed operand (its mask opened once), bias. */
export interface ForwardDense {
  /** W `[in, out]` prepared for `matmulFixed`. */
  readonly wf: FixedOperand;
  /** Bias `[out]`. */
  readonly b: Shared;
}

/** A layer with every dense weight prepared for inference. */
export interface ForwardRobertaLayer {
  /** Dense layers. */
  dense: Record<DenseName, ForwardDense>;
  /** LN₁ γ, β. */
  ln1: { gamma: Shared; beta: Shared };
  /** LN₂ γ, β. */
  ln2: { gamma: Shared; beta: Shared };
}

/** Prepares every dense weight for inference (one mask opening per W). */
export async function prepareForwardLayer(
  be: SecretBackend,
  layer: SharedRobertaLayer,
): Promise<ForwardRobertaLayer> {
  const dense = {} as Record<DenseName, ForwardDense>;
  for (const n of DENSE_NAMES) {
    dense[n] = { wf: await be.scope(n, () => be.fixed(layer.dense[n].w)), b: layer.dense[n].b };
  }
  return { dense, ln1: layer.ln1, ln2: layer.ln2 };
}

/** `x·W + b` for x `[N, in]` with a prepared W. */
export async function denseLinear(be: SecretBackend, x: Shared, d: ForwardDense): Promise<Shared> {
  const y = await be.matmulFixed(x, d.wf);
  return be.add(y, be.broadcastTo(d.b, y.shape));
}

/** Adds the cost of `be.matmulFixed` [M, K] @ W[K, N] after `fixed(W)`, truncation included. */
export function matmulFixedPlan(m: CostModel, M: number, K: number, N: number): CostModel {
  return m.matmulFixed(M, K, N);
}

/** Adds the cost of {@link denseLinear} on x `[N, in]`, W `[in, out]`. */
export function denseLinearPlan(m: CostModel, N: number, din: number, dout: number): CostModel {
  return matmulFixedPlan(m, N, din, dout);
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

/** Splits fused q|k|v `[B·S, 3d]` into q, k, v `[B, H, S, dh]`. */
export function splitHeads(
  be: SecretBackend,
  qkv: Shared,
  B: number,
  S: number,
  H: number,
  dh: number,
): Shared[] {
  const sp = be.transpose(be.reshape(qkv, [B, S, 3, H, dh]), [2, 0, 3, 1, 4]);
  return [0, 1, 2].map((i) => be.reshape(be.slice(sp, 0, i, i + 1), [B, H, S, dh]));
}

/** Merges heads `[B, H, S, dh]` back to `[B·S, d]`. */
export function mergeHeads(be: SecretBackend, x: Shared, B: number, S: number, d: number): Shared {
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
  layer: ForwardRobertaLayer,
  c: RobertaLayerConfig,
  attention: LayerAttention,
  opts: LayerRunOptions = {},
): Promise<Shared> {
  const [B, S, d] = x.shape;
  const H = c.heads, dh = d / H, N = B * S, eps = c.eps ?? 1e-5;
  const x2 = be.reshape(x, [N, d]);
  const qkv = await be.scope("qkv", () => denseLinear(be, x2, layer.dense.qkv));
  const [q, k, v] = splitHeads(be, qkv, B, S, H, dh);
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
    () => denseLinear(be, mergeHeads(be, att, B, S, d), layer.dense.out),
  );
  const h = await be.scope(
    "ln1",
    () => layerNorm(be, be.add(x2, o), layer.ln1.gamma, layer.ln1.beta, { eps }),
  );
  const f1 = await be.scope("ffn1", () => denseLinear(be, h, layer.dense.ffn1));
  const g = await be.scope("gelu", () => (c.gelu === "puma" ? gelu : geluAccurate)(be, f1));
  const f2 = await be.scope("ffn2", () => denseLinear(be, g, layer.dense.ffn2));
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
  denseLinearPlan(m, N, d, 3 * d);
  if (attention.kind === "softmax") softmaxAttentionPlan(m, [B, H, S, dh]);
  else {
    const t = attention.temperature === undefined ? 2 : attention.temperature;
    rfaAttentionPlan(m, [B, H, S, dh], {
      variant: attention.variant ?? "exact",
      features: attention.features,
      ...(t === null ? {} : { normalize: { temperature: t } }),
    });
  }
  denseLinearPlan(m, N, d, d);
  layerNormPlan(m, N, d);
  denseLinearPlan(m, N, d, c.ffn);
  (c.gelu === "puma" ? geluPlan : geluAccuratePlan)(m, N * c.ffn);
  denseLinearPlan(m, N, c.ffn, d);
  return layerNormPlan(m, N, d);
}
