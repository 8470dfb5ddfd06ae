/**
 * Portable TypeScript kernels. They are the reference the WebAssembly kernels must equal bit for bit,
 * and the fallback where WebAssembly SIMD is unavailable. Ring kernels rely on `BigUint64Array`
 * stores wrapping mod 2^64; run hot callers with `--v8-flags=--no-maglev` (see the package README).
 *
 * @module
 */

/** `out[i] = a[i] + b[i] mod 2^64`. */
export function addU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** `out[i] = a[i] - b[i] mod 2^64`. */
export function subU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
}

/** `out[i] = a[i] * b[i] mod 2^64`. */
export function mulU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

/** `out[i] = a[i] * s mod 2^64`. */
export function scaleU64(a: BigUint64Array, s: bigint, out: BigUint64Array): void {
  const c = BigInt.asUintN(64, s);
  for (let i = 0; i < out.length; i++) out[i] = a[i] * c;
}

/**
 * `c[m×n] += a[m×k] · b[k×n] mod 2^64` (i-k-j order), on sub-arrays starting at the given offsets.
 */
export function matmulU64(
  a: BigUint64Array,
  aOff: number,
  b: BigUint64Array,
  bOff: number,
  c: BigUint64Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    for (let p = 0; p < k; p++) {
      const av = a[aOff + i * k + p];
      if (av === 0n) continue;
      const bp = bOff + p * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}

/** `c[m×n] += a[m×k] · b[k×n]` in float64 (i-k-j order), on sub-arrays at the given offsets. */
export function matmulF64(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    for (let p = 0; p < k; p++) {
      const av = a[aOff + i * k + p];
      if (av === 0) continue;
      const bp = bOff + p * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}

/** `out[i] = a[i] + b[i]` in float64. */
export function addF64(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** `out[i] = a[i] - b[i]` in float64. */
export function subF64(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
}

/** `out[i] = a[i] * b[i]` in float64. */
export function mulF64(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}
