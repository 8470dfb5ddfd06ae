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

/** Default permutation (swap the last two axes) or a checked copy of `perm`. */
export function transposePerm(shape: Shape, perm?: readonly number[]): number[] {
  const r = shape.length;
  const p = perm
    ? [...perm]
    : [...Array(r).keys()].map((i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  if (
    p.length !== r || new Set(p).size !== r ||
    p.some((x) => !Number.isInteger(x) || x < 0 || x >= r)
  ) {
    throw new RangeError(`transpose: bad permutation [${p}] for shape ${fmtShape(shape)}`);
  }
  return p;
}

/** Shape after taking `start..end` along `axis` (validated). */
export function sliceShape(shape: Shape, axis: number, start: number, end: number): number[] {
  const ax = normAxis(axis, shape.length, "slice");
  if (
    !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end &&
      end <= shape[ax])
  ) {
    throw new RangeError(
      `slice: range ${start}..${end} out of bounds for axis ${ax} of ${fmtShape(shape)}`,
    );
  }
  const out = [...shape];
  out[ax] = end - start;
  return out;
}

/** Shape of the concatenation along `axis` (validated: other dimensions must agree). */
export function concatShape(shapes: readonly Shape[], axis: number): number[] {
  if (shapes.length === 0) throw new RangeError("concat: no tensors given");
  const first = shapes[0];
  const ax = normAxis(axis, first.length, "concat");
  for (const s of shapes) {
    if (s.length !== first.length || s.some((d, i) => i !== ax && d !== first[i])) {
      throw new RangeError(
        `concat: shape mismatch ${fmtShape(first)} vs ${fmtShape(s)} on axis ${ax}`,
      );
    }
  }
  const out = [...first];
  out[ax] = shapes.reduce((t, s) => t + s[ax], 0);
  return out;
}

/** Shape after reducing `axis` (kept as 1 when `keepDims`). */
export function reduceShape(shape: Shape, axis: number, keepDims = false): number[] {
  const ax = normAxis(axis, shape.length, "sum");
  const out = [...shape];
  if (keepDims) out[ax] = 1;
  else out.splice(ax, 1);
  return out;
}

/** Checks that `shape` broadcasts to `target` exactly (NumPy rules). */
export function assertBroadcastable(shape: Shape, target: Shape): void {
  const full = broadcastShapes(shape, target, "broadcastTo");
  if (!sameShape(full, target)) {
    throw new RangeError(`broadcastTo: cannot broadcast ${fmtShape(shape)} to ${fmtShape(target)}`);
  }
}
