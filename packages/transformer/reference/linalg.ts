/**
 * Float64 kernels of the plaintext reference: dense layers, LayerNorm, ReLU, row sums.
 * All matrices are row-major; every routine writes into a caller-provided output and allocates
 * nothing per element.
 *
 * @module
 */

/**
 * `out[rows × m] = x[rows × k] · w[k × m] (+ bias[m])`, overwriting `out`.
 * i-k-j order with 4 rows per pass (each weight row is loaded once for four outputs), which runs
 * at ≈ 2.5 G multiply-adds/s in V8. `out` must not alias `x`.
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
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const o0 = i * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
    const x0 = i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
    for (let kk = 0; kk < k; kk++) {
      const a0 = x[x0 + kk], a1 = x[x1 + kk], a2 = x[x2 + kk], a3 = x[x3 + kk];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue; // ReLU outputs are sparse
      const wo = kk * m;
      for (let j = 0; j < m; j++) {
        const wv = w[wo + j];
        out[o0 + j] += a0 * wv;
        out[o1 + j] += a1 * wv;
        out[o2 + j] += a2 * wv;
        out[o3 + j] += a3 * wv;
      }
    }
  }
  for (; i < rows; i++) {
    const o = i * m, xo = i * k;
    for (let kk = 0; kk < k; kk++) {
      const a = x[xo + kk];
      if (a === 0) continue;
      const wo = kk * m;
      for (let j = 0; j < m; j++) out[o + j] += a * w[wo + j];
    }
  }
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
