/**
 * Power-of-two range reduction by comparisons with public thresholds, for reciprocal and inverse
 * square root on wide domains (the role of SPU/PUMA's `highestOneBit` normalisation, which needs a
 * bit decomposition this interface does not have).
 *
 * For x ∈ [2^lo, 2^hi) and a step p (1 for 1/x, 2 for 1/√x), one batched `ltz` gives the bits
 * c_j = [x < 2^(lo + p·j)], j = 1..m, m = (hi − lo)/p − 1. The bucket k = #{j : c_j = 0} puts x in
 * [2^(lo + pk), 2^(lo + p(k+1))). Any public per-bucket coefficient g(k) is then a LOCAL linear
 * function of the bits (Abel summation over the one-hot bucket indicator):
 *   Σ_k [bucket = k]·g(k) = g(m) + Σ_j c_j·(g(j − 1) − g(j)),
 * exact in the ring because every g(k) used here is a power of two ≥ 2^−f (the bits are integers).
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { encodeConst } from "./common.ts";
import type { CostModel } from "./cost.ts";

/** A power-of-two bucketing of a positive shared value. */
export interface Buckets {
  /** Shares of the bits c_j = [x < 2^(lo + p·j)], shape [m, n] (integers, not fixed-point). */
  bits: Shared;
  /** Lowest exponent lo. */
  lo: number;
  /** Step p. */
  step: number;
  /** Number of thresholds m. */
  m: number;
  /** Shares of zero, shape [n] (for the single-bucket case). */
  zeros: Shared;
}

/** Checks a normalisation range and returns the number of thresholds. */
export function bucketCount(lo: number, hi: number, step: number, f: number): number {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || (hi - lo) % step !== 0 || hi <= lo) {
    throw new RangeError(
      `normalize: range [2^${lo}, 2^${hi}) must have integer exponents, a multiple of ${step} apart`,
    );
  }
  if (lo < -f || hi > f) {
    throw new RangeError(`normalize: range [2^${lo}, 2^${hi}) must lie within [2^-${f}, 2^${f}]`);
  }
  return (hi - lo) / step - 1;
}

/** Compares the flat x (shape [n]) with the m thresholds in one `ltz` call. */
export async function buckets(
  be: SecretBackend,
  x: Shared,
  lo: number,
  hi: number,
  step: number,
): Promise<Buckets> {
  const m = bucketCount(lo, hi, step, be.fp.fracBits);
  const n = x.size;
  const flat = be.reshape(x, [n]);
  const zeros = be.sub(flat, flat);
  if (m === 0) return { bits: zeros, lo, step, m, zeros };
  const xs = be.broadcastTo(be.reshape(x, [1, n]), [m, n]);
  const thr = new FloatTensor(
    Float64Array.from({ length: m }, (_, j) => -(2 ** (lo + step * (j + 1)))),
    [m, 1],
  );
  const bits = await be.ltz(be.addPublic(xs, thr));
  return { bits, lo, step, m, zeros };
}

/**
 * Σ_k [bucket = k]·g(k) as a fixed-point share of shape [n]: local. `g(k)` must be exactly
 * representable with f fractional bits for the result to be exact.
 */
export function perBucket(
  be: SecretBackend,
  b: Buckets,
  n: number,
  g: (k: number) => number,
): Shared {
  if (b.m === 0) {
    return be.addPublic(b.zeros, g(0)); // a single bucket: the constant g(0)
  }
  const d = Array.from({ length: b.m }, (_, j) => g(j) - g(j + 1));
  const coef = encodeConst(be, d, [b.m, 1]).broadcastTo([b.m, n]);
  return be.addPublic(be.sum(be.mulRing(b.bits, coef), 0), g(b.m));
}

/** Cost of {@link buckets}: one `ltz` of m·n elements. */
export function bucketsPlan(
  m: CostModel,
  n: number,
  lo: number,
  hi: number,
  step: number,
): CostModel {
  const k = bucketCount(lo, hi, step, m.fracBits);
  return k > 0 ? m.ltz(k * n) : m;
}
