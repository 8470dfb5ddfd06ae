/**
 * Secure backward pass (autograd over shares) for the layers of a BERT/RoBERTa encoder layer,
 * written once against `SecretBackend`: dense layers, GELU, LayerNorm, softmax attention and the
 * cross-entropy gradient of a classification head. Each op has a training forward that keeps what
 * its backward needs (shares only; nothing is opened), a backward, and a closed-form cost
 * (`…Plan(model, …)` on `@secp/protocols`'s `CostModel`) that the tests assert equal to the ledger.
 *
 * These are the baselines SecP-Tuning removes: full fine-tuning (SFT) and gradient prompt tuning
 * need every op below under MPC, forward-only tuning needs none of them.
 *
 * - **Dense** `y = x·W + b`: dX = dY·Wᵀ (a fixed-operand product with Wᵀ prepared once per weight
 *   version), dW = Xᵀ·dY (a secure matmul), db = Σ dY (local).
 * - **GELU**: one pass gives GELU(x) by PUMA's piecewise polynomial (`@secp/protocols`' `gelu`:
 *   its segments, coefficients and ring evaluation are imported, not copied) and GELU′(x) by our
 *   own least-squares polynomials on the same three segments (the PUMA polynomial's own
 *   derivative is off by 0.21 near x = 3); the sign tests and powers are shared.
 * - **LayerNorm** (PyTorch semantics, as `@secp/protocols`' `layerNorm`): the training forward keeps
 *   x̂ and 1/σ; dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂)), dx̂ = dy⊙γ, dγ = Σ dy⊙x̂, dβ = Σ dy.
 * - **Softmax attention**: P = softmax(q·kᵀ·s) kept; dV = Pᵀ·dO, dP = dO·Vᵀ,
 *   dS = P⊙(dP − rowsum(dO⊙O)), dQ = s·dS·K, dK = dSᵀ·(s·Q).
 * - **Cross-entropy** over C class logits with the data owner's one-hot labels:
 *   dlogits = (softmax(logits) − y)/B.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import {
  type CostModel,
  GELU_BREAKS,
  GELU_COEFF_BITS,
  geluPlan,
  geluPolynomials,
  geluSegments,
  geluSignBits,
  mulAll,
  mulConst,
  ringPolynomial,
  rsqrt,
  rsqrtPlan,
  softmax,
  softmaxPlan,
  truncateAll,
} from "@secp/protocols";
import type { FixedOperand, SecretBackend, Shared } from "@secp/sharing";
import { type ForwardDense, matmulFixedPlan } from "../hf/layer.ts";

// ---------------------------------------------------------------------------------------------
// Dense layers.

/** A dense layer prepared for training: shared W `[in, out]`, b `[out]`, W and Wᵀ prepared. */
export interface TrainDense extends ForwardDense {
  /** Weight `[in, out]`. */
  readonly w: Shared;
  /** Wᵀ prepared for `matmulFixed` (dX = dY·Wᵀ in the backward). */
  readonly wtf: FixedOperand;
}

/**
 * Prepares W and Wᵀ for fixed-operand products (2PC: opens each mask once, 8·|W| bytes per party
 * each). Gradient prompt tuning does this once (the weights never change); SFT once per iteration.
 */
export async function prepareDense(be: SecretBackend, w: Shared, b: Shared): Promise<TrainDense> {
  const wf = await be.fixed(w);
  const wtf = await be.fixed(be.transpose(w));
  return { w, b, wf, wtf };
}

/** Gradients of a dense layer. */
export interface DenseGrads {
  /** dL/dx `[N, in]`. */
  dx: Shared;
  /** dL/dW `[in, out]` (only with `weightGrads`). */
  dw?: Shared;
  /** dL/db `[out]` (only with `weightGrads`). */
  db?: Shared;
}

/**
 * Backward of `y = x·W + b` for x `[N, in]`, dy `[N, out]`: dx = dy·Wᵀ; with `weightGrads`, also
 * dW = xᵀ·dy and db = Σ_rows dy. `needDx: false` skips dx (a first layer whose input is frozen).
 */
export async function denseBackward(
  be: SecretBackend,
  x: Shared,
  dy: Shared,
  d: TrainDense,
  opts: { weightGrads?: boolean; needDx?: boolean } = {},
): Promise<DenseGrads> {
  const dx = opts.needDx === false ? be.sub(x, x) : await be.matmulFixed(dy, d.wtf);
  if (!opts.weightGrads) return { dx };
  const dw = await be.matmul(be.transpose(x), dy);
  return { dx, dw, db: be.sum(dy, 0) };
}

/** Adds the cost of {@link denseBackward} on x [N, in], dy [N, out]. */
export function denseBackwardPlan(
  m: CostModel,
  N: number,
  din: number,
  dout: number,
  opts: { weightGrads?: boolean; needDx?: boolean } = {},
): CostModel {
  if (opts.needDx !== false) matmulFixedPlan(m, N, dout, din);
  if (opts.weightGrads) m.matmul(1, din, N, dout, false);
  return m;
}

/** Adds the cost of {@link prepareDense} for W [in, out] (2PC: two openings of in·out elements). */
export function prepareDensePlan(m: CostModel, din: number, dout: number): CostModel {
  m.fixed(din, dout).fixed(dout, din);
  return m;
}

// ---------------------------------------------------------------------------------------------
// GELU with its derivative.

/**
 * GELU′ on [−4, −1.95): least-squares cubic c₀…c₃ (max error 1.9e−3 against the exact GELU′ =
 * Φ(x) + x·φ(x) on a 2^−10 grid).
 */
export const GELU_GRAD_A = [
  -0.6636652676915051,
  -0.49255687207825344,
  -0.12206765974213432,
  -0.01008802487659249,
] as const;
/** GELU′ on [−1.95, 3): least-squares degree-8 polynomial c₀…c₈ (max error 4.5e−3). */
export const GELU_GRAD_B = [
  0.5009736594391304,
  0.7946658586245191,
  -0.008977584655157123,
  -0.2541093711221162,
  0.012476614868321873,
  0.04704082090765302,
  -0.005449869311010652,
  -0.0037661401736564484,
  0.0007375242629087421,
] as const;

/** The float64 piecewise polynomial {@link geluTrain} evaluates for GELU′ (0 / 1 on the tails). */
export function geluGradPoly(x: number): number {
  const ev = (c: readonly number[]) => c.reduceRight((acc, ci) => acc * x + ci, 0);
  const [lo, mid, hi] = GELU_BREAKS;
  if (x < lo) return 0;
  if (x < mid) return ev(GELU_GRAD_A);
  if (x < hi) return ev(GELU_GRAD_B);
  return 1;
}

/** Declared max |error| of {@link geluTrain}'s GELU′ against the exact derivative (the tail at 3). */
export const GELU_GRAD_MAX_ABS = 1.5e-2;

const EXTRA = GELU_COEFF_BITS;

/**
 * GELU(x) (PUMA's piecewise polynomial, same as `@secp/protocols`' `gelu`) and GELU′(x) in one
 * pass: one batched sign test of x + 4, x + 1.95, x − 3; powers x², (x³, x⁴), (x⁵ … x⁸) in three
 * batched truncated products; all four segment polynomials selected by one batched product with
 * the integer segment bits; one truncation of both outputs. Domain as `gelu` (|x| < 2^20; the
 * derivative's x⁸ lane needs |x| < 2^5.7 to stay in the ring, otherwise it is selected away).
 */
export async function geluTrain(
  be: SecretBackend,
  x: Shared,
): Promise<{ y: Shared; dy: Shared }> {
  return await be.scope("gelu-train", async () => {
    const f = be.fp.fracBits;
    const n = x.size;
    const v = be.reshape(x, [n]);
    const { z1, z2, z3 } = await geluSegments(be, v);
    const [x2] = await mulAll(be, [[v, v]]);
    const [x3, x4] = await mulAll(be, [[v, x2], [x2, x2]]);
    const [x5, x6, x7, x8] = await mulAll(be, [[v, x4], [x2, x4], [x3, x4], [x4, x4]]);
    const pw = [v, x2, x3, x4, x5, x6, x7, x8];
    // GELU by the protocol's own polynomials; GELU′ by ours, on the same powers and scale.
    const { p3, p6 } = geluPolynomials(be, [v, x2, x3, x4, x6]);
    const grad = (c: readonly number[]) =>
      ringPolynomial(be, c.slice(1).map((a, i) => [pw[i], a] as const), c[0], EXTRA);
    const q3 = grad(GELU_GRAD_A);
    const q8 = grad(GELU_GRAD_B);
    const sel = await be.mulNoTrunc(
      be.concat([z1, z2, z1, z2, z3], 0),
      be.concat([p3, p6, q3, q8, v], 0),
    );
    const part = (i: number) => be.slice(sel, 0, i * n, (i + 1) * n);
    const [gy, gd] = await truncateAll(
      be,
      [be.add(part(0), part(1)), be.add(part(2), part(3))],
      f + EXTRA,
    );
    const y = be.add(gy, part(4));
    const dy = be.add(gd, be.mulInt(z3, 2 ** f)); // + 1 where x ≥ 3
    return { y: be.reshape(y, x.shape), dy: be.reshape(dy, x.shape) };
  });
}

/**
 * Adds the cost of {@link geluTrain} on n elements:
 * ltz(3n) + mul(n) + mul(2n) + mul(4n) + mulNoTrunc(5n) + trunc(2n).
 */
export function geluTrainPlan(m: CostModel, n: number): CostModel {
  return m.ltz(3 * n, geluSignBits(m.fracBits)).mul(n).mul(2 * n).mul(4 * n).mulNoTrunc(5 * n)
    .truncate(2 * n);
}

/** Backward of GELU: dx = dy ⊙ GELU′(x) (one truncated product). */
export async function geluBackward(
  be: SecretBackend,
  dy: Shared,
  grad: Shared,
): Promise<Shared> {
  return await be.scope("gelu-backward", () => be.mul(dy, grad));
}

/** Adds the cost of {@link geluBackward} on n elements: mul(n). */
export function geluBackwardPlan(m: CostModel, n: number): CostModel {
  return m.mul(n);
}

/** Forward-only GELU's cost (re-exported here so callers can compare with {@link geluTrainPlan}). */
export const geluForwardPlan: (m: CostModel, n: number) => CostModel = geluPlan;

// ---------------------------------------------------------------------------------------------
// LayerNorm.

const LN_V = 4; // extra variance bits (as @secp/protocols' layerNorm)
const LN_K = 8; // extra bits of 1/σ

/** What the LayerNorm backward needs from its forward. */
export interface LayerNormCache {
  /** Normalised input x̂ = (x − μ)/σ, [rows, d]. */
  xhat: Shared;
  /** 1/σ per row, [rows, 1], with f + K − V/2 fractional bits (see {@link layerNormTrain}). */
  r: Shared;
  /** γ [d]. */
  gamma: Shared;
}

/**
 * LayerNorm over the last axis (PyTorch semantics, biased variance, ε inside the root) that keeps
 * x̂ and 1/σ for the backward. Same mean/variance/rsqrt steps as `@secp/protocols`' `layerNorm`
 * (two-pass mean, variance with 4 extra bits, normalised rsqrt returning 8 extra bits), then
 * x̂ = (x − μ)·(1/σ) and y = x̂·γ + β (two truncated products instead of one).
 */
export async function layerNormTrain(
  be: SecretBackend,
  x: Shared,
  gamma: Shared,
  beta: Shared,
  eps = 1e-5,
): Promise<{ y: Shared; cache: LayerNormCache }> {
  return await be.scope("layernorm-train", async () => {
    const d = x.shape.at(-1)!;
    const rows = x.size / d;
    const f = be.fp.fracBits;
    const xv = be.reshape(x, [rows, d]);
    const mu1 = await mulConst(be, be.sum(xv, 1, true), 1 / d);
    const c1 = be.sub(xv, be.broadcastTo(mu1, [rows, d]));
    const corr = await mulConst(be, be.sum(c1, 1, true), 1 / d);
    const c = be.sub(c1, be.broadcastTo(corr, [rows, d]));
    const ssq = be.sum(await be.mulNoTrunc(c, c), 1, true);
    const varV = await mulConst(be, await be.truncate(ssq, f - LN_V), 1 / d);
    const r = await rsqrt(be, be.addPublic(varV, eps * 2 ** LN_V), { extraBits: LN_K });
    const sh = LN_K - LN_V / 2;
    const xhat = await be.mul(c, be.broadcastTo(r, [rows, d]), f + sh);
    const g = be.broadcastTo(be.reshape(gamma, [1, d]), [rows, d]);
    const y = be.add(await be.mul(xhat, g), be.broadcastTo(be.reshape(beta, [1, d]), [rows, d]));
    return { y: be.reshape(y, x.shape), cache: { xhat, r, gamma } };
  });
}

/** Adds the cost of {@link layerNormTrain} on [rows, d]. */
export function layerNormTrainPlan(m: CostModel, rows: number, d: number): CostModel {
  const n = rows * d;
  m.truncate(rows).truncate(rows).mulNoTrunc(n).truncate(rows).truncate(rows);
  rsqrtPlan(m, rows, { extraBits: LN_K });
  return m.mul(n).mul(n);
}

/** Gradients of LayerNorm. */
export interface LayerNormGrads {
  /** dL/dx [rows, d]. */
  dx: Shared;
  /** dL/dγ [d]. */
  dgamma: Shared;
  /** dL/dβ [d]. */
  dbeta: Shared;
}

/**
 * Backward of {@link layerNormTrain}: dx̂ = dy⊙γ; dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂));
 * dγ = Σ_rows dy⊙x̂; dβ = Σ_rows dy. dy is [rows, d] (or any shape with last axis d).
 */
export async function layerNormBackward(
  be: SecretBackend,
  dy: Shared,
  cache: LayerNormCache,
): Promise<LayerNormGrads> {
  return await be.scope("layernorm-backward", async () => {
    const { xhat, r, gamma } = cache;
    const [rows, d] = xhat.shape;
    const f = be.fp.fracBits;
    const g = be.reshape(dy, [rows, d]);
    const gam = be.broadcastTo(be.reshape(gamma, [1, d]), [rows, d]);
    const [dxh, dyx] = await mulAll(be, [[g, gam], [g, xhat]]);
    const dxhx = await be.mul(dxh, xhat);
    const a = await mulConst(be, be.sum(dxh, 1, true), 1 / d);
    const b = await mulConst(be, be.sum(dxhx, 1, true), 1 / d);
    const xb = await be.mul(xhat, be.broadcastTo(b, [rows, d]));
    const inner = be.sub(be.sub(dxh, be.broadcastTo(a, [rows, d])), xb);
    const sh = LN_K - LN_V / 2;
    const dx = await be.truncate(
      await be.mulNoTrunc(inner, be.broadcastTo(r, [rows, d])),
      f + sh,
    );
    return { dx: be.reshape(dx, dy.shape), dgamma: be.sum(dyx, 0), dbeta: be.sum(g, 0) };
  });
}

/** Adds the cost of {@link layerNormBackward} on [rows, d]. */
export function layerNormBackwardPlan(m: CostModel, rows: number, d: number): CostModel {
  const n = rows * d;
  return m.mul(2 * n).mul(n).truncate(rows).truncate(rows).mul(n).mulNoTrunc(n).truncate(n);
}

// ---------------------------------------------------------------------------------------------
// Softmax attention.

/** What the attention backward needs from its forward. */
export interface AttentionCache {
  /** Scaled queries s·q [B, H, S, d]. */
  qs: Shared;
  /** Keys [B, H, S, d]. */
  k: Shared;
  /** Values [B, H, S, d]. */
  v: Shared;
  /** Probabilities P [B, H, S, S]. */
  p: Shared;
  /** Output O = P·V [B, H, S, d]. */
  o: Shared;
  /** Score scale s. */
  scale: number;
}

/**
 * Softmax attention that keeps P: qs = s·q, P = softmax(qs·kᵀ) (`@secp/protocols`' `softmax`:
 * max tree, exp, Newton reciprocal, public key mask), O = P·V. Costs S² products more than the
 * forward-only `softmaxAttention`, which divides after multiplying by V and never forms P.
 */
export async function softmaxAttentionTrain(
  be: SecretBackend,
  q: Shared,
  k: Shared,
  v: Shared,
  opts: { scale?: number; mask?: FloatTensor } = {},
): Promise<{ out: Shared; cache: AttentionCache }> {
  return await be.scope("attention-train", async () => {
    const d = q.shape[3];
    const scale = opts.scale ?? 1 / Math.sqrt(d);
    const qs = await mulConst(be, q, scale);
    const scores = await be.matmul(qs, be.transpose(k));
    const p = await softmax(be, scores, { mask: opts.mask });
    const o = await be.matmul(p, v);
    return { out: o, cache: { qs, k, v, p, o, scale } };
  });
}

/** Adds the cost of {@link softmaxAttentionTrain} on [B, H, S, d]. */
export function softmaxAttentionTrainPlan(
  m: CostModel,
  shape: readonly [number, number, number, number],
): CostModel {
  const [B, H, S, d] = shape;
  const bh = B * H;
  m.truncate(bh * S * d).matmul(bh, S, d, S, true);
  softmaxPlan(m, bh * S, S);
  return m.matmul(bh, S, S, d, true);
}

/** Gradients of attention w.r.t. q, k, v, each [B, H, S, d]. */
export interface AttentionGrads {
  /** dL/dq. */
  dq: Shared;
  /** dL/dk. */
  dk: Shared;
  /** dL/dv. */
  dv: Shared;
}

/**
 * Backward of {@link softmaxAttentionTrain}: dV = Pᵀ·dO, dP = dO·Vᵀ, c = rowsum(dO⊙O) (equals
 * rowsum(dP⊙P), with S·d instead of S² products), dS = P⊙(dP − c), dQ = s·(dS·K), dK = dSᵀ·(s·Q).
 * Masked keys have P = 0, so their dS is 0.
 */
export async function softmaxAttentionBackward(
  be: SecretBackend,
  dout: Shared,
  cache: AttentionCache,
): Promise<AttentionGrads> {
  return await be.scope("attention-backward", async () => {
    const { qs, k, v, p, o, scale } = cache;
    const dv = await be.matmul(be.transpose(p), dout);
    const dp = await be.matmul(dout, be.transpose(v));
    const c = be.sum(await be.mul(dout, o), 3, true);
    const ds = await be.mul(p, be.sub(dp, be.broadcastTo(c, dp.shape)));
    const dq = await mulConst(be, await be.matmul(ds, k), scale);
    const dk = await be.matmul(be.transpose(ds), qs);
    return { dq, dk, dv };
  });
}

/** Adds the cost of {@link softmaxAttentionBackward} on [B, H, S, d]. */
export function softmaxAttentionBackwardPlan(
  m: CostModel,
  shape: readonly [number, number, number, number],
): CostModel {
  const [B, H, S, d] = shape;
  const bh = B * H;
  m.matmul(bh, S, S, d, true).matmul(bh, S, d, S, true).mul(bh * S * d).mul(bh * S * S);
  m.matmul(bh, S, S, d, true).truncate(bh * S * d);
  return m.matmul(bh, S, S, d, true);
}

// ---------------------------------------------------------------------------------------------
// Cross-entropy head gradient.

/**
 * Gradient of the mean cross-entropy over B rows of C logits with shared one-hot labels y:
 * (softmax(logits) − y)/B. The softmax is `@secp/protocols`' (logits |z| ≤ 128).
 */
export async function crossEntropyGrad(
  be: SecretBackend,
  logits: Shared,
  labels: Shared,
): Promise<Shared> {
  return await be.scope("cross-entropy-grad", async () => {
    const B = logits.shape[0];
    const p = await softmax(be, logits);
    return await mulConst(be, be.sub(p, labels), 1 / B);
  });
}

/** Adds the cost of {@link crossEntropyGrad} on [B, C]. */
export function crossEntropyGradPlan(m: CostModel, B: number, C: number): CostModel {
  softmaxPlan(m, B, C);
  return m.truncate(B * C);
}
