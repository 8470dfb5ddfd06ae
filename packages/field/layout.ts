/**
 * Data movement shared by ring and float tensors: permute, slice, concat, broadcast. These only
 * copy elements, so one generic implementation serves `BigUint64Array` and `Float64Array`.
 *
 * @module
 */
import {
  assertBroadcastable,
  concatShape,
  normAxis,
  type Shape,
  sizeOf,
  sliceShape,
  stridesOf,
  transposePerm,
} from "./shape.ts";

/** A typed array of either element kind. */
export type Elems = BigUint64Array | Float64Array;

function alloc<A extends Elems>(like: A, n: number): A {
  return new (like.constructor as new (n: number) => A)(n);
}

/** Permutes axes: output axis i is input axis `perm[i]`. */
export function permute<A extends Elems>(
  data: A,
  shape: Shape,
  perm: readonly number[],
): [A, number[]] {
  const rank = shape.length;
  transposePerm(shape, perm);
  const outShape = perm.map((p) => shape[p]);
  const out = alloc(data, data.length);
  const inStrides = stridesOf(shape);
  // Fast path: swap of the last two axes over a batch (the common `k^T` case).
  if (rank >= 2 && perm.slice(0, -2).every((p, i) => p === i) && perm[rank - 2] === rank - 1) {
    const r = shape[rank - 2], c = shape[rank - 1], batch = sizeOf(shape.slice(0, -2));
    for (let b = 0; b < batch; b++) {
      const off = b * r * c;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < c; j++) {
          (out as Float64Array)[off + j * r + i] = (data as Float64Array)[off + i * c + j];
        }
      }
    }
    return [out, outShape];
  }
  const st = perm.map((p) => inStrides[p]);
  const idx = new Array<number>(rank).fill(0);
  const n = data.length;
  let src = 0;
  for (let o = 0; o < n; o++) {
    (out as Float64Array)[o] = (data as Float64Array)[src];
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      src += st[ax];
      if (idx[ax] < outShape[ax]) break;
      src -= st[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
  return [out, outShape];
}

/** Elements `start..end` (exclusive) along `axis`. */
export function sliceAxis<A extends Elems>(
  data: A,
  shape: Shape,
  axis: number,
  start: number,
  end: number,
): [A, number[]] {
  const ax = normAxis(axis, shape.length, "slice");
  const outShape = sliceShape(shape, axis, start, end);
  const outer = sizeOf(shape.slice(0, ax));
  const inner = sizeOf(shape.slice(ax + 1));
  const len = end - start;
  const out = alloc(data, outer * len * inner);
  for (let o = 0; o < outer; o++) {
    const from = (o * shape[ax] + start) * inner;
    (out as Float64Array).set(
      (data as Float64Array).subarray(from, from + len * inner),
      o * len * inner,
    );
  }
  return [out, outShape];
}

/** Concatenates along `axis`; all other dimensions must agree. */
export function concatAxis<A extends Elems>(
  parts: { data: A; shape: Shape }[],
  axis: number,
): [A, number[]] {
  const outShape = concatShape(parts.map((p) => p.shape), axis);
  const first = parts[0].shape;
  const ax = normAxis(axis, first.length, "concat");
  const outer = sizeOf(first.slice(0, ax));
  const inner = sizeOf(first.slice(ax + 1));
  const total = parts.reduce((s, p) => s + p.shape[ax], 0);
  const out = alloc(parts[0].data, outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    for (const p of parts) {
      const chunk = p.shape[ax] * inner;
      (out as Float64Array).set((p.data as Float64Array).subarray(o * chunk, (o + 1) * chunk), at);
      at += chunk;
    }
  }
  return [out, outShape];
}

/** Below this many elements a block is copied element by element (cheaper than subarray/set). */
const SHORT_BLOCK = 16;

/**
 * Copies `data` (of `shape`) broadcast to `target` (NumPy rules). The trailing axes that are
 * either all kept or all broadcast form one block, copied with `set` or written with `fill`; an
 * odometer over the leading axes finds each block's source.
 */
export function broadcastTo<A extends Elems>(data: A, shape: Shape, target: Shape): A {
  assertBroadcastable(shape, target);
  const n = sizeOf(target);
  const out = alloc(data, n) as Float64Array;
  const src = data as Float64Array;
  const rank = target.length;
  const padded = [...new Array(rank - shape.length).fill(1), ...shape];
  const inStrides = stridesOf(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  // The trailing run: axes kept whole (copy) or all of size 1 in the input (fill).
  const copy = rank > 0 && padded[rank - 1] === target[rank - 1];
  let tail = rank;
  while (tail > 0 && (copy ? padded[tail - 1] === target[tail - 1] : padded[tail - 1] === 1)) {
    tail--;
  }
  const block = sizeOf(target.slice(tail));
  if (block === 0) return out as A;
  const idx = new Array<number>(tail).fill(0);
  let from = 0;
  for (let o = 0; o < n; o += block) {
    if (!copy) out.fill(src[from], o, o + block);
    else if (block < SHORT_BLOCK) { for (let j = 0; j < block; j++) out[o + j] = src[from + j]; }
    else out.set(src.subarray(from, from + block), o);
    for (let ax = tail - 1; ax >= 0; ax--) {
      idx[ax]++;
      from += inStrides[ax];
      if (idx[ax] < target[ax]) break;
      from -= inStrides[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
  return out as A;
}
