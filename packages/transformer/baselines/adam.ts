/**
 * One Adam step (Kingma & Ba, Algorithm 1, in its "efficient" form) under MPC, for the gradient
 * baselines (SFT: every weight; gradient prompt tuning: the prompt embeddings only):
 *
 *   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
 *   w ← w − α_t · m / (√v + ε),   α_t = lr·√(1 − β₂^t)/(1 − β₁^t)   (public: t is public)
 *
 * v is kept with 8 extra fractional bits. √v is v·rsqrt(v + δ) (`@secp/protocols`' `rsqrt`, δ a small public floor that keeps the input
 * inside rsqrt's domain) and the division is a product with `reciprocal`(√v + ε). With the
 * default options both are the range-normalised methods (ltz buckets + Newton), which cover the
 * wide dynamic range of v without a data-dependent initial guess; `newton` variants on narrow
 * domains are cheaper and break outside them.
 *
 * Fixed-point caveat (f = 16): values below 2^−16 vanish, so ε defaults to 2^−8 (not 1e−8) and
 * v is floored by δ = 2^−14: updates of parameters with |g| ≲ 2^−7 are damped like Adam with a
 * large ε. The constants β and 1 − β are encoded with 8 extra bits.
 *
 * @module
 */
import {
  type CostModel,
  reciprocal,
  type ReciprocalOptions,
  reciprocalPlan,
  ringFill,
  rsqrt,
  type RsqrtOptions,
  rsqrtPlan,
  truncateAll,
} from "@secp/protocols";
import type { SecretBackend, Shared } from "@secp/sharing";

/** Adam hyper-parameters and the protocols for √ and division. */
export interface AdamOptions {
  /** Learning rate (public; default 1e−3). */
  lr?: number;
  /** β₁ (default 0.9). */
  beta1?: number;
  /** β₂ (default 0.999). */
  beta2?: number;
  /** ε added to √v (default 2^−8; see the module docs). */
  eps?: number;
  /** Floor δ added to v inside the rsqrt (default 2^−14). */
  delta?: number;
  /** rsqrt options, applied to 2^8·(v + δ) (default: normalised on [2^−8, 2^12]: v ≤ 16). */
  rsqrt?: RsqrtOptions;
  /** Reciprocal options (default: normalised on [2^−8, 2^3)). */
  reciprocal?: ReciprocalOptions;
}

/** Adam's moment estimates for one parameter tensor. */
export interface AdamState {
  /** First moment m. */
  m: Shared;
  /** Second moment v, held with 8 extra fractional bits (the shares encode v·2^8). */
  v: Shared;
  /** Steps taken so far (public). */
  t: number;
}

/** Default rsqrt options of {@link adamStep}. */
export const ADAM_RSQRT: RsqrtOptions = { domain: [2 ** -8, 2 ** 12] };
/** Default reciprocal options of {@link adamStep}. */
export const ADAM_RECIPROCAL: ReciprocalOptions = {
  method: "normalized",
  domain: [2 ** -8, 2 ** 3],
};

const XB = 8; // extra bits of the β constants
const VB = 8; // extra fractional bits of v

function resolve(o: AdamOptions) {
  return {
    lr: o.lr ?? 1e-3,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    eps: o.eps ?? 2 ** -8,
    delta: o.delta ?? 2 ** -14,
    rsqrt: o.rsqrt ?? ADAM_RSQRT,
    reciprocal: o.reciprocal ?? ADAM_RECIPROCAL,
  };
}

/** Zero moments for a parameter of `w`'s shape (no communication). */
export function adamInit(be: SecretBackend, w: Shared): AdamState {
  return { m: be.sub(w, w), v: be.sub(w, w), t: 0 };
}

/**
 * One Adam step on parameter w with gradient g (same shape). Returns the new parameter shares and
 * state. Cost: mul(n) + trunc(2n) + rsqrt(n) + mul(n) + reciprocal(n) + mul(n) + trunc(n).
 */
export async function adamStep(
  be: SecretBackend,
  w: Shared,
  g: Shared,
  state: AdamState,
  opts: AdamOptions = {},
): Promise<{ w: Shared; state: AdamState }> {
  const o = resolve(opts);
  return await be.scope("adam", async () => {
    const f = be.fp.fracBits;
    const n = w.size;
    const flat = (x: Shared) => be.reshape(x, [n]);
    const [gf, mf, vf] = [g, state.m, state.v].map(flat);
    const k = (c: number) => ringFill([n], be.fp.encodeScalar(c * 2 ** XB));
    // v is kept with VB extra fractional bits (ring value v·2^(f+VB)): (1 − β₂)g² would otherwise
    // sit within a few ulps of 0 for |g| ≲ 0.25.
    const g2 = await be.mul(gf, gf, f - VB);
    const [m, v] = await truncateAll(be, [
      be.add(be.mulRing(mf, k(o.beta1)), be.mulRing(gf, k(1 - o.beta1))),
      be.add(be.mulRing(vf, k(o.beta2)), be.mulRing(g2, k(1 - o.beta2))),
    ], f + XB);
    const t = state.t + 1;
    // r = 1/√(2^VB(v + δ)); s = (2^VB·v)·r/2^(VB/2) = v/√(v + δ) ≈ √v.
    const r = await rsqrt(be, be.addPublic(v, o.delta * 2 ** VB), o.rsqrt);
    const s = await be.mul(v, r, f + VB / 2);
    const inv = await reciprocal(be, be.addPublic(s, o.eps), o.reciprocal);
    const alpha = o.lr * Math.sqrt(1 - o.beta2 ** t) / (1 - o.beta1 ** t);
    const mi = await be.mul(m, inv);
    const upd = await be.truncate(be.mulRing(mi, k(alpha)), f + XB);
    const shape = w.shape;
    return {
      w: be.reshape(be.sub(flat(w), upd), shape),
      state: { m: be.reshape(m, shape), v: be.reshape(v, shape), t },
    };
  });
}

/** Adds the cost of {@link adamStep} on n parameters to a model. */
export function adamPlan(m: CostModel, n: number, opts: AdamOptions = {}): CostModel {
  const o = resolve(opts);
  m.mul(n).truncate(2 * n);
  rsqrtPlan(m, n, o.rsqrt);
  m.mul(n);
  reciprocalPlan(m, n, o.reciprocal);
  return m.mul(n).truncate(n);
}

/** Float64 reference of {@link adamStep} with the same ε/δ semantics (for tests). */
export function adamReference(
  w: number,
  g: number,
  m: number,
  v: number,
  t: number,
  opts: AdamOptions = {},
): { w: number; m: number; v: number } {
  const o = resolve(opts);
  const m1 = o.beta1 * m + (1 - o.beta1) * g;
  const v1 = o.beta2 * v + (1 - o.beta2) * g * g;
  const alpha = o.lr * Math.sqrt(1 - o.beta2 ** t) / (1 - o.beta1 ** t);
  const s = v1 / Math.sqrt(v1 + o.delta);
  return { w: w - alpha * m1 / (s + o.eps), m: m1, v: v1 };
}
