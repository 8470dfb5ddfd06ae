/**
 * Bitwise operations on 64-bit words (XOR-shared boolean values), done on 32-bit halves because
 * BigInt bitwise operators in loops are far slower than typed-array stores.
 *
 * @module
 */
import { RingTensor } from "@secp/field";

function halves(t: RingTensor): Uint32Array {
  return new Uint32Array(t.data.buffer, t.data.byteOffset, 2 * t.size);
}

function wrap(u: Uint32Array, shape: readonly number[]): RingTensor {
  return new RingTensor(new BigUint64Array(u.buffer), shape);
}

/** a ⊕ b per word. */
export function xor(a: RingTensor, b: RingTensor): RingTensor {
  const x = halves(a), y = halves(b), o = new Uint32Array(x.length);
  for (let i = 0; i < o.length; i++) o[i] = x[i] ^ y[i];
  return wrap(o, a.shape);
}

/** a ∧ b per word. */
export function and(a: RingTensor, b: RingTensor): RingTensor {
  const x = halves(a), y = halves(b), o = new Uint32Array(x.length);
  for (let i = 0; i < o.length; i++) o[i] = x[i] & y[i];
  return wrap(o, a.shape);
}

/** Each word shifted left by s bits (0 < s < 64), zeros shifted in. */
export function shlWords(a: RingTensor, s: number): RingTensor {
  const x = halves(a), o = new Uint32Array(x.length);
  for (let i = 0; i < o.length; i += 2) {
    const lo = x[i], hi = x[i + 1];
    if (s < 32) {
      o[i] = lo << s;
      o[i + 1] = (hi << s) | (lo >>> (32 - s));
    } else {
      o[i] = 0;
      o[i + 1] = s === 32 ? lo : lo << (s - 32);
    }
  }
  return wrap(o, a.shape);
}

/** Bit `i` of each word as the ring integer 0 or 1. */
export function bitOf(a: RingTensor, i: number): RingTensor {
  const x = halves(a), o = new Uint32Array(x.length);
  const w = i < 32 ? 0 : 1, s = i % 32;
  for (let j = 0; j < o.length; j += 2) o[j] = (x[j + w] >>> s) & 1;
  return wrap(o, a.shape);
}

/**
 * A secure AND of XOR-shared words: each pair holds this party's share parts of two operands of the
 * same size; all pairs are evaluated in one round. Returns this party's parts of each result.
 */
export type AndBatch = (
  pairs: [readonly RingTensor[], readonly RingTensor[]][],
) => Promise<RingTensor[][]>;

/** XOR of two XOR-shared values, part by part (local). */
export function xorParts(x: readonly RingTensor[], y: readonly RingTensor[]): RingTensor[] {
  return x.map((t, i) => xor(t, y[i]));
}

/** Width of the adder lanes: full 64-bit words, or two 32-bit lanes per word. */
export type LaneBits = 32 | 64;

/** Lane width for a sign test of values with |x| < 2^(bits−1) as ring integers. */
export function laneBitsFor(bits: number): LaneBits {
  if (!Number.isInteger(bits) || bits < 2 || bits > 64) {
    throw new RangeError(`ltz: bits=${bits} not in 2..64`);
  }
  return bits <= 32 ? 32 : 64;
}

/** Packs the low 32 bits of each element, two elements per word (an odd tail is zero-padded). */
export function packLanes(t: RingTensor, lane: LaneBits): RingTensor {
  if (lane === 64) return t;
  const x = halves(t), m = Math.ceil(t.size / 2), o = new Uint32Array(2 * m);
  for (let i = 0; i < t.size; i++) o[i] = x[2 * i];
  return wrap(o, [m]);
}

/** Each lane shifted left by s bits (0 < s < lane), zeros shifted in; nothing crosses lanes. */
export function shlLanes(a: RingTensor, s: number, lane: LaneBits): RingTensor {
  if (lane === 64) return shlWords(a, s);
  const x = halves(a), o = new Uint32Array(x.length);
  for (let i = 0; i < o.length; i++) o[i] = x[i] << s;
  return wrap(o, a.shape);
}

/** Bit `lane − 1` of p ⊕ bit `lane − 2` of g per lane, as n ring integers 0/1. */
function signBits(p: RingTensor, g: RingTensor, lane: LaneBits, n: number): RingTensor {
  if (lane === 64) return xor(bitOf(p, 63), bitOf(g, 62));
  const P = halves(p), G = halves(g), o = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) o[2 * i] = ((P[i] >>> 31) ^ (G[i] >>> 30)) & 1;
  return wrap(o, [n]);
}

/** Rounds of the parallel-prefix (Kogge–Stone) carry computation over 64-bit words. */
export const PREFIX_SHIFTS: readonly number[] = [1, 2, 4, 8, 16, 32];

/**
 * The sign bit of a + b for XOR-shared lanes a, b (see {@link packLanes}), given a secure AND.
 * Generate G = a ∧ b and propagate P = a ⊕ b are combined by a Kogge–Stone prefix
 * (G ← G ⊕ (P ∧ (G ≪ s)), P ← P ∧ (P ≪ s); group G and P are never both 1, so ⊕ serves as ∨);
 * the sign is P_{w−1} ⊕ G_{w−2} for lane width w. Every level's ANDs go in one call: 1 + log2 w
 * AND rounds. Returns this party's XOR shares of the n sign bits as ring integers 0/1.
 */
export async function msbOfSum(
  a: readonly RingTensor[],
  b: readonly RingTensor[],
  andShared: AndBatch,
  lane: LaneBits = 64,
  n = a[0]?.size ?? 0,
): Promise<RingTensor[]> {
  const p0 = xorParts(a, b);
  let [g] = await andShared([[a, b]]);
  let p = p0;
  const shifts = PREFIX_SHIFTS.filter((s) => s < lane);
  for (const s of shifts) {
    const gs = g.map((t) => shlLanes(t, s, lane));
    if (s === lane / 2) {
      const [pg] = await andShared([[p, gs]]);
      g = xorParts(g, pg);
    } else {
      const ps = p.map((t) => shlLanes(t, s, lane));
      const [pg, pp] = await andShared([[p, gs], [p, ps]]);
      g = xorParts(g, pg);
      p = pp;
    }
  }
  return p0.map((t, i) => signBits(t, g[i], lane, n));
}
