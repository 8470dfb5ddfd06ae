/**
 * The `plain` backend: one party computes on cleartext with the same semantics as the secure
 * backends and no secrecy — the oracle they are tested against. Two modes:
 * - `ring`: values are fixed-point ring encodings; products are truncated by an exact arithmetic
 *   shift, so results are what an error-free secure run would produce bit for bit.
 * - `float`: values are float64 (no rounding); same protocols, only approximation error remains.
 *
 * @module
 */
import { FloatTensor, matmulShapes, type RingTensor, type Shape, sizeOf } from "@secp/field";
import type { BackendKind, Role, SecretBackend, TruncMode } from "./backend.ts";
import { assertShapes, RingOps } from "./base.ts";
import { Prg, randomSeed } from "./prg.ts";
import { type FixedOperand, Shared, type TrigTuple } from "./shared.ts";

/** Options of the plain backend. */
export interface PlainOptions {
  /** `ring` (fixed-point, exact truncation) or `float` (float64). Default `ring`. */
  mode?: "ring" | "float";
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Seed of the randomness used for trig tuples (default: fresh from the CSPRNG). */
  seed?: Uint8Array;
  /**
   * Ring mode: called with every value about to be truncated (the true value, as the secure
   * backends never see it) and its op path. A diagnostic, e.g. for the failure rate of local
   * truncation, which is about |x|/2^64 per element.
   */
  truncProbe?: (value: RingTensor, bits: number, path: string) => void;
  /**
   * The truncation protocols should assume (default `exact`). `local` sets `exactTruncation` to
   * false, so protocols take the paths local truncation needs (as on 3PC); the shift itself stays
   * exact. With `truncProbe`, this measures what a 3PC run truncates.
   */
  trunc?: TruncMode;
}

/** Cleartext reference backend (a single party playing every role). */
export class PlainBackend extends RingOps implements SecretBackend {
  /** Always `plain`. */
  readonly kind: BackendKind = "plain";
  /** The only party. */
  readonly party = 0;
  /** The single party computes. */
  readonly computing = true;
  /** As declared by `PlainOptions.trunc` (the shift or division itself is always exact). */
  readonly exactTruncation: boolean;
  /** `ring` or `float`. */
  readonly mode: "ring" | "float";
  #prg: Prg;
  #probe: PlainOptions["truncProbe"];

  /** A plain backend. */
  constructor(opts: PlainOptions = {}) {
    super(opts.fracBits ?? 16);
    this.mode = opts.mode ?? "ring";
    this.#prg = new Prg(opts.seed ?? randomSeed());
    this.#probe = opts.truncProbe;
    this.exactTruncation = (opts.trunc ?? "exact") === "exact";
  }

  /** Plays every role. */
  is(_role: Role): boolean {
    return true;
  }

  /** The value is share 0. */
  protected slot0(): readonly boolean[] {
    return [true];
  }

  #f(x: Shared): FloatTensor {
    return x.float ?? this.fp.decode(x.parts[0]);
  }

  #wrapF(t: FloatTensor): Shared {
    return new Shared(t.shape, [], t);
  }

  #isF(): boolean {
    return this.mode === "float";
  }

  /** Wraps a value. */
  input(_owner: Role, value: FloatTensor | undefined, shape: Shape): Promise<Shared> {
    if (!value) throw new Error("plain.input: the plain backend needs the value");
    checkValueShape("input", value.shape, shape);
    return Promise.resolve(
      this.#isF() ? this.#wrapF(value) : new Shared(shape, [this.fp.encode(value)]),
    );
  }

  /** Wraps a raw ring value. */
  inputRing(_owner: Role, value: RingTensor | undefined, shape: Shape): Promise<Shared> {
    if (!value) throw new Error("plain.inputRing: the plain backend needs the value");
    checkValueShape("inputRing", value.shape, shape);
    return Promise.resolve(
      this.#isF() ? this.#wrapF(this.fp.decode(value)) : new Shared(shape, [value]),
    );
  }

  /** The value. */
  reveal(x: Shared, _to: Role | "all"): Promise<FloatTensor | undefined> {
    return Promise.resolve(this.#f(x));
  }

  /** The raw ring value. */
  revealRing(x: Shared, _to: Role | "all"): Promise<RingTensor | undefined> {
    return Promise.resolve(x.float ? this.fp.encode(x.float) : x.parts[0]);
  }

  /** The encoding of x mod 2^k. */
  openMod2k(x: Shared, k: number): Promise<RingTensor> {
    return Promise.resolve((x.float ? this.fp.encode(x.float) : x.parts[0]).mod2k(k));
  }

  /** Exact arithmetic shift (ring) or division (float). */
  truncate(x: Shared, bits = this.fp.fracBits): Promise<Shared> {
    if (x.float) return Promise.resolve(this.#wrapF(x.float.mul(2 ** -bits)));
    this.#probe?.(x.parts[0], bits, this.meta().path);
    return Promise.resolve(this.map(x, x.shape, (p) => p.sar(bits)));
  }

  // Float mode overrides of the local ops.

  /** x + y. */
  override add(x: Shared, y: Shared): Shared {
    return x.float ? this.#wrapF(binary("add", x, y, this.#f(x).add(this.#f(y)))) : super.add(x, y);
  }
  /** x − y. */
  override sub(x: Shared, y: Shared): Shared {
    return x.float ? this.#wrapF(binary("sub", x, y, this.#f(x).sub(this.#f(y)))) : super.sub(x, y);
  }
  /** −x. */
  override neg(x: Shared): Shared {
    return x.float ? this.#wrapF(x.float.neg()) : super.neg(x);
  }
  /** x + c (public). */
  override addPublic(x: Shared, c: FloatTensor | number): Shared {
    return x.float ? this.#wrapF(x.float.add(c).broadcastTo(x.shape)) : super.addPublic(x, c);
  }
  /** x + c (public raw ring). */
  override addRing(x: Shared, c: RingTensor): Shared {
    return x.float ? this.#wrapF(x.float.add(this.fp.decode(c))) : super.addRing(x, c);
  }
  /** x ⊙ c (public raw ring). */
  override mulRing(x: Shared, c: RingTensor): Shared {
    if (!x.float) return super.mulRing(x, c);
    const ints = new FloatTensor(
      Float64Array.from(c.data, (v) => Number(BigInt.asIntN(64, v))),
      c.shape,
    );
    return this.#wrapF(x.float.mul(ints));
  }
  /** x · c (public integer). */
  override mulInt(x: Shared, c: bigint | number): Shared {
    return x.float ? this.#wrapF(x.float.mul(Number(c))) : super.mulInt(x, c);
  }
  /** x · c (public), truncated. */
  override mulPublic(x: Shared, c: FloatTensor | number): Promise<Shared> {
    return x.float
      ? Promise.resolve(this.#wrapF(x.float.mul(c).broadcastTo(x.shape)))
      : super.mulPublic(x, c);
  }
  /** x @ w (public), truncated. */
  override matmulPublic(x: Shared, w: FloatTensor): Promise<Shared> {
    return x.float ? Promise.resolve(this.#wrapF(x.float.matmul(w))) : super.matmulPublic(x, w);
  }
  /** New shape. */
  override reshape(x: Shared, shape: Shape): Shared {
    return x.float ? this.#wrapF(x.float.reshape(shape)) : super.reshape(x, shape);
  }
  /** Axis permutation. */
  override transpose(x: Shared, perm?: readonly number[]): Shared {
    return x.float ? this.#wrapF(x.float.transpose(perm)) : super.transpose(x, perm);
  }
  /** Slice along an axis. */
  override slice(x: Shared, axis: number, start: number, end: number): Shared {
    return x.float
      ? this.#wrapF(x.float.slice(axis, start, end))
      : super.slice(x, axis, start, end);
  }
  /** Concatenation. */
  override concat(xs: readonly Shared[], axis: number): Shared {
    return xs[0].float
      ? this.#wrapF(FloatTensor.concat(xs.map((x) => this.#f(x)), axis))
      : super.concat(xs, axis);
  }
  /** Sum along an axis. */
  override sum(x: Shared, axis: number, keepDims = false): Shared {
    return x.float ? this.#wrapF(x.float.sum(axis, keepDims)) : super.sum(x, axis, keepDims);
  }
  /** Broadcast. */
  override broadcastTo(x: Shared, shape: Shape): Shared {
    return x.float ? this.#wrapF(x.float.broadcastTo(shape)) : super.broadcastTo(x, shape);
  }

  /** x ⊙ y, truncated by 2^bits (default f). */
  async mul(x: Shared, y: Shared, bits = this.fp.fracBits): Promise<Shared> {
    if (x.float && bits === this.fp.fracBits) {
      return this.#wrapF(binary("mul", x, y, x.float.mul(this.#f(y))));
    }
    return await this.truncate(await this.mulNoTrunc(x, y), bits);
  }

  /** x ⊙ y without truncation. */
  mulNoTrunc(x: Shared, y: Shared): Promise<Shared> {
    // Ring semantics: the product of encodings, i.e. the value x·y·2^f.
    if (x.float) {
      return Promise.resolve(
        this.#wrapF(binary("mul", x, y, x.float.mul(this.#f(y)).mul(this.fp.scale))),
      );
    }
    binary("mul", x, y, undefined);
    return Promise.resolve(new Shared(x.shape, [x.parts[0].mul(y.parts[0])]));
  }

  /** x @ y, truncated by 2^bits (default f). */
  async matmul(x: Shared, y: Shared, bits = this.fp.fracBits): Promise<Shared> {
    if (x.float && bits === this.fp.fracBits) return this.#wrapF(x.float.matmul(this.#f(y)));
    return await this.truncate(await this.matmulNoTrunc(x, y), bits);
  }

  /** x @ y without truncation (float mode: the value times 2^f, as `mulNoTrunc`). */
  matmulNoTrunc(x: Shared, y: Shared): Promise<Shared> {
    const { out } = matmulShapes(x.shape, y.shape);
    if (x.float) return Promise.resolve(this.#wrapF(x.float.matmul(this.#f(y)).mul(this.fp.scale)));
    return Promise.resolve(new Shared(out, [x.parts[0].matmul(y.parts[0])]));
  }

  /** 1 where x < 0, else 0 (an integer, not fixed-point). */
  ltz(x: Shared): Promise<Shared> {
    if (x.float) {
      return Promise.resolve(this.#wrapF(x.float.map((v) => (v < 0 ? 2 ** -this.fp.fracBits : 0))));
    }
    return Promise.resolve(this.map(x, x.shape, (p) => p.shr(63)));
  }

  /** Nothing to prepare in cleartext. */
  fixed(w: Shared): Promise<FixedOperand> {
    return Promise.resolve({ value: w, state: undefined });
  }

  /** x @ w. */
  matmulFixed(x: Shared, w: FixedOperand): Promise<Shared> {
    return this.matmul(x, w.value);
  }

  /** Nothing is done offline in cleartext. */
  preprocessFixed(_w: FixedOperand, _xShape: Shape, _count?: number): Promise<void> {
    return Promise.resolve();
  }

  /** t uniform mod 2^k with cos/sin of 2πt/2^k. */
  async trigTuple(shape: Shape, k: number): Promise<TrigTuple> {
    const t = await this.#prg.ringMod(shape, k);
    const ang = Float64Array.from(t.data, (v) => (2 * Math.PI * Number(v)) / 2 ** k);
    const cos = new FloatTensor(ang.map(Math.cos), shape);
    const sin = new FloatTensor(ang.map(Math.sin), shape);
    if (this.#isF()) {
      return { t: this.#wrapF(this.fp.decode(t)), cos: this.#wrapF(cos), sin: this.#wrapF(sin) };
    }
    return {
      t: new Shared(shape, [t]),
      cos: new Shared(shape, [this.fp.encode(cos)]),
      sin: new Shared(shape, [this.fp.encode(sin)]),
    };
  }
}

function checkValueShape(op: string, got: Shape, want: Shape): void {
  if (
    got.length !== want.length || got.some((d, i) => d !== want[i]) || sizeOf(got) !== sizeOf(want)
  ) {
    throw new RangeError(`${op}: value shape [${got}] does not match declared shape [${want}]`);
  }
}

function binary(op: string, x: Shared, y: Shared, r: FloatTensor | undefined): FloatTensor {
  assertShapes(op, x, y);
  return r!;
}
