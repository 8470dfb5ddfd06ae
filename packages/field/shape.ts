/**
 * Shapes of row-major tensors: sizes, strides, checks and broadcasting.
 *
 * @module
 */

/** A row-major tensor shape. */
export type Shape = readonly number[];

/** Number of elements of `shape` (1 for a scalar shape `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape as `[2,3]` for error messages. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Throws unless `shape` is a list of non-negative integers. */
export function checkShape(shape: Shape, what = "shape"): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${what} ${fmtShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}

/** True when both shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws an error naming both shapes unless they are equal. */
export function assertSameShape(op: string, a: Shape, b: Shape): void {
  if (!sameShape(a, b)) {
    throw new RangeError(`${op}: shape mismatch ${fmtShape(a)} vs ${fmtShape(b)}`);
  }
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Normalises a possibly negative axis and checks it is in range. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  }
  return a;
}

/** NumPy broadcasting of two shapes; throws naming both shapes when incompatible. */
export function broadcastShapes(a: Shape, b: Shape, op = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new RangeError(`${op}: cannot broadcast ${fmtShape(a)} with ${fmtShape(b)}`);
    }
    out[i] = x === 1 ? y : x;
  }
  return out;
}

/**
 * Shapes of a (batched) matrix product `a @ b`: `a` is `[...batch, m, k]`; `b` is `[k, n]` (shared by
 * every batch item) or `[...batch, k, n]`. Returns the batch count, m, k, n, whether `b` is batched, and
 * the output shape; throws naming both shapes on mismatch.
 */
export function matmulShapes(
  a: Shape,
  b: Shape,
): { batch: number; m: number; k: number; n: number; bBatched: boolean; out: number[] } {
  const bad = () => new RangeError(`matmul: shape mismatch ${fmtShape(a)} @ ${fmtShape(b)}`);
  if (a.length < 2 || b.length < 2) throw bad();
  const m = a[a.length - 2], k = a[a.length - 1];
  const k2 = b[b.length - 2], n = b[b.length - 1];
  if (k !== k2) throw bad();
  const batchShape = a.slice(0, -2);
  let bBatched = false;
  if (b.length > 2) {
    if (!sameShape(b.slice(0, -2), batchShape)) throw bad();
    bBatched = true;
  }
  return { batch: sizeOf(batchShape), m, k, n, bBatched, out: [...batchShape, m, n] };
}
