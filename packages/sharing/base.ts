/**
 * Local (communication-free) operations shared by the ring backends: shape movement and linear
 * maps applied to each of a party's shares, and encoding of public operands.
 *
 * @module
 */
import {
  assertBroadcastable,
  concatShape,
  FixedPoint,
  type FloatTensor,
  matmulShapes,
  reduceShape,
  RingTensor,
  type Shape,
  sizeOf,
  sliceShape,
  transposePerm,
} from "@secp/field";
import type { Phase, SendMeta } from "@secp/transport";
import { Shared } from "./shared.ts";

/**
 * Base of the ring backends. `slot0` says, per part of this party, whether that part is share
 * number 0 — the one public constants are added to (2PC: party 0's share; 3PC: share 0, held by
 * parties 0 and 2; plain: the value itself).
 */
export abstract class RingOps {
  /** Fixed-point codec. */
  readonly fp: FixedPoint;
  #path: string[] = [];
  #shapesOnly = false;

  /** Base with `fracBits` fractional bits. */
  constructor(fracBits: number) {
    this.fp = new FixedPoint(fracBits);
  }

  /** Per part: is it share 0? */
  protected abstract slot0(): readonly boolean[];

  /** Runs `fn` inside a named op path segment. */
  async scope<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.#path.push(name);
    try {
      return await fn();
    } finally {
      this.#path.pop();
    }
  }

  /**
   * True while a program runs on shapes only (a computing party's offline pass): every op then
   * returns a phantom (no parts), as every op of a party that holds no shares does.
   */
  protected get shapesOnly(): boolean {
    return this.#shapesOnly;
  }

  /** Runs `program` with {@link shapesOnly} set. */
  protected async whileShapesOnly(program: () => Promise<unknown>): Promise<void> {
    this.#shapesOnly = true;
    try {
      await program();
    } finally {
      this.#shapesOnly = false;
    }
  }

  /** Ledger metadata for a message sent now. */
  protected meta(phase: Phase = "online", op?: string): SendMeta {
    const path = op ? [...this.#path, op] : this.#path;
    return { path: path.join("/") || "(root)", phase };
  }

  /** Applies `f` to every part. */
  protected map(x: Shared, shape: Shape, f: (p: RingTensor) => RingTensor): Shared {
    if (this.#shapesOnly) return new Shared(shape, []);
    return new Shared(shape, x.parts.map(f));
  }

  /** Encodes a public fixed-point operand broadcast to `shape`. */
  protected encodePublic(c: FloatTensor | number, shape: Shape): RingTensor {
    if (typeof c === "number") {
      const v = this.fp.encodeScalar(c);
      const d = new BigUint64Array(sizeOf(shape)).fill(v);
      return new RingTensor(d, shape);
    }
    const enc = this.fp.encode(c);
    return sameDims(enc.shape, shape) ? enc : enc.broadcastTo(shape);
  }

  /** x + y. */
  add(x: Shared, y: Shared): Shared {
    assertShapes("add", x, y);
    if (this.#shapesOnly) return new Shared(x.shape, []);
    return new Shared(x.shape, x.parts.map((p, i) => p.add(y.parts[i])));
  }

  /** x − y. */
  sub(x: Shared, y: Shared): Shared {
    assertShapes("sub", x, y);
    if (this.#shapesOnly) return new Shared(x.shape, []);
    return new Shared(x.shape, x.parts.map((p, i) => p.sub(y.parts[i])));
  }

  /** −x. */
  neg(x: Shared): Shared {
    return this.map(x, x.shape, (p) => p.neg());
  }

  /** x + c, public fixed-point c. */
  addPublic(x: Shared, c: FloatTensor | number): Shared {
    if (x.parts.length === 0 || this.#shapesOnly) return new Shared(x.shape, []);
    return this.addRing(x, this.encodePublic(c, x.shape));
  }

  /** x + c, public raw ring c. */
  addRing(x: Shared, c: RingTensor): Shared {
    if (x.parts.length === 0 || this.#shapesOnly) return new Shared(x.shape, []);
    const cc = sameDims(c.shape, x.shape) ? c : c.broadcastTo(x.shape);
    const s0 = this.slot0();
    return new Shared(x.shape, x.parts.map((p, i) => (s0[i] ? p.add(cc) : p)));
  }

  /** x ⊙ c for a public raw ring c (no truncation). */
  mulRing(x: Shared, c: RingTensor): Shared {
    if (x.parts.length === 0 || this.#shapesOnly) return new Shared(x.shape, []);
    const cc = sameDims(c.shape, x.shape) ? c : c.broadcastTo(x.shape);
    return this.map(x, x.shape, (p) => p.mul(cc));
  }

  /** x · c for a public integer c (no truncation). */
  mulInt(x: Shared, c: bigint | number): Shared {
    const k = typeof c === "bigint" ? c : BigInt(c);
    return this.map(x, x.shape, (p) => p.mulScalar(k));
  }

  /** Divides by 2^bits. */
  abstract truncate(x: Shared, bits?: number): Promise<Shared>;

  /** x · c for public fixed-point c; truncates. */
  async mulPublic(x: Shared, c: FloatTensor | number): Promise<Shared> {
    if (typeof c === "number" && Number.isInteger(c) && Math.abs(c) < 2 ** 31) {
      return this.mulInt(x, c);
    }
    const enc = x.parts.length && !this.#shapesOnly ? this.encodePublic(c, x.shape) : undefined;
    return await this.truncate(enc ? this.mulRing(x, enc) : x);
  }

  /** x @ w for public w; truncates. */
  async matmulPublic(x: Shared, w: FloatTensor): Promise<Shared> {
    const { out } = matmulShapes(x.shape, w.shape);
    if (x.parts.length === 0 || this.#shapesOnly) return await this.truncate(new Shared(out, []));
    const enc = this.fp.encode(w);
    return await this.truncate(this.map(x, out, (p) => p.matmul(enc)));
  }

  /** Same data, new shape. */
  reshape(x: Shared, shape: Shape): Shared {
    if (sizeOf(shape) !== x.size) {
      throw new RangeError(`reshape: cannot reshape [${x.shape}] to [${shape}]`);
    }
    return this.map(x, shape, (p) => p.reshape(shape));
  }

  /** Axis permutation (default: swap the last two). */
  transpose(x: Shared, perm?: readonly number[]): Shared {
    const p = transposePerm(x.shape, perm);
    return this.map(x, p.map((a) => x.shape[a]), (t) => t.transpose(p));
  }

  /** Slice along an axis. */
  slice(x: Shared, axis: number, start: number, end: number): Shared {
    const shape = sliceShape(x.shape, axis, start, end);
    return this.map(x, shape, (p) => p.slice(axis, start, end));
  }

  /** Concatenate along an axis. */
  concat(xs: readonly Shared[], axis: number): Shared {
    const shape = concatShape(xs.map((x) => x.shape), axis);
    const n = this.#shapesOnly ? 0 : xs[0].parts.length;
    const parts = Array.from(
      { length: n },
      (_, i) => RingTensor.concat(xs.map((x) => x.parts[i]), axis),
    );
    return new Shared(shape, parts);
  }

  /** Sum along an axis. */
  sum(x: Shared, axis: number, keepDims = false): Shared {
    const shape = reduceShape(x.shape, axis, keepDims);
    return this.map(x, shape, (p) => p.sum(axis, keepDims));
  }

  /** Broadcast to a shape. */
  broadcastTo(x: Shared, shape: Shape): Shared {
    if (sameDims(x.shape, shape)) return x;
    assertBroadcastable(x.shape, shape);
    return this.map(x, shape, (p) => p.broadcastTo(shape));
  }
}

function sameDims(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a RangeError naming both shapes unless x and y have the same shape. */
export function assertShapes(op: string, x: Shared, y: Shared): void {
  if (!sameDims(x.shape, y.shape)) {
    throw new RangeError(`${op}: shape mismatch [${x.shape}] vs [${y.shape}]`);
  }
}
