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

/** Rounds of the parallel-prefix (Kogge–Stone) carry computation over 64-bit words. */
export const PREFIX_SHIFTS: readonly number[] = [1, 2, 4, 8, 16, 32];

/**
 * The sign bit of a + b for XOR-shared words a, b, given a secure AND. Generate G = a ∧ b and
 * propagate P = a ⊕ b are combined by a Kogge–Stone prefix (G ← G ⊕ (P ∧ (G ≪ s)),
 * P ← P ∧ (P ≪ s); group G and P are never both 1, so ⊕ serves as ∨); the sign is
 * P₆₃ ⊕ G₆₂. Every level's ANDs go in one call, so this takes 1 + 6 AND rounds.
 */
export async function msbOfSum(
  a: readonly RingTensor[],
  b: readonly RingTensor[],
  andShared: AndBatch,
): Promise<RingTensor[]> {
  const localXor = xorParts;
  const p0 = localXor(a, b);
  let [g] = await andShared([[a, b]]);
  let p = p0;
  for (const s of PREFIX_SHIFTS) {
    const gs = g.map((t) => shlWords(t, s));
    if (s === 32) {
      const [pg] = await andShared([[p, gs]]);
      g = localXor(g, pg);
    } else {
      const ps = p.map((t) => shlWords(t, s));
      const [pg, pp] = await andShared([[p, gs], [p, ps]]);
      g = localXor(g, pg);
      p = pp;
    }
  }
  // sign = P0₆₃ ⊕ G₆₂ (carry into bit 63), as XOR-shared 0/1 integers.
  return localXor(p0.map((t) => bitOf(t, 63)), g.map((t) => bitOf(t, 62)));
}
