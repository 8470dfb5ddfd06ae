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

/**
 * This party's share of x ∧ y from its boolean triple (u, v, w = u ∧ v) and the opened halves of
 * e = x ⊕ u and f = y ⊕ v: z_i = w_i ⊕ (e ∧ v_i) ⊕ (f ∧ u_i) (⊕ e ∧ f at the first party), in
 * one pass over 32-bit halves.
 */
export function andShare(
  t: { u: RingTensor; v: RingTensor; w: RingTensor },
  e: [RingTensor, RingTensor],
  f: [RingTensor, RingTensor],
  first: boolean,
): RingTensor {
  const u = halves(t.u), v = halves(t.v), w = halves(t.w);
  const e0 = halves(e[0]), e1 = halves(e[1]), f0 = halves(f[0]), f1 = halves(f[1]);
  const o = new Uint32Array(w.length);
  const all = first ? 0xffffffff : 0;
  for (let i = 0; i < o.length; i++) {
    const ei = e0[i] ^ e1[i], fi = f0[i] ^ f1[i];
    o[i] = w[i] ^ (ei & v[i]) ^ (fi & u[i]) ^ (ei & fi & all);
  }
  return wrap(o, t.w.shape);
}

/**
 * A secure AND of XOR-shared words: each pair holds this party's share parts of two operands of the
 * same size; all pairs are evaluated in one round. Returns this party's parts of each result.
 */
export type AndBatch = (
  pairs: [readonly RingTensor[], readonly RingTensor[]][],
  words: number,
) => Promise<RingTensor[][]>;

/** XOR of two XOR-shared values, part by part (local). */
export function xorParts(x: readonly RingTensor[], y: readonly RingTensor[]): RingTensor[] {
  return x.map((t, i) => xor(t, y[i]));
}

/** Validated adder width of a sign test of values with |x| < 2^(bits−1) (default 64). */
export function ltzBits(bits = 64): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 64) {
    throw new RangeError(`ltz: bits=${bits} not in 2..64`);
  }
  return bits;
}

/** 64-bit words per bit plane of n elements. */
export function planeWords(n: number): number {
  return Math.ceil(n / 64);
}

/**
 * Bit-sliced layout: the low `bits` bits of n elements as `bits` planes of ⌈n/64⌉ words each;
 * plane j holds bit j of every element (element i at bit i mod 64 of word ⌊i/64⌋). Sliced, the
 * adder's bit positions are whole planes, so a level of the carry tree sends only the positions
 * still in play instead of every bit of every word.
 */
export function toPlanes(t: RingTensor, bits: number): RingTensor {
  const n = t.size, pw = planeWords(n), x = halves(t);
  const o = new Uint32Array(2 * pw * bits);
  const lo = new Uint32Array(32), hi = new Uint32Array(32);
  // 32 elements at a time: their low and high halves are two 32×32 bit matrices, transposed.
  for (let g = 0; 32 * g < n; g++) {
    const count = Math.min(32, n - 32 * g);
    lo.fill(0), hi.fill(0);
    for (let r = 0; r < count; r++) {
      lo[r] = x[2 * (32 * g + r)];
      hi[r] = x[2 * (32 * g + r) + 1];
    }
    transpose32(lo), transpose32(hi);
    for (let j = 0; j < bits; j++) o[2 * pw * j + g] = j < 32 ? lo[j] : hi[j - 32];
  }
  return wrap(o, [bits * pw]);
}

/** In-place transpose of a 32×32 bit matrix (row r = a[r], column c = bit c), by block swaps. */
function transpose32(a: Uint32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = ((a[k] >>> j) ^ a[k + j]) & m;
      a[k + j] ^= t;
      a[k] ^= t << j;
    }
  }
}

/** Planes `[from, to)` of a bit-sliced tensor with `pw` words per plane. */
export function planes(t: RingTensor, pw: number, from: number, to: number): RingTensor {
  return t.slice(0, from * pw, to * pw);
}

/** One plane of n bits as n ring integers 0/1. */
export function planeToInts(t: RingTensor, n: number): RingTensor {
  const x = halves(t), o = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) o[2 * i] = (x[i >>> 5] >>> (i & 31)) & 1;
  return wrap(o, [n]);
}

/**
 * AND-gate schedule of the carry tree for positions 0..m−1 (see {@link signOfSum}): per level,
 * how many (G, P) nodes are combined and how many AND planes that takes. The lowest group never
 * needs its propagate bit, and the last level needs only G: both save a plane.
 */
export function carryTreeSchedule(m: number): { nodes: number; ands: number }[] {
  const levels: { nodes: number; ands: number }[] = [];
  let nodes = m;
  while (nodes > 1) {
    levels.push({ nodes, ands: 2 * Math.floor(nodes / 2) - 1 });
    nodes = Math.ceil(nodes / 2);
  }
  return levels;
}

/** AND planes of {@link signOfSum} for `bits`-bit lanes: m generate planes plus the tree's. */
export function signOfSumAndPlanes(bits: number): number[] {
  const m = bits - 1;
  return [m, ...carryTreeSchedule(m).map((l) => l.ands)];
}

/**
 * The sign bit (bit `bits − 1`) of a + b mod 2^bits for bit-sliced XOR-shared a, b (`bits`
 * planes of ⌈n/64⌉ words, see {@link toPlanes}), given a secure AND. Generate g = a ∧ b and
 * propagate p = a ⊕ b on positions 0..bits−2 are reduced by a binary tree of group (G, P) pairs —
 * G = G_hi ⊕ P_hi ∧ G_lo, P = P_hi ∧ P_lo — to the carry into the top bit (only the final carry is
 * needed for a sign, so the tree does ≈ 3·bits AND gates per element where a Kogge–Stone prefix
 * over packed words does bits·log2(bits)). 1 + ⌈log2(bits − 1)⌉ AND rounds. Returns this party's
 * XOR shares of the n sign bits as ring integers 0/1.
 */
export async function signOfSum(
  a: readonly RingTensor[],
  b: readonly RingTensor[],
  andShared: AndBatch,
  bits: number,
  n: number,
): Promise<RingTensor[]> {
  const pw = planeWords(n), m = bits - 1;
  const cut = (t: readonly RingTensor[], from: number, to: number) =>
    t.map((x) => planes(x, pw, from, to));
  const join = (ts: RingTensor[][]) =>
    ts[0].map((_, k) => RingTensor.concat(ts.map((t) => t[k]), 0));
  const top = xorParts(cut(a, m, bits), cut(b, m, bits));
  const p0 = xorParts(cut(a, 0, m), cut(b, 0, m));
  const [g0] = await andShared([[cut(a, 0, m), cut(b, 0, m)]], m * pw);
  // Nodes as plane lists per part: G[k], P[k] (P of node 0 is never used).
  let G: RingTensor[][] = Array.from({ length: m }, (_, k) => cut(g0, k, k + 1));
  let P: RingTensor[][] = Array.from({ length: m }, (_, k) => cut(p0, k, k + 1));
  for (const level of carryTreeSchedule(m)) {
    const pairs = Math.floor(level.nodes / 2);
    // Left operands then right operands of every AND of this level, in one batch.
    const xs: RingTensor[][] = [], ys: RingTensor[][] = [];
    for (let k = 0; k < pairs; k++) {
      xs.push(P[2 * k + 1]);
      ys.push(G[2 * k]);
      if (k > 0) {
        xs.push(P[2 * k + 1]);
        ys.push(P[2 * k]);
      }
    }
    const [z] = await andShared([[join(xs), join(ys)]], xs.length * pw);
    const nextG: RingTensor[][] = [], nextP: RingTensor[][] = [];
    let at = 0;
    for (let k = 0; k < pairs; k++) {
      nextG.push(xorParts(G[2 * k + 1], cut(z, at, at + 1)));
      at++;
      if (k > 0) nextP.push(cut(z, at++, at));
      else nextP.push(P[2 * k + 1]); // placeholder: node 0's P is never read
    }
    if (level.nodes % 2 === 1) {
      nextG.push(G[level.nodes - 1]);
      nextP.push(P[level.nodes - 1]);
    }
    G = nextG;
    P = nextP;
  }
  const carry = m === 0 ? top.map((t) => RingTensor.zeros(t.shape)) : G[0];
  return xorParts(top, carry).map((t) => planeToInts(t, n));
}

/**
 * The AND work of `ltz` on n elements of `bits` bits: plane words per plane, AND planes per level
 * of the carry tree, and all AND words together (what each backend's `ltz` cost is built from).
 */
export function ltzAndWork(n: number, bits: number): { pw: number; ands: number[]; words: number } {
  const pw = planeWords(n);
  const ands = signOfSumAndPlanes(ltzBits(bits));
  return { pw, ands, words: pw * ands.reduce((a, b) => a + b, 0) };
}
