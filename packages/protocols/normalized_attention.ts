/**
 * Softmax attention over ℓ2-normalised queries and keys with a temperature τ per head (the
 * transformer's `normalised` attention variant, as in cosine-similarity attention):
 *
 *   out = softmax(τ_h · q̂·k̂ᵀ) · v,   q̂ = q/‖q‖, k̂ = k/‖k‖ per token and head.
 *
 * Under MPC: one batched ℓ2 normalisation of q and k (one rsqrt per token and head; τ_h is folded
 * into the queries' 1/‖q‖, a truncation per row rather than per element), then
 * {@link softmaxAttention} with scale 1. The scores are bounded, |τ_h·q̂·k̂| ≤ τ_h, so exp's domain
 * holds whenever τ_h ≤ 2^(n−1) (n = exp squarings), whatever the scale of q and k.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import type { ProtocolSpec } from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { l2Normalize, l2NormalizePlan } from "./l2norm.ts";
import type { RsqrtOptions } from "./rsqrt.ts";
import {
  attnShape,
  softmaxAttention,
  softmaxAttentionPlan,
  softmaxAttentionReference,
  type SoftmaxOptions,
} from "./softmax.ts";

/** Options of {@link normalizedAttention}. */
export interface NormalizedAttentionOptions extends SoftmaxOptions {
  /** Temperature τ: one for all heads, or one per head (length H). */
  temperature: number | readonly number[];
  /** Inverse square root options for ‖q‖², ‖k‖² (default: rsqrt's normalised method). */
  rsqrt?: RsqrtOptions;
}

/** Specification of {@link normalizedAttention}. */
export const normalizedAttentionSpec: ProtocolSpec = {
  name: "normalized-attention",
  method: "ℓ2 normalisation by rsqrt (range-normalised Newton), then softmax attention " +
    "(max tree, exp, Newton reciprocal) on the bounded scores τ·q̂·k̂",
  domain: {
    lo: -8,
    hi: 8,
    note: "‖q‖², ‖k‖² per head inside rsqrt's domain [2^−16, 2^16); τ ≤ 2^(n−1); error per " +
      "output for |v| ≤ 2",
  },
  error: {
    maxAbs: 1e-2,
    measuredAbs: 8.6e-3,
    grid: "[B=2, H=3, S=16, d=8], τ = (2, 5, 10) per head, q, k uniform in ±3, v in ±2, 5 " +
      "padded keys in batch 1; the plain backend's error is the same (8.5e-3): it is exp's " +
      "approximation on far keys at τ = 10, not the MPC",
  },
};

/** τ per head as a public [2B, H, 1, 1] factor: τ_h on the query half, 1 on the key half. */
function rowScale(tau: number | readonly number[], B: number, H: number): FloatTensor {
  const taus = typeof tau === "number" ? new Array(H).fill(tau) : [...tau];
  if (taus.length !== H || taus.some((t) => !(t > 0) || !Number.isFinite(t))) {
    throw new RangeError(
      `normalizedAttention: temperature must be a positive number or ${H} of them (one per ` +
        `head), got ${JSON.stringify(tau)}`,
    );
  }
  const out = new Float64Array(2 * B * H);
  for (let b = 0; b < 2 * B; b++) {
    for (let h = 0; h < H; h++) out[b * H + h] = b < B ? taus[h] : 1;
  }
  return new FloatTensor(out, [2 * B, H, 1, 1]);
}

/** Normalised softmax attention for q, k, v of shape [B, H, S, d] (see the module docs). */
export async function normalizedAttention(
  be: SecretBackend,
  q: Shared,
  k: Shared,
  v: Shared,
  opts: NormalizedAttentionOptions,
): Promise<Shared> {
  const [B, H] = attnShape(q, k, v);
  const scale = rowScale(opts.temperature, B, H);
  return await be.scope("normalized-attention", async () => {
    const qk = await l2Normalize(be, be.concat([q, k], 0), { rsqrt: opts.rsqrt, rowScale: scale });
    const qh = be.slice(qk, 0, 0, B), kh = be.slice(qk, 0, B, 2 * B);
    return await softmaxAttention(be, qh, kh, v, { ...opts, scale: 1 });
  });
}

/** Adds the cost of {@link normalizedAttention} on [B, H, S, d] to a model. */
export function normalizedAttentionPlan(
  m: CostModel,
  shape: readonly [number, number, number, number],
  opts: Omit<NormalizedAttentionOptions, "temperature"> = {},
): CostModel {
  const [B, H, S, d] = shape;
  l2NormalizePlan(m, 2 * B * H * S, d, { rsqrt: opts.rsqrt, rowScale: true });
  return softmaxAttentionPlan(m, shape, { ...opts, scale: 1 });
}

/**
 * Closed-form cost of {@link normalizedAttention} on [B, H, S, d] (n = B·H·S):
 * ℓ2 normalisation of 2n rows of d (mulNoTrunc, trunc, rsqrt, trunc, mul) + softmax attention
 * without the score scaling.
 */
export function normalizedAttentionCost(
  kind: BackendKind,
  shape: readonly [number, number, number, number],
  opts: Omit<NormalizedAttentionOptions, "temperature"> & CostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => normalizedAttentionPlan(m, shape, opts));
}

/** Float64 reference: softmax attention on q̂·τ_h and k̂ (mask as in softmax attention). */
export function normalizedAttentionReference(
  q: FloatTensor,
  k: FloatTensor,
  v: FloatTensor,
  temperature: number | readonly number[],
  mask?: FloatTensor,
): FloatTensor {
  const [B, H, S, d] = q.shape;
  const tau = rowScale(temperature, B, H);
  const norm = (x: FloatTensor, half: number) => {
    const out = new Float64Array(x.size);
    for (let r = 0; r < B * H * S; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x.data[r * d + j] ** 2;
      const bh = Math.floor(r / S);
      const f = tau.data[half * B * H + bh] / Math.sqrt(s);
      for (let j = 0; j < d; j++) out[r * d + j] = x.data[r * d + j] * f;
    }
    return new FloatTensor(out, x.shape);
  };
  return softmaxAttentionReference(norm(q, 0), norm(k, 1), v, { scale: 1, mask });
}
