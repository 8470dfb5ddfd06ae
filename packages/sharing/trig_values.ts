/**
 * The cleartext half of a trig tuple: cos and sin of 2πt/2^k for a known phase t mod 2^k, encoded
 * in fixed point. The 2PC dealer computes them for the whole t; a 3PC party for the part of t it
 * holds.
 *
 * @module
 */
import { type FixedPoint, FloatTensor, type RingTensor } from "@secp/field";

/** Fixed-point cos(2πt/2^k) and sin(2πt/2^k) of each element of t (t < 2^k ≤ 2^64). */
export function trigValues(
  t: RingTensor,
  k: number,
  fp: FixedPoint,
): { cos: RingTensor; sin: RingTensor } {
  // t read through its 32-bit halves (no BigInt per element).
  const w = new Uint32Array(t.data.buffer, t.data.byteOffset, 2 * t.size);
  const step = (2 * Math.PI) / 2 ** k;
  const c = new Float64Array(t.size), s = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) {
    const a = (w[2 * i + 1] * 4294967296 + w[2 * i]) * step;
    c[i] = Math.cos(a), s[i] = Math.sin(a);
  }
  return {
    cos: fp.encode(new FloatTensor(c, t.shape)),
    sin: fp.encode(new FloatTensor(s, t.shape)),
  };
}
