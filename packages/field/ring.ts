/**
 * `RingTensor`: elements of Z_2^64 in a `BigUint64Array` with a row-major shape.
 *
 * @module
 */
import { kernels } from "./kernels/mod.ts";
import { broadcastTo, concatAxis, permute, sliceAxis } from "./layout.ts";
import {
  assertSameShape,
  checkShape,
  fmtShape,
  matmulShapes,
  normAxis,
  reduceShape,
  type Shape,
  sizeOf,
  transposePerm,
} from "./shape.ts";

/** A tensor over the ring Z_2^64 (all arithmetic wraps mod 2^64). Immutable by convention. */
export class RingTensor {
  /** Elements, row-major. */
  readonly data: BigUint64Array;
  /** Dimensions. */
  readonly shape: readonly number[];

  /** Wraps `data` (not copied) with `shape`; the sizes must agree. */
  constructor(data: BigUint64Array, shape: Shape) {
    checkShape(shape);
    if (data.length !== sizeOf(shape)) {
      throw new RangeError(
        `RingTensor: ${data.length} elements do not fill shape ${fmtShape(shape)}`,
      );
    }
    this.data = data;
    this.shape = [...shape];
  }

  /** All-zero tensor. */
  static zeros(shape: Shape): RingTensor {
    return new RingTensor(new BigUint64Array(sizeOf(shape)), shape);
  }

  /** Tensor from bigint values, reduced mod 2^64 (negative values wrap). */
  static fromBigInts(values: readonly bigint[], shape: Shape): RingTensor {
    const d = new BigUint64Array(values.length);
    for (let i = 0; i < values.length; i++) d[i] = BigInt.asUintN(64, values[i]);
    return new RingTensor(d, shape);
  }

  /**
   * Tensor whose elements are the little-endian 8-byte words of `bytes` (e.g. a PRG stream); copies
   * when `bytes` is not 8-byte aligned. Needs exactly `8·size` bytes.
   */
  static fromBytes(bytes: Uint8Array, shape: Shape): RingTensor {
    const n = sizeOf(shape);
    if (bytes.length !== 8 * n) {
      throw new RangeError(
        `fromBytes: ${bytes.length} bytes for shape ${fmtShape(shape)} (need ${8 * n})`,
      );
    }
    if (bytes.byteOffset % 8 === 0) {
      return new RingTensor(new BigUint64Array(bytes.buffer, bytes.byteOffset, n), shape);
    }
    const d = new BigUint64Array(n);
    new Uint8Array(d.buffer).set(bytes);
    return new RingTensor(d, shape);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The elements as little-endian bytes (a view, not a copy). */
  toBytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  /** A copy. */
  clone(): RingTensor {
    return new RingTensor(this.data.slice(), this.shape);
  }

  /** Same data, new shape of equal size. */
  reshape(shape: Shape): RingTensor {
    if (sizeOf(shape) !== this.size) {
      throw new RangeError(`reshape: cannot reshape ${fmtShape(this.shape)} to ${fmtShape(shape)}`);
    }
    return new RingTensor(this.data, shape);
  }

  /** Elementwise sum mod 2^64. */
  add(o: RingTensor): RingTensor {
    assertSameShape("add", this.shape, o.shape);
    const out = new BigUint64Array(this.size);
    kernels().addU64(this.data, o.data, out);
    return new RingTensor(out, this.shape);
  }

  /** Elementwise difference mod 2^64. */
  sub(o: RingTensor): RingTensor {
    assertSameShape("sub", this.shape, o.shape);
    const out = new BigUint64Array(this.size);
    kernels().subU64(this.data, o.data, out);
    return new RingTensor(out, this.shape);
  }

  /** Additive inverse mod 2^64. */
  neg(): RingTensor {
    const out = new BigUint64Array(this.size);
    for (let i = 0; i < out.length; i++) out[i] = -this.data[i];
    return new RingTensor(out, this.shape);
  }

  /** Elementwise product mod 2^64. */
  mul(o: RingTensor): RingTensor {
    assertSameShape("mul", this.shape, o.shape);
    const out = new BigUint64Array(this.size);
    kernels().mulU64(this.data, o.data, out);
    return new RingTensor(out, this.shape);
  }

  /** Product with a ring scalar mod 2^64. */
  mulScalar(s: bigint): RingTensor {
    const out = new BigUint64Array(this.size);
    kernels().scaleU64(this.data, s, out);
    return new RingTensor(out, this.shape);
  }

  /** Sum with a ring scalar mod 2^64. */
  addScalar(s: bigint): RingTensor {
    const c = BigInt.asUintN(64, s);
    const out = new BigUint64Array(this.size);
    for (let i = 0; i < out.length; i++) out[i] = this.data[i] + c;
    return new RingTensor(out, this.shape);
  }

  /**
   * Matrix product mod 2^64: `[...batch, m, k] @ [k, n]` or `[...batch, m, k] @ [...batch, k, n]`.
   */
  matmul(o: RingTensor): RingTensor {
    const { batch, m, k, n, bBatched, out } = matmulShapes(this.shape, o.shape);
    const c = new BigUint64Array(batch * m * n);
    const kern = kernels();
    if (!bBatched) {
      // A shared right operand: the batch is one tall [batch·m, k] @ [k, n] product.
      kern.matmulU64(this.data, 0, o.data, 0, c, 0, batch * m, k, n);
    } else {
      for (let b = 0; b < batch; b++) {
        kern.matmulU64(this.data, b * m * k, o.data, b * k * n, c, b * m * n, m, k, n);
      }
    }
    return new RingTensor(c, out);
  }

  /** Axis permutation; by default swaps the last two axes. */
  transpose(perm?: readonly number[]): RingTensor {
    const [d, s] = permute(this.data, this.shape, transposePerm(this.shape, perm));
    return new RingTensor(d, s);
  }

  /** Elements `start..end` along `axis`. */
  slice(axis: number, start: number, end: number): RingTensor {
    const [d, s] = sliceAxis(this.data, this.shape, axis, start, end);
    return new RingTensor(d, s);
  }

  /** Concatenation along `axis`. */
  static concat(parts: readonly RingTensor[], axis: number): RingTensor {
    const [d, s] = concatAxis(parts.map((p) => ({ data: p.data, shape: p.shape })), axis);
    return new RingTensor(d, s);
  }

  /** Copy broadcast to `shape` (NumPy rules). */
  broadcastTo(shape: Shape): RingTensor {
    return new RingTensor(broadcastTo(this.data, this.shape, shape), shape);
  }

  /** Sum mod 2^64 along `axis` (removed from the shape unless `keepDims`). */
  sum(axis: number, keepDims = false): RingTensor {
    const ax = normAxis(axis, this.shape.length, "sum");
    const outer = sizeOf(this.shape.slice(0, ax));
    const len = this.shape[ax];
    const inner = sizeOf(this.shape.slice(ax + 1));
    const out = new BigUint64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let l = 0; l < len; l++) {
        const src = (o * len + l) * inner;
        for (let i = 0; i < inner; i++) out[o * inner + i] += this.data[src + i];
      }
    }
    const shape = reduceShape(this.shape, ax, keepDims);
    return new RingTensor(out, shape);
  }

  /** Logical shift right by `k` bits (0 ≤ k < 64). */
  shr(k: number): RingTensor {
    checkShift(k);
    return this.shiftRight(k, false);
  }

  /** Arithmetic (two's-complement) shift right by `k` bits (0 ≤ k < 64). */
  sar(k: number): RingTensor {
    checkShift(k);
    return this.shiftRight(k, true);
  }

  /** Right shift on 32-bit halves (lo, hi): a BigInt `>>` per element allocates, several times slower. */
  private shiftRight(k: number, arithmetic: boolean): RingTensor {
    const n = this.size;
    const src = new Uint32Array(this.data.buffer, this.data.byteOffset, 2 * n);
    const out = new Uint32Array(2 * n);
    if (k === 0) out.set(src);
    else if (k < 32) {
      const up = 32 - k;
      for (let i = 0; i < 2 * n; i += 2) {
        const hi = src[i + 1];
        out[i] = (src[i] >>> k) | (hi << up);
        out[i + 1] = arithmetic ? (hi | 0) >> k : hi >>> k;
      }
    } else {
      const d = k - 32;
      for (let i = 0; i < 2 * n; i += 2) {
        const hi = src[i + 1];
        out[i] = arithmetic ? (hi | 0) >> d : hi >>> d;
        out[i + 1] = arithmetic ? (hi | 0) >> 31 : 0;
      }
    }
    return new RingTensor(new BigUint64Array(out.buffer), this.shape);
  }

  /** Shift left by `k` bits mod 2^64. */
  shl(k: number): RingTensor {
    checkShift(k);
    return this.mulScalar(1n << BigInt(k));
  }

  /** Each element reduced mod 2^k (0 ≤ k ≤ 64), i.e. its low k bits. */
  mod2k(k: number): RingTensor {
    if (!Number.isInteger(k) || k < 0 || k > 64) throw new RangeError(`mod2k: k=${k} not in 0..64`);
    if (k === 64) return this.clone();
    // Work on 32-bit halves: BigInt `&` in a loop is ~50× slower than typed-array stores.
    const src = new Uint32Array(this.data.buffer, this.data.byteOffset, 2 * this.size);
    const out = new Uint32Array(2 * this.size);
    const loMask = k >= 32 ? 0xffffffff : (2 ** k - 1) >>> 0;
    const hiMask = k >= 32 ? (k === 32 ? 0 : (2 ** (k - 32) - 1) >>> 0) : 0;
    for (let i = 0; i < out.length; i += 2) {
      out[i] = src[i] & loMask;
      out[i + 1] = src[i + 1] & hiMask;
    }
    return new RingTensor(new BigUint64Array(out.buffer), this.shape);
  }

  /** True when shapes and all elements are equal. */
  equals(o: RingTensor): boolean {
    if (this.shape.length !== o.shape.length || this.shape.some((d, i) => d !== o.shape[i])) {
      return false;
    }
    for (let i = 0; i < this.size; i++) if (this.data[i] !== o.data[i]) return false;
    return true;
  }
}

function checkShift(k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > 63) throw new RangeError(`shift by ${k}: not in 0..63`);
}
