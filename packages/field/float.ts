/**
 * `FloatTensor`: float64 reference tensors with the same shape API as `RingTensor`, used by the
 * plaintext backend, the reference model and tests.
 *
 * @module
 */
import { kernels } from "./kernels/mod.ts";
import { broadcastTo, concatAxis, permute, sliceAxis } from "./layout.ts";
import {
  broadcastShapes,
  checkShape,
  fmtShape,
  matmulShapes,
  normAxis,
  reduceShape,
  sameShape,
  type Shape,
  sizeOf,
  transposePerm,
} from "./shape.ts";

/** A float64 tensor, row-major. Immutable by convention. */
export class FloatTensor {
  /** Elements, row-major. */
  readonly data: Float64Array;
  /** Dimensions. */
  readonly shape: readonly number[];

  /** Wraps `data` (not copied) with `shape` (default: 1-D). */
  constructor(data: Float64Array, shape: Shape = [data.length]) {
    checkShape(shape);
    if (data.length !== sizeOf(shape)) {
      throw new RangeError(
        `FloatTensor: ${data.length} elements do not fill shape ${fmtShape(shape)}`,
      );
    }
    this.data = data;
    this.shape = [...shape];
  }

  /** All-zero tensor. */
  static zeros(shape: Shape): FloatTensor {
    return new FloatTensor(new Float64Array(sizeOf(shape)), shape);
  }

  /** Tensor from numbers. */
  static from(values: ArrayLike<number>, shape: Shape = [values.length]): FloatTensor {
    return new FloatTensor(Float64Array.from(values), shape);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** A copy. */
  clone(): FloatTensor {
    return new FloatTensor(this.data.slice(), this.shape);
  }

  /** Same data, new shape of equal size. */
  reshape(shape: Shape): FloatTensor {
    if (sizeOf(shape) !== this.size) {
      throw new RangeError(`reshape: cannot reshape ${fmtShape(this.shape)} to ${fmtShape(shape)}`);
    }
    return new FloatTensor(this.data, shape);
  }

  /** Elementwise `f(x)`. */
  map(f: (x: number, i: number) => number): FloatTensor {
    const out = new Float64Array(this.size);
    for (let i = 0; i < out.length; i++) out[i] = f(this.data[i], i);
    return new FloatTensor(out, this.shape);
  }

  /** Elementwise `f(a, b)` with NumPy broadcasting. */
  zip(o: FloatTensor | number, f: (a: number, b: number) => number, op = "zip"): FloatTensor {
    if (typeof o === "number") return this.map((x) => f(x, o));
    if (sameShape(this.shape, o.shape)) {
      const out = new Float64Array(this.size);
      for (let i = 0; i < out.length; i++) out[i] = f(this.data[i], o.data[i]);
      return new FloatTensor(out, this.shape);
    }
    const shape = broadcastShapes(this.shape, o.shape, op);
    const a = sameShape(this.shape, shape) ? this : this.broadcastTo(shape);
    const b = sameShape(o.shape, shape) ? o : o.broadcastTo(shape);
    return a.zip(b, f, op);
  }

  /** Elementwise sum (broadcasting). */
  add(o: FloatTensor | number): FloatTensor {
    if (typeof o !== "number" && sameShape(this.shape, o.shape)) {
      const out = new Float64Array(this.size);
      kernels().addF64(this.data, o.data, out);
      return new FloatTensor(out, this.shape);
    }
    return this.zip(o, (a, b) => a + b, "add");
  }

  /** Elementwise difference (broadcasting). */
  sub(o: FloatTensor | number): FloatTensor {
    if (typeof o !== "number" && sameShape(this.shape, o.shape)) {
      const out = new Float64Array(this.size);
      kernels().subF64(this.data, o.data, out);
      return new FloatTensor(out, this.shape);
    }
    return this.zip(o, (a, b) => a - b, "sub");
  }

  /** Elementwise product (broadcasting). */
  mul(o: FloatTensor | number): FloatTensor {
    if (typeof o !== "number" && sameShape(this.shape, o.shape)) {
      const out = new Float64Array(this.size);
      kernels().mulF64(this.data, o.data, out);
      return new FloatTensor(out, this.shape);
    }
    return this.zip(o, (a, b) => a * b, "mul");
  }

  /** Negation. */
  neg(): FloatTensor {
    return this.map((x) => -x);
  }

  /** Matrix product: `[...batch, m, k] @ [k, n]` or `[...batch, m, k] @ [...batch, k, n]`. */
  matmul(o: FloatTensor): FloatTensor {
    const { batch, m, k, n, bBatched, out } = matmulShapes(this.shape, o.shape);
    const c = new Float64Array(batch * m * n);
    const kern = kernels();
    if (!bBatched) {
      // A shared right operand: the batch is one tall [batch·m, k] @ [k, n] product.
      kern.matmulF64(this.data, 0, o.data, 0, c, 0, batch * m, k, n);
    } else {
      for (let b = 0; b < batch; b++) {
        kern.matmulF64(this.data, b * m * k, o.data, b * k * n, c, b * m * n, m, k, n);
      }
    }
    return new FloatTensor(c, out);
  }

  /** Axis permutation; by default swaps the last two axes. */
  transpose(perm?: readonly number[]): FloatTensor {
    const [d, s] = permute(this.data, this.shape, transposePerm(this.shape, perm));
    return new FloatTensor(d, s);
  }

  /** Elements `start..end` along `axis`. */
  slice(axis: number, start: number, end: number): FloatTensor {
    const [d, s] = sliceAxis(this.data, this.shape, axis, start, end);
    return new FloatTensor(d, s);
  }

  /** Concatenation along `axis`. */
  static concat(parts: readonly FloatTensor[], axis: number): FloatTensor {
    const [d, s] = concatAxis(parts.map((p) => ({ data: p.data, shape: p.shape })), axis);
    return new FloatTensor(d, s);
  }

  /** Copy broadcast to `shape` (NumPy rules). */
  broadcastTo(shape: Shape): FloatTensor {
    return new FloatTensor(broadcastTo(this.data, this.shape, shape), shape);
  }

  /** Sum along `axis` (removed from the shape unless `keepDims`). */
  sum(axis: number, keepDims = false): FloatTensor {
    const ax = normAxis(axis, this.shape.length, "sum");
    const outer = sizeOf(this.shape.slice(0, ax));
    const len = this.shape[ax];
    const inner = sizeOf(this.shape.slice(ax + 1));
    const out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let l = 0; l < len; l++) {
        const src = (o * len + l) * inner;
        for (let i = 0; i < inner; i++) out[o * inner + i] += this.data[src + i];
      }
    }
    const shape = reduceShape(this.shape, ax, keepDims);
    return new FloatTensor(out, shape);
  }

  /** Largest absolute elementwise difference to `o` (same shape). */
  maxAbsDiff(o: FloatTensor): number {
    if (!sameShape(this.shape, o.shape)) {
      throw new RangeError(
        `maxAbsDiff: shape mismatch ${fmtShape(this.shape)} vs ${fmtShape(o.shape)}`,
      );
    }
    let m = 0;
    for (let i = 0; i < this.size; i++) m = Math.max(m, Math.abs(this.data[i] - o.data[i]));
    return m;
  }
}
