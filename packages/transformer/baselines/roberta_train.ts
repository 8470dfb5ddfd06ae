/**
 * The training passes of the BERT/RoBERTa layer for the gradient baselines of the paper's cost
 * table (SFT and gradient prompt tuning): W and Wᵀ prepared, a training forward with softmax
 * attention keeping P, LayerNorm keeping x̂ and 1/σ and GELU with its derivative, and the backward,
 * with or without weight gradients. Not used by forward-only tuning.
 *
 * @module
 */
import type { CostModel } from "@secp/protocols";
import type { SecretBackend, Shared } from "@secp/sharing";
import {
  DENSE_NAMES,
  denseLinear,
  denseLinearPlan,
  type DenseName,
  denseShapes,
  type ForwardRobertaLayer,
  type LayerRunOptions,
  mergeHeads,
  type RobertaLayerConfig,
  type SharedRobertaLayer,
  splitHeads,
} from "../hf/layer.ts";
import {
  type AttentionCache,
  denseBackward,
  denseBackwardPlan,
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
} from "./ops.ts";

/** A layer with every dense weight prepared for training (W and Wᵀ fixed operands). */
export interface PreparedRobertaLayer extends ForwardRobertaLayer {
  /** Dense layers, Wᵀ prepared too. */
  dense: Record<DenseName, TrainDense>;
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
    m.fixed(i, o).fixed(o, i);
  }
  return m;
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
  const qkv = await be.scope("qkv", () => denseLinear(be, x2, layer.dense.qkv));
  const [q, k, v] = splitHeads(be, qkv, B, S, H, dh);
  const att = await be.scope("attn", () => softmaxAttentionTrain(be, q, k, v, { mask: opts.mask }));
  const merged = mergeHeads(be, att.out, B, S, d);
  const o = await be.scope("out", () => denseLinear(be, merged, layer.dense.out));
  const ln1 = await be.scope(
    "ln1",
    () => layerNormTrain(be, be.add(x2, o), layer.ln1.gamma, layer.ln1.beta, eps),
  );
  const f1 = await be.scope("ffn1", () => denseLinear(be, ln1.y, layer.dense.ffn1));
  const gl = await be.scope("gelu", () => geluTrain(be, f1));
  const f2 = await be.scope("ffn2", () => denseLinear(be, gl.y, layer.dense.ffn2));
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
  denseLinearPlan(m, N, d, 3 * d);
  softmaxAttentionTrainPlan(m, [B, H, S, d / H]);
  denseLinearPlan(m, N, d, d);
  layerNormTrainPlan(m, N, d);
  denseLinearPlan(m, N, d, c.ffn);
  geluTrainPlan(m, N * c.ffn);
  denseLinearPlan(m, N, c.ffn, d);
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
