/**
 * Orthogonal random features (ORF, Yu et al. 2016; used by Performer): the D frequency rows of each
 * head are drawn in blocks of headDim mutually orthogonal directions (Gram–Schmidt of a seeded
 * Gaussian matrix), each row scaled by the norm of an independent headDim-dimensional Gaussian
 * vector, so every row is still marginally N(0, σ²·I) but rows within a block are exactly
 * orthogonal, which lowers the variance of the kernel estimate. The adaptation starts its learned
 * frequencies from these.
 *
 * @module
 */
import { gaussianArray, seededRng } from "../common/rng.ts";
import type { RfaFeatures } from "./attention.ts";
import type { UseLiteConfig } from "./config.ts";

/** `n` orthonormal rows of length `n` (modified Gram–Schmidt of a Gaussian matrix), row-major. */
function orthonormalBlock(g: Float64Array, n: number): Float64Array {
  const q = Float64Array.from(g);
  for (let i = 0; i < n; i++) {
    const ri = q.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < i; j++) {
      const rj = q.subarray(j * n, (j + 1) * n);
      let dot = 0;
      for (let c = 0; c < n; c++) dot += ri[c] * rj[c];
      for (let c = 0; c < n; c++) ri[c] -= dot * rj[c];
    }
    let norm = 0;
    for (let c = 0; c < n; c++) norm += ri[c] * ri[c];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new RangeError("orthonormalBlock: rank-deficient Gaussian draw");
    for (let c = 0; c < n; c++) ri[c] /= norm;
  }
  return q;
}

/**
 * Draws orthogonal random frequency matrices W[l][h] (D × headDim, see the module doc) for every
 * layer and head of `config`, from a stream seeded by (seed, layer, head); equal inputs give equal
 * matrices. The result is an ordinary {@link RfaFeatures} (its `seed` records `orf:<seed>`).
 */
export function makeOrthogonalRfaFeatures(
  config: UseLiteConfig,
  options: { numFeatures: number; seed: number | string; sigma?: number },
): RfaFeatures {
  const { numFeatures: D, seed } = options;
  const sigma = options.sigma ?? 1;
  if (!Number.isInteger(D) || D <= 0) {
    throw new RangeError(
      `makeOrthogonalRfaFeatures: numFeatures must be a positive integer, got ${D}`,
    );
  }
  const matrices = config.layers.map((layer, l) =>
    Array.from({ length: layer.heads }, (_, h) => {
      const n = layer.headDim;
      const rng = seededRng(`rfa-orf:${seed}:${l}:${h}`);
      const W = new Float64Array(D * n);
      for (let r0 = 0; r0 < D; r0 += n) {
        const block = orthonormalBlock(gaussianArray(rng, n * n), n);
        for (let r = r0; r < Math.min(D, r0 + n); r++) {
          const len = Math.hypot(...gaussianArray(rng, n, sigma));
          for (let c = 0; c < n; c++) W[r * n + c] = len * block[(r - r0) * n + c];
        }
      }
      return W;
    })
  );
  return { numFeatures: D, sigma, seed, matrices };
}
