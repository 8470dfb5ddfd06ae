/**
 * Fixed-point codec between float64 and Z_2^64: a real x is encoded as round(x·2^f) in two's
 * complement, with f fractional bits (default 16, configurable 8–24).
 *
 * Representable range: |x| < 2^(63−f) (encode throws outside it). Products of two encodings carry
 * 2f fractional bits before truncation, so operands of a secure multiplication should stay within
 * |x| < 2^(31−f) (about ±32768 at f = 16) for the product to fit in the ring.
 *
 * @module
 */
import { FloatTensor } from "./float.ts";
import { RingTensor } from "./ring.ts";
import { type Shape, sizeOf } from "./shape.ts";

const TWO32 = 2 ** 32;

/** Encodes and decodes float64 values as fixed-point ring elements. */
export class FixedPoint {
  /** Number of fractional bits f. */
  readonly fracBits: number;
  /** 2^f as a number. */
  readonly scale: number;
  /** Largest encodable magnitude (exclusive): 2^(63−f). */
  readonly maxAbs: number;

  /** A codec with `fracBits` fractional bits (8–24). */
  constructor(fracBits = 16) {
    if (!Number.isInteger(fracBits) || fracBits < 8 || fracBits > 24) {
      throw new RangeError(`FixedPoint: fracBits=${fracBits} not an integer in 8..24`);
    }
    this.fracBits = fracBits;
    this.scale = 2 ** fracBits;
    this.maxAbs = 2 ** (63 - fracBits);
  }

  /** Encodes one value (rounding to nearest); throws a RangeError for NaN, ±Infinity or out of range. */
  encodeScalar(x: number): bigint {
    this.#check(x);
    return BigInt.asUintN(64, BigInt(Math.round(x * this.scale)));
  }

  /** Decodes one ring element. */
  decodeScalar(v: bigint): number {
    return Number(BigInt.asIntN(64, v)) / this.scale;
  }

  /** Encodes a float tensor or array (rounding to nearest). */
  encode(x: FloatTensor | ArrayLike<number>, shape?: Shape): RingTensor {
    const src = x instanceof FloatTensor ? x.data : x;
    const shp = x instanceof FloatTensor ? x.shape : shape ?? [src.length];
    if (sizeOf(shp) !== src.length) {
      throw new RangeError(`encode: ${src.length} values for shape [${shp}]`);
    }
    const words = new Uint32Array(2 * src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (!(Math.abs(v) < this.maxAbs)) this.#check(v);
      const r = Math.round(v * this.scale);
      const hi = Math.floor(r / TWO32);
      words[2 * i] = r - hi * TWO32;
      words[2 * i + 1] = hi; // two's complement via Uint32 wrap
    }
    return new RingTensor(new BigUint64Array(words.buffer), shp);
  }

  /** Decodes a ring tensor to float64 (exact while |x·2^f| < 2^53). */
  decode(t: RingTensor): FloatTensor {
    const words = new Uint32Array(t.data.buffer, t.data.byteOffset, 2 * t.size);
    const hiSigned = new Int32Array(t.data.buffer, t.data.byteOffset, 2 * t.size);
    const out = new Float64Array(t.size);
    const inv = 1 / this.scale;
    for (let i = 0; i < out.length; i++) {
      out[i] = (hiSigned[2 * i + 1] * TWO32 + words[2 * i]) * inv;
    }
    return new FloatTensor(out, t.shape);
  }

  #check(x: number): void {
    if (Number.isNaN(x) || !Number.isFinite(x) || Math.abs(x) >= this.maxAbs) {
      throw new RangeError(
        `FixedPoint(f=${this.fracBits}): cannot encode ${x}; representable range is ±2^${
          63 - this.fracBits
        }`,
      );
    }
  }
}
