/**
 * Test helpers: BigInt reference arithmetic (explicit `BigInt.asUintN(64, …)`), naive float
 * references, index helpers and fast-check arbitraries biased towards the wrap-around edges.
 *
 * @module
 */
import fc from "fast-check";

/** 2^64. */
export const TWO64 = 1n << 64n;

/** Values that exercise wrap-around: 0, 1, 2^63 ± 1, 2^64 − 1, … */
export const EDGE_U64: readonly bigint[] = [
  0n,
  1n,
  2n,
  (1n << 32n) - 1n,
  1n << 32n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 63n) + 1n,
  TWO64 - 2n,
  TWO64 - 1n,
];

/** A u64 as bigint: uniform, near 2^64 − 1, near 2^63, small, or an edge value. */
export const u64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: TWO64 - 1n }),
  fc.bigInt({ min: TWO64 - 1000n, max: TWO64 - 1n }),
  fc.bigInt({ min: (1n << 63n) - 1000n, max: (1n << 63n) + 1000n }),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.constantFrom(...EDGE_U64),
);

/** A BigUint64Array of `n` arbitrary u64 values. */
export function u64Array(n: number): fc.Arbitrary<BigUint64Array> {
  return fc.array(u64, { minLength: n, maxLength: n }).map((v) => BigUint64Array.from(v));
}

/** A Float64Array of `n` finite values in [-100, 100]. */
export function f64Array(n: number): fc.Arbitrary<Float64Array> {
  return fc
    .array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: n, maxLength: n })
    .map((v) => Float64Array.from(v));
}

/** BigInt reference for `c += a·b mod 2^64` on row-major matrices at offsets. */
export function refMatmulU64(
  a: ArrayLike<bigint>,
  aOff: number,
  b: ArrayLike<bigint>,
  bOff: number,
  c: ArrayLike<bigint>,
  cOff: number,
  m: number,
  k: number,
  n: number,
): bigint[] {
  const out = Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = out[cOff + i * n + j];
      for (let p = 0; p < k; p++) s += a[aOff + i * k + p] * b[bOff + p * n + j];
      out[cOff + i * n + j] = BigInt.asUintN(64, s);
    }
  }
  return out;
}

/**
 * Naive float64 triple loop `c += a·b`, accumulating each element in k order onto its initial
 * value (the order of an i-k-j loop).
 */
export function refMatmulF64(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): number[] {
  const out = Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = out[i * n + j];
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

/**
 * Magnitude of each element's terms, `|c| + Σ_p |a_ip·b_pj|`: the scale that summation rounding
 * errors are relative to (a plain relative test fails on cancellation).
 */
export function matmulScaleF64(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): number[] {
  const out = Array.from(c, Math.abs);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < k; p++) out[i * n + j] += Math.abs(a[i * k + p] * b[p * n + j]);
    }
  }
  return out;
}

/**
 * True when `x` and `y` agree elementwise within `tol` relative: |x − y| ≤ tol·scale, where scale
 * is `scale[i]` when given (see `matmulScaleF64`), else max(1, |y|).
 */
export function closeTo(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  tol = 1e-12,
  scale?: ArrayLike<number>,
): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const s = scale ? scale[i] : Math.max(1, Math.abs(y[i]));
    if (!(x[i] === y[i] || Math.abs(x[i] - y[i]) <= tol * s)) return false;
  }
  return true;
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s: number[] = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** All multi-indices of `shape` in row-major order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const size = shape.reduce((a, b) => a * b, 1);
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < size; o++) {
    yield [...idx];
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < shape[ax]) break;
      idx[ax] = 0;
    }
  }
}

/** Flat offset of a multi-index. */
export function offsetOf(idx: readonly number[], shape: readonly number[]): number {
  const s = strides(shape);
  return idx.reduce((acc, v, i) => acc + v * s[i], 0);
}

/** A shape of rank `minRank..maxRank` with dimensions `minDim..maxDim`. */
export function shapeArb(
  minRank: number,
  maxRank: number,
  minDim = 1,
  maxDim = 4,
): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: minDim, max: maxDim }), {
    minLength: minRank,
    maxLength: maxRank,
  });
}

/** Asserts `f` throws a RangeError whose message contains every string in `parts`. */
export function throwsNaming(f: () => unknown, ...parts: string[]): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RangeError)) throw new Error(`expected RangeError, got ${e}`);
    for (const p of parts) {
      if (!e.message.includes(p)) throw new Error(`error "${e.message}" does not name ${p}`);
    }
    return;
  }
  throw new Error(`expected a RangeError naming ${parts.join(", ")}`);
}
