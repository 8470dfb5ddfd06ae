/**
 * Comparison-based protocols on top of the backend's sign test `ltz` (shares of the integer bit
 * [x < 0]): ReLU, pairwise maximum, maximum along the last axis by a comparison tree, and clipping
 * to a public interval. A bit b selects without truncation: `mulNoTrunc(x, b)` is exactly x·b
 * because b is an integer, not a fixed-point value.
 *
 * Exact (no approximation error) for |x| < 2^(62−f) as ring values; costs are one `ltz` plus one
 * `mulNoTrunc` per comparison level.
 *
 * @module
 */
import { FloatTensor, type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { mulNoTruncAll, type ProtocolSpec } from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";

/** Specification of {@link relu}. */
export const reluSpec: ProtocolSpec = {
  name: "relu",
  method: "x − x·[x < 0] with the backend's secure sign test (CrypTen/ABY3 style)",
  domain: {
    lo: -(2 ** 40),
    hi: 2 ** 40,
    note: "exact for any representable x (|x| < 2^(62−f) as a ring value)",
  },
  error: { maxAbs: 0, measuredAbs: 0, grid: "x ∈ [−8, 8] step 2^−8 plus ±1000, 12345.75, −20000" },
  reference: (x) => Math.max(0, x),
};

/** ReLU(x) = x − x·[x < 0]. */
export async function relu(be: SecretBackend, x: Shared): Promise<Shared> {
  return await be.scope("relu", async () => be.sub(x, await be.mulNoTrunc(x, await be.ltz(x))));
}

/** Cost of {@link relu} on `shape`: ltz(n) + mulNoTrunc(n). */
export function reluCost(kind: BackendKind, shape: Shape, opts: CostOptions = {}): Cost {
  return costOf(kind, opts, (m) => m.ltz(sizeOf(shape)).mulNoTrunc(sizeOf(shape)));
}

/** Elementwise max(a, b) = a − (a − b)·[a < b]. */
export async function maximum(be: SecretBackend, a: Shared, b: Shared): Promise<Shared> {
  const d = be.sub(a, b);
  return be.sub(a, await be.mulNoTrunc(d, await be.ltz(d)));
}

/**
 * Maximum along the last axis by a binary comparison tree: ⌈log2 L⌉ levels, each one batched `ltz`
 * and one `mulNoTrunc` on the pairs of that level (an odd element is carried to the next level).
 * Returns the last axis reduced to size 1.
 */
export async function maxLastAxis(be: SecretBackend, x: Shared): Promise<Shared> {
  return await be.scope("max", async () => {
    const ax = x.shape.length - 1;
    let cur = x;
    let len = x.shape[ax];
    while (len > 1) {
      const h = Math.floor(len / 2);
      const m = await maximum(be, be.slice(cur, ax, 0, h), be.slice(cur, ax, h, 2 * h));
      cur = len % 2 ? be.concat([m, be.slice(cur, ax, 2 * h, len)], ax) : m;
      len = h + (len % 2);
    }
    return cur;
  });
}

/** Adds the cost of {@link maxLastAxis} on `outer` rows of length `len`. */
export function maxLastAxisPlan(m: CostModel, outer: number, len: number): CostModel {
  for (let l = len; l > 1; l = Math.floor(l / 2) + (l % 2)) {
    const pairs = outer * Math.floor(l / 2);
    m.ltz(pairs).mulNoTrunc(pairs);
  }
  return m;
}

/** Cost of {@link maxLastAxis} on `shape`: Σ over ⌈log2 L⌉ levels of ltz(p) + mulNoTrunc(p). */
export function maxLastAxisCost(kind: BackendKind, shape: Shape, opts: CostOptions = {}): Cost {
  const len = shape[shape.length - 1];
  return costOf(kind, opts, (m) => maxLastAxisPlan(m, sizeOf(shape) / len, len));
}

/**
 * Clips x to [lo, hi] (public, lo < hi): one batched `ltz` of x − lo and x − hi and one batched
 * `mulNoTrunc`: clip(x) = hi − (x − lo)·[x < lo] + (x − hi)·[x < hi].
 */
export async function clip(be: SecretBackend, x: Shared, lo: number, hi: number): Promise<Shared> {
  if (!(lo < hi)) throw new RangeError(`clip: need lo < hi, got [${lo}, ${hi}]`);
  return await be.scope("clip", async () => {
    const n = x.size;
    const flat = be.reshape(x, [n]);
    const dl = be.addPublic(flat, -lo), dh = be.addPublic(flat, -hi);
    const bits = await be.ltz(be.concat([dl, dh], 0));
    const [pl, ph] = await mulNoTruncAll(be, [
      [dl, be.slice(bits, 0, 0, n)],
      [dh, be.slice(bits, 0, n, 2 * n)],
    ]);
    return be.reshape(be.addPublic(be.sub(ph, pl), hi), x.shape);
  });
}

/** Adds the cost of {@link clip} on n elements: ltz(2n) + mulNoTrunc(2n). */
export function clipPlan(m: CostModel, n: number): CostModel {
  return m.ltz(2 * n).mulNoTrunc(2 * n);
}

/**
 * Comparison bits [x < t_j] for several public thresholds t_j in one `ltz` call: shape [k, …x].
 * `bits` (default 64) is the sign test's width: every |x − t_j|·2^f must stay below 2^(bits−1).
 */
export async function below(
  be: SecretBackend,
  x: Shared,
  thresholds: readonly number[],
  bits = 64,
): Promise<Shared> {
  const k = thresholds.length;
  const xs = be.broadcastTo(be.reshape(x, [1, ...x.shape]), [k, ...x.shape]);
  const t = new FloatTensor(Float64Array.from(thresholds, (v) => -v), [k, ...x.shape.map(() => 1)]);
  return await be.ltz(be.addPublic(xs, t), { bits });
}
