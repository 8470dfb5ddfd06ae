/**
 * CMA-ES, a port of Hansen's reference implementation `purecma.py` (pycma 3.0): weighted
 * recombination, cumulative step-size adaptation with the squared-norm rule and the h_σ stall
 * test, rank-one plus rank-μ covariance update, lazy eigendecomposition, and the purecma stopping
 * rules. Additions: optional box bounds, a seeded checkpointable RNG, and exact state export.
 *
 * Box bounds are handled by **repair**: `ask()` returns candidates clipped into the box, and `tell()`
 * bounds the Mahalanobis length of every selected step (x_k − m)/σ to √N + 2N/(N+2), the rule
 * Hansen recommends for repaired or injected solutions, so that clipping cannot inflate p_σ.
 *
 * @module
 */

import { base64ToF64, decodeFloat, encodeFloat, f64ToBase64, type JsonFloat } from "./codec.ts";
import { type CMAParameters, cmaParameters } from "./cmaes_params.ts";
import { eighSymmetric } from "./eigen.ts";
import { Rng, type RngState, type Seed, seedFromCrypto } from "./rng.ts";

/** Options of {@link CMAES}. Only `x0` and `sigma0` are required. */
export interface CMAOptions {
  /** Initial mean (its length is the dimension N). */
  x0: ArrayLike<number>;
  /** Initial step size σ₀ (standard deviation in every coordinate). */
  sigma0: number;
  /** Population size λ; default 4 + ⌊3 ln N⌋. */
  popsize?: number;
  /** RNG seed; default {@link seedFromCrypto} (fixed seeds are for tests). */
  seed?: Seed;
  /** Box bounds [lower, upper], each a number or a length-N array; enables repair (see module doc). */
  bounds?: [ArrayLike<number> | number, ArrayLike<number> | number];
  /** Stop when the f-range of the current population is below this (default 1e-12). */
  tolFun?: number;
  /** Stop when σ·√(max eigenvalue of C) is below this (default 1e-11). */
  tolX?: number;
  /** Stop when the condition number of C exceeds this (default 1e14). */
  maxCondition?: number;
  /** Stop after this many generations (default unlimited). */
  maxIter?: number;
  /** Stop after this many evaluations (default 100λ + 150(N+3)²√λ, as purecma). */
  maxFevals?: number;
  /** Stop when the best f of a generation is ≤ this (default none). */
  fTarget?: number;
  /** Lazy eigendecomposition gap factor (purecma 0.5; 0 = decompose every generation). */
  lazyGapFactor?: number;
}

/** Satisfied termination criteria, e.g. `{tolfun: 1e-12}`; empty when the run may continue. */
export type CMAStop = Partial<
  Record<"maxfevals" | "maxiter" | "ftarget" | "conditioncov" | "tolfun" | "tolx", number>
>;

/** Best evaluated solution seen so far. */
export interface CMABest {
  /** The solution. */
  x: Float64Array;
  /** Its fitness. */
  f: number;
  /** Evaluation count at which it was told. */
  evals: number;
}

/** JSON-serialisable CMA-ES state (arrays base64-encoded bit-exactly); see {@link CMAES.fromState}. */
export interface CMAState {
  /** Format tag `"secp-fot/cmaes"`. */
  format: "secp-fot/cmaes";
  /** Format version (1). */
  version: 1;
  /** Dimension N. */
  dimension: number;
  /** Population size λ. */
  popsize: number;
  /** Lazy gap factor. */
  lazyGapFactor: number;
  /** Stopping thresholds. */
  tolFun: JsonFloat;
  /** Stopping threshold on σ·√max(eig C). */
  tolX: JsonFloat;
  /** Stopping threshold on cond(C). */
  maxCondition: JsonFloat;
  /** Generation limit. */
  maxIter: JsonFloat;
  /** Evaluation limit. */
  maxFevals: JsonFloat;
  /** Target fitness, or null. */
  fTarget: JsonFloat | null;
  /** Lower and upper bounds (base64 float64), or null. */
  bounds: [string, string] | null;
  /** Distribution mean. */
  mean: string;
  /** Step size σ. */
  sigma: JsonFloat;
  /** Rank-one evolution path. */
  pc: string;
  /** Step-size evolution path. */
  ps: string;
  /** Covariance matrix, row-major N×N. */
  C: string;
  /** Eigenvalues of the last decomposition. */
  eigenvalues: string;
  /** Eigenvectors (rows) of the last decomposition. */
  eigenvectors: string;
  /** Condition number at the last decomposition. */
  conditionNumber: JsonFloat;
  /** Evaluation count of the last decomposition. */
  updatedEval: number;
  /** Evaluations so far. */
  countEval: number;
  /** Generations so far. */
  countIter: number;
  /** Sorted fitness values of the last generation. */
  fitvals: string;
  /** Best solution so far, or null. */
  best: { x: string; f: JsonFloat; evals: number } | null;
  /** RNG state. */
  rng: RngState;
}

function expandBound(b: ArrayLike<number> | number, n: number, what: string): Float64Array {
  const out = new Float64Array(n);
  if (typeof b === "number") out.fill(b);
  else {
    if (b.length !== n) throw new RangeError(`${what} bound has length ${b.length}, expected ${n}`);
    for (let i = 0; i < n; i++) out[i] = b[i];
  }
  return out;
}

/** CMA-ES minimiser with the ask/tell interface. */
export class CMAES {
  /** Static strategy parameters. */
  readonly params: CMAParameters;
  readonly #n: number;
  readonly #lazyGapFactor: number;
  readonly #tolFun: number;
  readonly #tolX: number;
  readonly #maxCondition: number;
  readonly #maxIter: number;
  readonly #maxFevals: number;
  readonly #fTarget: number | undefined;
  readonly #lower: Float64Array | null;
  readonly #upper: Float64Array | null;
  #rng: Rng;
  #mean: Float64Array;
  #sigma: number;
  #pc: Float64Array;
  #ps: Float64Array;
  #C: Float64Array;
  #eigenvalues: Float64Array;
  #eigenvectors: Float64Array;
  #conditionNumber = 1;
  #updatedEval = 0;
  #countEval = 0;
  #countIter = 0;
  #fitvals: Float64Array = new Float64Array(0);
  #best: CMABest | null = null;

  /** New optimiser; throws `RangeError` on inconsistent options. */
  constructor(options: CMAOptions) {
    const n = options.x0.length;
    this.#lazyGapFactor = options.lazyGapFactor ?? 0.5;
    this.params = cmaParameters(n, options.popsize, this.#lazyGapFactor);
    this.#n = n;
    const lam = this.params.lambda;
    if (!(options.sigma0 > 0) || !Number.isFinite(options.sigma0)) {
      throw new RangeError(`sigma0 must be a positive finite number, got ${options.sigma0}`);
    }
    this.#tolFun = options.tolFun ?? 1e-12;
    this.#tolX = options.tolX ?? 1e-11;
    this.#maxCondition = options.maxCondition ?? 1e14;
    this.#maxIter = options.maxIter ?? Infinity;
    this.#maxFevals = options.maxFevals ?? 100 * lam + 150 * (n + 3) ** 2 * Math.sqrt(lam);
    this.#fTarget = options.fTarget;
    this.#mean = Float64Array.from(options.x0);
    if (options.bounds) {
      this.#lower = expandBound(options.bounds[0], n, "lower");
      this.#upper = expandBound(options.bounds[1], n, "upper");
      for (let i = 0; i < n; i++) {
        if (!(this.#lower[i] < this.#upper[i])) {
          throw new RangeError(`bounds: lower[${i}] must be < upper[${i}]`);
        }
        if (!(this.#mean[i] >= this.#lower[i] && this.#mean[i] <= this.#upper[i])) {
          throw new RangeError(`x0[${i}] = ${this.#mean[i]} is outside the bounds`);
        }
      }
    } else {
      this.#lower = null;
      this.#upper = null;
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(this.#mean[i])) throw new RangeError(`x0[${i}] is not finite`);
    }
    this.#rng = Rng.fromSeed(options.seed ?? seedFromCrypto(), "cmaes");
    this.#sigma = options.sigma0;
    this.#pc = new Float64Array(n);
    this.#ps = new Float64Array(n);
    this.#C = new Float64Array(n * n);
    this.#eigenvectors = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      this.#C[i * n + i] = 1;
      this.#eigenvectors[i * n + i] = 1;
    }
    this.#eigenvalues = new Float64Array(n).fill(1);
  }

  /** Dimension N. */
  get dimension(): number {
    return this.#n;
  }
  /** Population size λ. */
  get popsize(): number {
    return this.params.lambda;
  }
  /** Current step size σ. */
  get sigma(): number {
    return this.#sigma;
  }
  /** Copy of the current distribution mean. */
  get mean(): Float64Array {
    return this.#mean.slice();
  }
  /** Evaluations told so far. */
  get countEval(): number {
    return this.#countEval;
  }
  /** Generations (tell calls) so far. */
  get countIter(): number {
    return this.#countIter;
  }
  /** Condition number of C at the last eigendecomposition. */
  get conditionNumber(): number {
    return this.#conditionNumber;
  }
  /** Best solution told so far (a copy), or null before the first tell. */
  get best(): CMABest | null {
    return this.#best ? { ...this.#best, x: this.#best.x.slice() } : null;
  }
  /** Sorted fitness values of the last generation (copy). */
  get fitvals(): Float64Array {
    return this.#fitvals.slice();
  }
  /** Coordinate-wise standard deviations σ·√C_ii. */
  stds(): Float64Array {
    const n = this.#n;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#sigma * Math.sqrt(this.#C[i * n + i]);
    return out;
  }

  #updateEigensystem(): void {
    const n = this.#n;
    if (this.#countEval <= this.#updatedEval + this.params.lazyGapEvals) return;
    const { values, vectors } = eighSymmetric(this.#C, n);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
    if (!(min > 0)) {
      throw new Error(
        `CMA-ES: smallest eigenvalue of C is ${min} after ${this.#countEval} evaluations ` +
          `(C is no longer positive definite)`,
      );
    }
    this.#eigenvalues = values;
    this.#eigenvectors = vectors;
    this.#conditionNumber = max / min;
    this.#updatedEval = this.#countEval;
  }

  /** Samples λ candidates m + σ·B·D·N(0, I) (clipped into the box when bounds are set). */
  ask(): Float64Array[] {
    this.#updateEigensystem();
    const n = this.#n;
    const lam = this.params.lambda;
    const z = new Float64Array(n);
    const B = this.#eigenvectors;
    const out: Float64Array[] = [];
    for (let k = 0; k < lam; k++) {
      this.#rng.fillNormal(z);
      const x = this.#mean.slice();
      for (let i = 0; i < n; i++) {
        const s = this.#sigma * Math.sqrt(this.#eigenvalues[i]) * z[i];
        const row = i * n;
        for (let j = 0; j < n; j++) x[j] += s * B[row + j];
      }
      if (this.#lower && this.#upper) {
        for (let j = 0; j < n; j++) {
          if (x[j] < this.#lower[j]) x[j] = this.#lower[j];
          else if (x[j] > this.#upper[j]) x[j] = this.#upper[j];
        }
      }
      out.push(x);
    }
    return out;
  }

  /** out = C^{-1/2} y using the current eigensystem (B D^{-1/2} Bᵀ y); returns ‖out‖². */
  #invSqrtTimes(y: Float64Array, out: Float64Array): number {
    const n = this.#n;
    const B = this.#eigenvectors;
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let t = 0;
      for (let j = 0; j < n; j++) t += B[row + j] * y[j];
      t /= Math.sqrt(this.#eigenvalues[i]);
      for (let j = 0; j < n; j++) out[j] += t * B[row + j];
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += out[j] * out[j];
    return s;
  }

  /**
   * Updates mean, evolution paths, C and σ from `solutions` (exactly λ vectors of length N, e.g.
   * from {@link CMAES.ask}) and their `fitness` values (minimised; NaN ranks last).
   */
  tell(solutions: ArrayLike<number>[], fitness: ArrayLike<number>): void {
    const n = this.#n;
    const par = this.params;
    const lam = par.lambda;
    const mu = par.mu;
    if (solutions.length !== lam || fitness.length !== lam) {
      throw new RangeError(
        `tell: expected ${lam} solutions and fitness values, got ${solutions.length} and ${fitness.length}`,
      );
    }
    for (const x of solutions) {
      if (x.length !== n) {
        throw new RangeError(`tell: solution of length ${x.length}, expected ${n}`);
      }
    }
    this.#countEval += lam;
    this.#countIter += 1;
    const order = Array.from({ length: lam }, (_, i) => i);
    const key = (i: number) => (Number.isNaN(fitness[i]) ? Infinity : fitness[i]);
    order.sort((a, b) => {
      const fa = key(a);
      const fb = key(b);
      if (fa < fb) return -1;
      if (fa > fb) return 1;
      return Number.isNaN(fitness[a]) === Number.isNaN(fitness[b])
        ? a - b
        : (Number.isNaN(fitness[a]) ? 1 : -1);
    });
    this.#fitvals = Float64Array.from(order, (i) => fitness[i]);
    const f0 = this.#fitvals[0];
    if (this.#best === null || f0 < this.#best.f || Number.isNaN(this.#best.f)) {
      this.#best = { x: Float64Array.from(solutions[order[0]]), f: f0, evals: this.#countEval };
    }

    // Selected steps dx_k = x_k − m_old (length-bounded when repairing), new mean m_old + Σ w_k dx_k.
    const xold = this.#mean;
    const dx: Float64Array[] = [];
    const tmp = new Float64Array(n);
    const maxLen = Math.sqrt(n) + 2 * n / (n + 2);
    for (let k = 0; k < mu; k++) {
      const x = solutions[order[k]];
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = x[i] - xold[i];
      if (this.#lower) {
        const len = Math.sqrt(this.#invSqrtTimes(d, tmp)) / this.#sigma;
        if (len > maxLen) {
          const s = maxLen / len;
          for (let i = 0; i < n; i++) d[i] *= s;
        }
      }
      dx.push(d);
    }
    const y = new Float64Array(n);
    for (let k = 0; k < mu; k++) {
      const w = par.weights[k];
      const d = dx[k];
      for (let i = 0; i < n; i++) y[i] += w * d[i];
    }
    const mean = new Float64Array(n);
    for (let i = 0; i < n; i++) mean[i] = xold[i] + y[i];
    this.#mean = mean;

    // Cumulation: evolution paths.
    const z = new Float64Array(n);
    this.#invSqrtTimes(y, z);
    const csn = Math.sqrt(par.cs * (2 - par.cs) * par.mueff) / this.#sigma;
    let psSq = 0;
    for (let i = 0; i < n; i++) {
      this.#ps[i] = (1 - par.cs) * this.#ps[i] + csn * z[i];
      psSq += this.#ps[i] * this.#ps[i];
    }
    const ccn = Math.sqrt(par.cc * (2 - par.cc) * par.mueff) / this.#sigma;
    const hsig = psSq / n / (1 - (1 - par.cs) ** (2 * this.#countEval / lam)) < 2 + 4 / (n + 1)
      ? 1
      : 0;
    for (let i = 0; i < n; i++) this.#pc[i] = (1 - par.cc) * this.#pc[i] + ccn * hsig * y[i];

    // Covariance: C ← (1 − c1a − cμ Σw) C + c1 pc pcᵀ + cμ Σ w_k dx_k dx_kᵀ / σ².
    const c1a = par.c1 * (1 - (1 - hsig * hsig) * par.cc * (2 - par.cc));
    let wsum = 0;
    for (let k = 0; k < mu; k++) wsum += par.weights[k];
    const decay = 1 - c1a - par.cmu * wsum;
    const ut = new Float64Array(n * mu); // ut[i*mu + k] = √(w_k cμ)/σ · dx_k[i]
    for (let k = 0; k < mu; k++) {
      const s = Math.sqrt(par.weights[k] * par.cmu) / this.#sigma;
      const d = dx[k];
      for (let i = 0; i < n; i++) ut[i * mu + k] = s * d[i];
    }
    const C = this.#C;
    const pc = this.#pc;
    const c1 = par.c1;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const ui = i * mu;
      const pci = c1 * pc[i];
      for (let j = 0; j <= i; j++) {
        const uj = j * mu;
        let r = 0;
        for (let k = 0; k < mu; k++) r += ut[ui + k] * ut[uj + k];
        const v = decay * C[ri + j] + pci * pc[j] + r;
        C[ri + j] = v;
        C[j * n + i] = v;
      }
    }

    // Step size (purecma's squared-norm CSA rule).
    this.#sigma *= Math.exp(Math.min(1, (par.cs / par.damps) * (psSq / n - 1) / 2));
  }

  /** Termination criteria that currently hold (empty object: keep going). */
  stop(): CMAStop {
    const res: CMAStop = {};
    if (this.#countEval <= 0) return res;
    if (this.#countEval >= this.#maxFevals) res.maxfevals = this.#maxFevals;
    if (this.#countIter >= this.#maxIter) res.maxiter = this.#maxIter;
    if (this.#fTarget !== undefined && this.#fitvals[0] <= this.#fTarget) {
      res.ftarget = this.#fTarget;
    }
    if (this.#conditionNumber > this.#maxCondition) res.conditioncov = this.#conditionNumber;
    const fv = this.#fitvals;
    if (fv.length > 1 && fv[fv.length - 1] - fv[0] < this.#tolFun) res.tolfun = this.#tolFun;
    let maxEig = 0;
    for (const v of this.#eigenvalues) if (v > maxEig) maxEig = v;
    if (this.#sigma * Math.sqrt(maxEig) < this.#tolX) res.tolx = this.#tolX;
    return res;
  }

  /** Exact JSON-serialisable snapshot; take it between `tell` and the next `ask`. */
  state(): CMAState {
    const b = this.#best;
    return {
      format: "secp-fot/cmaes",
      version: 1,
      dimension: this.#n,
      popsize: this.params.lambda,
      lazyGapFactor: this.#lazyGapFactor,
      tolFun: encodeFloat(this.#tolFun),
      tolX: encodeFloat(this.#tolX),
      maxCondition: encodeFloat(this.#maxCondition),
      maxIter: encodeFloat(this.#maxIter),
      maxFevals: encodeFloat(this.#maxFevals),
      fTarget: this.#fTarget === undefined ? null : encodeFloat(this.#fTarget),
      bounds: this.#lower && this.#upper
        ? [f64ToBase64(this.#lower), f64ToBase64(this.#upper)]
        : null,
      mean: f64ToBase64(this.#mean),
      sigma: encodeFloat(this.#sigma),
      pc: f64ToBase64(this.#pc),
      ps: f64ToBase64(this.#ps),
      C: f64ToBase64(this.#C),
      eigenvalues: f64ToBase64(this.#eigenvalues),
      eigenvectors: f64ToBase64(this.#eigenvectors),
      conditionNumber: encodeFloat(this.#conditionNumber),
      updatedEval: this.#updatedEval,
      countEval: this.#countEval,
      countIter: this.#countIter,
      fitvals: f64ToBase64(this.#fitvals),
      best: b ? { x: f64ToBase64(b.x), f: encodeFloat(b.f), evals: b.evals } : null,
      rng: this.#rng.state(),
    };
  }

  /** Rebuilds an optimiser from {@link CMAES.state}; throws `TypeError`/`RangeError` if malformed. */
  static fromState(state: CMAState): CMAES {
    if (state === null || typeof state !== "object" || state.format !== "secp-fot/cmaes") {
      throw new TypeError("CMA-ES state: missing format tag 'secp-fot/cmaes'");
    }
    if (state.version !== 1) throw new TypeError(`CMA-ES state: unknown version ${state.version}`);
    const n = state.dimension;
    if (!Number.isInteger(n) || n < 1) throw new TypeError("CMA-ES state: bad dimension");
    const mean = base64ToF64(state.mean, n);
    const bounds = state.bounds
      ? [base64ToF64(state.bounds[0], n), base64ToF64(state.bounds[1], n)] as [
        Float64Array,
        Float64Array,
      ]
      : undefined;
    const fTarget = state.fTarget === null ? undefined : decodeFloat(state.fTarget);
    const es = new CMAES({
      x0: bounds ? bounds[0] : mean, // any in-bounds point; the mean is overwritten below
      sigma0: 1,
      popsize: state.popsize,
      seed: 0,
      bounds,
      tolFun: decodeFloat(state.tolFun),
      tolX: decodeFloat(state.tolX),
      maxCondition: decodeFloat(state.maxCondition),
      maxIter: decodeFloat(state.maxIter),
      maxFevals: decodeFloat(state.maxFevals),
      fTarget,
      lazyGapFactor: state.lazyGapFactor,
    });
    es.#rng = Rng.fromState(state.rng);
    es.#mean = mean;
    es.#sigma = decodeFloat(state.sigma);
    es.#pc = base64ToF64(state.pc, n);
    es.#ps = base64ToF64(state.ps, n);
    es.#C = base64ToF64(state.C, n * n);
    es.#eigenvalues = base64ToF64(state.eigenvalues, n);
    es.#eigenvectors = base64ToF64(state.eigenvectors, n * n);
    es.#conditionNumber = decodeFloat(state.conditionNumber);
    es.#updatedEval = state.updatedEval;
    es.#countEval = state.countEval;
    es.#countIter = state.countIter;
    es.#fitvals = base64ToF64(state.fitvals);
    es.#best = state.best
      ? { x: base64ToF64(state.best.x, n), f: decodeFloat(state.best.f), evals: state.best.evals }
      : null;
    for (
      const [k, v] of [["updatedEval", es.#updatedEval], ["countEval", es.#countEval]] as const
    ) {
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`CMA-ES state: bad ${k}`);
    }
    return es;
  }
}
