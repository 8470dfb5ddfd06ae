/**
 * Float64 kernels of the plaintext reference: dense layers, LayerNorm, ReLU, row sums.
 * All matrices are row-major; every routine writes into a caller-provided output and allocates
 * nothing per element.
 *
 * @module
 */
import { kernels } from "@secp/field";

/**
 * `out[rows × m] = x[rows × k] · w[k × m] (+ bias[m])`, overwriting `out`, with `@secp/field`'s
 * float64 matmul kernel (WebAssembly f64x2 by default). `out` must not alias `x`.
 */
export function matmulBias(
  x: Float64Array,
  rows: number,
  k: number,
  w: Float64Array,
  m: number,
  bias: Float64Array | null,
  out: Float64Array,
): void {
  for (let i = 0; i < rows; i++) {
    const o = i * m;
    if (bias === null) out.fill(0, o, o + m);
    else out.set(bias, o);
  }
  // The field package's float64 kernel (WebAssembly f64x2 when available) accumulates into out.
  kernels().matmulF64(x, 0, w, 0, out, 0, rows, k, m);
}

/**
 * Row-wise LayerNorm as in the graph: `(x − mean) · rsqrt(mean((x − mean)²) + eps) · gamma + beta`
 * (biased variance, eps inside the root). `out` may alias `x`.
 */
export function layerNormRows(
  x: Float64Array,
  rows: number,
  d: number,
  gamma: Float64Array,
  beta: Float64Array,
  eps: number,
  out: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = x[o + j] - mean;
      v += c * c;
    }
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - mean) * inv * gamma[j] + beta[j];
  }
}

/** In-place ReLU. */
export function reluInPlace(x: Float64Array): void {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
}

/** In-place `a += b` (equal lengths). */
export function addInPlace(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

/** Dot product of `a[ao … ao+n)` and `b[bo … bo+n)`. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** Cosine similarity of two equal-length vectors (0 if either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}
