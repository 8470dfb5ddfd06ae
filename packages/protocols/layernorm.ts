/**
 * LayerNorm over the last axis with PyTorch's semantics, `torch.nn.LayerNorm(d, eps)(x)`:
 *
 *   y = (x − μ) / √(σ² + ε) · γ + β,   μ = mean(x),  σ² = mean((x − μ)²)  (biased variance)
 *
 * μ is a local sum and a constant product (1/d) with a second correcting pass (the residual
 * Σ(x − μ₁) is exact); (x − μ)² and (x − μ)·γ are one batched product (γ shared: the model
 * owner's weight); σ² is a local sum, one truncation and 1/d, kept with 4 extra fractional bits;
 * 1/√(σ² + ε) is {@link rsqrt} per row (default: the normalised, ltz-based method on σ²·2^4 ∈
 * [2^−16, 2^16), i.e. σ² ∈ [2^−20, 2^12)) returned with 8 extra bits; the result is one truncated
 * product plus β. γ and β may also be public tensors or absent (γ = 1, β = 0).
 *
 * Error grows as σ² shrinks (the output is (x − μ)/σ): the contract is stated for rows with
 * σ² ≥ 0.01 and |x| ≤ 64.
 *
 * @module
 */
import { type FloatTensor, type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import {
  checkDomain,
  type DebugOptions,
  mulConst,
  mulNoTruncAll,
  type ProtocolSpec,
  truncateAll,
} from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { rsqrt, type RsqrtOptions, rsqrtPlan } from "./rsqrt.ts";

/** Options of {@link layerNorm}. */
export interface LayerNormOptions extends DebugOptions {
  /** ε added to the variance (default 1e−5, PyTorch's). */
  eps?: number;
  /** Options of the inner {@link rsqrt} (default: normalised on [2^−16, 2^16)). */
  rsqrt?: RsqrtOptions;
}

/** Specification of {@link layerNorm} (error per output element, γ = 1, β = 0). */
export const layerNormSpec: ProtocolSpec = {
  name: "layernorm",
  method: "PyTorch LayerNorm semantics; mean/variance by local sums and one product, " +
    "1/√(σ² + ε) by the normalised Newton rsqrt (CrypTen iteration, SPU/PUMA-style range reduction)",
  domain: {
    lo: -64,
    hi: 64,
    note: "inputs |x| ≤ 64 with per-row variance in [0.01, 2^12]; smaller variances amplify the " +
      "fixed-point error of x − μ by 1/σ; rows with σ² + ε outside the rsqrt domain give garbage",
  },
  error: {
    maxAbs: 1e-3,
    measuredAbs: 3.1e-4,
    grid: "16 rows × 96, σ² from 0.0105 to 700, means −16…14, shared γ ∈ [0.5, 1.5], β ∈ [−1, 1]",
  },
};

/** Extra fractional bits of the variance (even): rsqrt sees σ²·2^V. */
const LN_VAR_BITS = 4;
/** Extra fractional bits of 1/σ (see {@link RsqrtOptions.extraBits}). */
const LN_RSQRT_BITS = 8;

/** Public or shared affine parameter. */
export type Affine = Shared | FloatTensor | undefined;

function isShared(p: Affine): p is Shared {
  return p !== undefined && "parts" in p;
}

/** LayerNorm over the last axis (see the module docs). γ, β have shape [d]. */
export async function layerNorm(
  be: SecretBackend,
  x: Shared,
  gamma?: Affine,
  beta?: Affine,
  opts: LayerNormOptions = {},
): Promise<Shared> {
  const eps = opts.eps ?? 1e-5;
  const shape = x.shape;
  const d = shape[shape.length - 1];
  const rows = x.size / d;
  return await be.scope("layernorm", async () => {
    await checkDomain(be, "layernorm", x, layerNormSpec.domain.lo, layerNormSpec.domain.hi, opts);
    const xv = be.reshape(x, [rows, d]);
    // Two-pass mean: 1/d has only ≈ 2^−17 relative precision at a safe ring magnitude, so
    // μ₁ = Σx/d is off by ≈ |μ|·2^−17; the exact residual Σ(x − μ₁) = d(μ − μ₁) corrects it.
    const mu1 = await mulConst(be, be.sum(xv, 1, true), 1 / d); // [rows, 1]
    const c1 = be.sub(xv, be.broadcastTo(mu1, [rows, d]));
    const corr = await mulConst(be, be.sum(c1, 1, true), 1 / d);
    const c = be.sub(c1, be.broadcastTo(corr, [rows, d]));
    const g = isShared(gamma) ? be.broadcastTo(be.reshape(gamma, [1, d]), [rows, d]) : undefined;
    const prods = await mulNoTruncAll(be, g ? [[c, c], [c, g]] : [[c, c]]);
    const f = be.fp.fracBits, V = LN_VAR_BITS, K = LN_RSQRT_BITS;
    // Σ(x − μ)² and (x − μ)·γ truncated to f + V fractional bits (one call): the variance keeps
    // V extra bits (a small σ² is not lost to the 2^−f grid) ...
    const ssq = be.sum(prods[0], 1, true);
    const [ssqV, cgV] = g
      ? await truncateAll(be, [ssq, prods[1]], f - V)
      : [await be.truncate(ssq, f - V), be.mulInt(c, 2 ** V)];
    const varV = await mulConst(be, ssqV, 1 / d); // value σ²·2^V
    // ... and 1/σ keeps K extra bits (a small 1/σ is not either): r = 2^(f+K)/√(2^V(σ² + ε)).
    const r = await rsqrt(be, be.addPublic(varV, eps * 2 ** V), { ...opts.rsqrt, extraBits: K });
    let y = await be.mul(cgV, be.broadcastTo(r, [rows, d]), f + V + K - V / 2);
    if (gamma !== undefined && !isShared(gamma)) y = await be.mulPublic(y, gamma.reshape([1, d]));
    if (beta !== undefined) {
      y = isShared(beta)
        ? be.add(y, be.broadcastTo(be.reshape(beta, [1, d]), [rows, d]))
        : be.addPublic(y, beta.reshape([1, d]));
    }
    return be.reshape(y, shape);
  });
}

/** Adds the cost of {@link layerNorm} on a [rows, d] input to a model. */
export function layerNormPlan(
  m: CostModel,
  rows: number,
  d: number,
  opts: LayerNormOptions & { gamma?: "shared" | "public" | "none" } = {},
): CostModel {
  const n = rows * d;
  const gamma = opts.gamma ?? "shared";
  m.truncate(rows).truncate(rows);
  if (gamma === "shared") m.mulNoTrunc(2 * n).truncate(rows + n);
  else m.mulNoTrunc(n).truncate(rows);
  m.truncate(rows);
  rsqrtPlan(m, rows, opts.rsqrt);
  m.mul(n);
  if (gamma === "public") m.truncate(n);
  return m;
}

/**
 * Closed-form cost of {@link layerNorm} on `shape` (rows × d = n), shared γ:
 * 2·trunc(rows) + mulNoTrunc(2n) + trunc(rows + n) + trunc(rows) + rsqrt(rows) + mul(n).
 * Without γ: mulNoTrunc(n) and trunc(rows) instead; public γ adds trunc(n).
 */
export function layerNormCost(
  kind: BackendKind,
  shape: Shape,
  opts: LayerNormOptions & CostOptions & { gamma?: "shared" | "public" | "none" } = {},
): Cost {
  const d = shape[shape.length - 1];
  return costOf(kind, opts, (m) => layerNormPlan(m, sizeOf(shape) / d, d, opts));
}

/** PyTorch LayerNorm in float64 over the last axis (reference). */
export function layerNormReference(
  x: FloatTensor,
  gamma?: FloatTensor,
  beta?: FloatTensor,
  eps = 1e-5,
): FloatTensor {
  const d = x.shape[x.shape.length - 1];
  const out = x.clone();
  for (let r = 0; r < x.size / d; r++) {
    const row = x.data.subarray(r * d, (r + 1) * d);
    const mu = row.reduce((a, b) => a + b, 0) / d;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / d;
    const inv = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < d; i++) {
      out.data[r * d + i] = (row[i] - mu) * inv * (gamma ? gamma.data[i] : 1) +
        (beta ? beta.data[i] : 0);
    }
  }
  return out;
}
