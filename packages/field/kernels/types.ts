/**
 * The kernel table interface shared by all implementations.
 *
 * @module
 */

/** The set of hot kernels used by the tensor types. All implementations give identical results. */
export interface Kernels {
  /** Which implementation this is (`"portable"`, `"wasm"`, `"wasm-all"`). */
  readonly name: string;
  /** `out = a + b mod 2^64` over `out.length` elements. */
  addU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /** `out = a - b mod 2^64` over `out.length` elements. */
  subU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /** `out = a ⊙ b mod 2^64` over `out.length` elements. */
  mulU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /** `out = a · s mod 2^64` over `out.length` elements. */
  scaleU64(a: BigUint64Array, s: bigint, out: BigUint64Array): void;
  /**
   * Exact truncation with a helper's pair (r, msb r, low r), one party's share of x / 2^bits from
   * the opened c = x + r + 2^62: `out = (w << (63 − bits)) − low [+ ((c mod 2^63) >> bits) −
   * 2^(62−bits) on the first party]`, w = msb, or (first − msb) where c's top bit is set
   * (1 ≤ bits ≤ 62; see `@secp/sharing`'s trunc_pair.ts for why this is exact).
   */
  truncPairU64(
    c: BigUint64Array,
    msb: BigUint64Array,
    low: BigUint64Array,
    out: BigUint64Array,
    bits: number,
    first: boolean,
  ): void;
  /** `out = a + b` in float64 over `out.length` elements. */
  addF64(a: Float64Array, b: Float64Array, out: Float64Array): void;
  /** `out = a - b` in float64 over `out.length` elements. */
  subF64(a: Float64Array, b: Float64Array, out: Float64Array): void;
  /** `out = a ⊙ b` in float64 over `out.length` elements. */
  mulF64(a: Float64Array, b: Float64Array, out: Float64Array): void;
  /**
   * `c[m×n] += a[m×k] · b[k×n] mod 2^64` on row-major sub-matrices starting at element offsets
   * `aOff`, `bOff`, `cOff`.
   */
  matmulU64(
    a: BigUint64Array,
    aOff: number,
    b: BigUint64Array,
    bOff: number,
    c: BigUint64Array,
    cOff: number,
    m: number,
    k: number,
    n: number,
  ): void;
  /** `c[m×n] += a[m×k] · b[k×n]` in float64 on row-major sub-matrices at the given offsets. */
  matmulF64(
    a: Float64Array,
    aOff: number,
    b: Float64Array,
    bOff: number,
    c: Float64Array,
    cOff: number,
    m: number,
    k: number,
    n: number,
  ): void;
}

/** Throws a RangeError unless `truncPairU64`'s operands cover `len` and 1 ≤ bits ≤ 62. */
export function checkTruncPairArgs(
  len: number,
  c: BigUint64Array,
  msb: BigUint64Array,
  low: BigUint64Array,
  bits: number,
): void {
  if (c.length < len || msb.length < len || low.length < len) {
    throw new RangeError(
      `truncPairU64: operands of ${c.length}, ${msb.length}, ${low.length} elements for ${len}`,
    );
  }
  if (!Number.isInteger(bits) || bits < 1 || bits > 62) {
    throw new RangeError(`truncPairU64: bits must be an integer in [1, 62], got ${bits}`);
  }
}

/** Throws a RangeError unless the three sub-matrices of a matmul lie inside their arrays. */
export function checkMatmulArgs(
  op: string,
  aLen: number,
  aOff: number,
  bLen: number,
  bOff: number,
  cLen: number,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (const d of [aOff, bOff, cOff, m, k, n]) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(
        `${op}: offsets and sizes must be non-negative integers (m=${m} k=${k} n=${n})`,
      );
    }
  }
  if (aOff + m * k > aLen || bOff + k * n > bLen || cOff + m * n > cLen) {
    throw new RangeError(
      `${op}: [${m},${k}]@[${k},${n}] at offsets ${aOff}/${bOff}/${cOff} exceeds arrays of ${aLen}/${bLen}/${cLen} elements`,
    );
  }
}
