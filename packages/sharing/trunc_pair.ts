/**
 * The arithmetic of exact truncation with a helper's pair (r, msb r, low r), shared by the 2PC
 * dealer and the 3PC helper party. Two parties hold additive shares of x with |x| < 2^62 and of
 * r; they open c = x + r + 2^62 (r uniform: perfectly hiding). Then, with w = msb(c) ⊕ msb(r),
 *
 *   x / 2^bits = ⌊(c mod 2^63) / 2^bits⌋ − low(r) + w · 2^(63−bits) − 2^(62−bits)   (± 1 ulp)
 *
 * where low(r) = ⌊(r mod 2^63) / 2^bits⌋: the wrap of c past 2^63 is exactly the XOR of the two
 * top bits, so nothing fails for any |x| < 2^62 (as SPU's and Escudero et al.'s truncation pair).
 *
 * @module
 */
import { kernels, RingTensor } from "@secp/field";

/** The public offset added to x before opening: makes x + 2^62 non-negative below 2^63. */
export const TRUNC_OFFSET = 1n << 62n;

/** The helper's pair for mask r: its top bit and its low 63 bits shifted right by `bits`. */
export function truncPairOf(r: RingTensor, bits: number): { msb: RingTensor; low: RingTensor } {
  return { msb: r.shr(63), low: r.mod2k(63).shr(bits) };
}

/**
 * One party's additive share of x / 2^bits from the opened c and its shares of msb r and low r.
 * `first` marks the party that adds the public terms (exactly one of the two). The arithmetic is
 * the field's `truncPairU64` kernel (WebAssembly SIMD where available).
 */
export function truncShareFromOpened(
  c: RingTensor,
  msb: RingTensor,
  low: RingTensor,
  bits: number,
  first: boolean,
): RingTensor {
  const out = new BigUint64Array(c.size);
  kernels().truncPairU64(c.data, msb.data, low.data, out, bits, first);
  return new RingTensor(out, c.shape);
}
