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
import { RingTensor } from "@secp/field";

/** The public offset added to x before opening: makes x + 2^62 non-negative below 2^63. */
export const TRUNC_OFFSET = 1n << 62n;

/** The helper's pair for mask r: its top bit and its low 63 bits shifted right by `bits`. */
export function truncPairOf(r: RingTensor, bits: number): { msb: RingTensor; low: RingTensor } {
  return { msb: r.shr(63), low: r.mod2k(63).shr(bits) };
}

const TWO32 = 4294967296;

/**
 * One party's additive share of x / 2^bits from the opened c and its shares of msb r and low r.
 * `first` marks the party that adds the public terms (exactly one of the two). One pass on 32-bit
 * halves (no BigInt, one allocation): w = msb·(1 − 2·bc) [+ bc], then w·2^(63−bits) − low
 * [+ (c mod 2^63) ≫ bits − 2^(62−bits)], bc the top bit of c.
 */
export function truncShareFromOpened(
  c: RingTensor,
  msb: RingTensor,
  low: RingTensor,
  bits: number,
  first: boolean,
): RingTensor {
  const n = c.size;
  const halves = (t: RingTensor) => new Uint32Array(t.data.buffer, t.data.byteOffset, 2 * n);
  const C = halves(c), M = halves(msb), L = halves(low);
  const out = new Uint32Array(2 * n);
  const s = 63 - bits, offBits = 62 - bits;
  const offL = offBits < 32 ? 2 ** offBits : 0, offH = offBits < 32 ? 0 : 2 ** (offBits - 32);
  for (let i = 0; i < 2 * n; i += 2) {
    const cl = C[i], ch = C[i + 1];
    let wl = M[i], wh = M[i + 1];
    if (ch >>> 31) { // bc = 1: w = −msb, plus 1 for the first party
      wl = (TWO32 - wl) % TWO32;
      wh = (~wh + (wl === 0 ? 1 : 0)) >>> 0;
      if (first && ++wl === TWO32) {
        wl = 0;
        wh = (wh + 1) >>> 0;
      }
    }
    // (w << s) − low
    let rl = s >= 32 ? 0 : (wl << s) >>> 0;
    let rh = s >= 32 ? (wl << (s - 32)) >>> 0 : ((wh << s) | (wl >>> (32 - s))) >>> 0;
    rl -= L[i];
    rh -= L[i + 1];
    if (first) { // + (c mod 2^63) >> bits − 2^(62−bits)
      const cm = ch & 0x7fffffff;
      rl += (bits < 32 ? ((cl >>> bits) | (cm << (32 - bits))) >>> 0 : cm >>> (bits - 32)) - offL;
      rh += (bits < 32 ? cm >>> bits : 0) - offH;
    }
    const carry = Math.floor(rl / TWO32); // |rl| < 2^33: a small signed carry into the high half
    out[i] = rl - carry * TWO32;
    out[i + 1] = rh + carry; // stores wrap mod 2^32
  }
  return new RingTensor(new BigUint64Array(out.buffer), c.shape);
}
