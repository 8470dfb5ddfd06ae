/**
 * Static strategy parameters of CMA-ES, exactly as in Hansen's purecma `CMAESParameters`
 * (positive logarithmic recombination weights, no negative weights).
 *
 * @module
 */

/** Fixed ("internal") CMA-ES strategy parameters for dimension N and population size λ. */
export interface CMAParameters {
  /** Search-space dimension N. */
  dimension: number;
  /** Population size λ. */
  lambda: number;
  /** Number of parents μ = ⌊λ/2⌋. */
  mu: number;
  /** Recombination weights w_1 ≥ … ≥ w_μ > 0, summing to 1. */
  weights: Float64Array;
  /** Variance-effective selection mass μ_eff = 1 / Σ w_i². */
  mueff: number;
  /** Cumulation constant for the rank-one evolution path p_c. */
  cc: number;
  /** Cumulation constant for the step-size path p_σ. */
  cs: number;
  /** Learning rate of the rank-one update. */
  c1: number;
  /** Learning rate of the rank-μ update. */
  cmu: number;
  /** Step-size damping. */
  damps: number;
  /** E‖N(0, I)‖ approximation (kept for reference; purecma's σ rule uses ‖p_σ‖² / N). */
  chiN: number;
  /** Evaluations between two eigendecompositions (lazy update gap). */
  lazyGapEvals: number;
}

/** Default population size 4 + ⌊3 ln N⌋. */
export function defaultPopsize(dimension: number): number {
  return 4 + Math.floor(3 * Math.log(dimension));
}

/**
 * Strategy parameters for dimension `n`, population `lambda` (default {@link defaultPopsize}) and
 * lazy-gap factor `lazyGapFactor` (purecma uses 0.5: gap = 0.5·λ / ((c1 + cμ)·N) evaluations).
 */
export function cmaParameters(n: number, lambda?: number, lazyGapFactor = 0.5): CMAParameters {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`dimension must be ≥ 1, got ${n}`);
  const lam = lambda ?? defaultPopsize(n);
  if (!Number.isInteger(lam) || lam < 2) throw new RangeError(`popsize must be ≥ 2, got ${lam}`);
  if (!(lazyGapFactor >= 0)) throw new RangeError(`lazyGapFactor must be ≥ 0`);
  const mu = Math.floor(lam / 2);
  const weights = new Float64Array(mu);
  let sum = 0;
  for (let i = 0; i < mu; i++) {
    weights[i] = Math.log(mu + 0.5) - Math.log(i + 1);
    sum += weights[i];
  }
  let sumSq = 0;
  for (let i = 0; i < mu; i++) {
    weights[i] /= sum;
    sumSq += weights[i] * weights[i];
  }
  let wsum = 0;
  for (let i = 0; i < mu; i++) wsum += weights[i];
  const mueff = (wsum * wsum) / sumSq;
  const cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + mueff);
  const cmu = Math.min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff));
  const damps = 2 * mueff / lam + 0.3 + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  const lazyGapEvals = lazyGapFactor * n * lam / (c1 + cmu) / (n * n);
  return {
    dimension: n,
    lambda: lam,
    mu,
    weights,
    mueff,
    cc,
    cs,
    c1,
    cmu,
    damps,
    chiN,
    lazyGapEvals,
  };
}
