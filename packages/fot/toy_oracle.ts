/**
 * A tiny deterministic stand-in for the model, for tests and examples: texts and label texts are
 * hashed bag-of-words vectors x_t, u_c ∈ ℝ^{L·E} (unit norm), and the logits are
 *
 *   logit(p, t, c) = x_t · u_c + scale · Σ_i x_t[i] · p[i] · W[c, i]
 *
 * with W a fixed ±1 matrix from the seed: the prompt re-weights word features per class, so a good
 * prompt can separate classes whose words differ. No secrecy, no real model.
 *
 * @module
 */

import type { FitnessOracle, OracleBatch, OracleResult, PreparedBatch } from "./oracle.ts";
import { Rng, type Seed } from "./rng.ts";

/** Options of {@link ToyOracle}. */
export interface ToyOracleOptions {
  /** Prompt tokens L. */
  promptLength: number;
  /** Embedding width E. */
  embedDim: number;
  /** Seed of the class matrix W (default 0). */
  seed?: Seed;
  /** Weight of the prompt term (default 1). */
  scale?: number;
}

/** A prepared toy batch: cached text and label-text features. */
export interface ToyBatch extends PreparedBatch {
  /** Text features, T × (L·E). */
  readonly features: Float64Array[];
  /** Label-text features, C × (L·E). */
  readonly labelFeatures: Float64Array[];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Hashed, L2-normalised bag-of-words vector of `text` in ℝ^dim (words: lower-case [a-z0-9']+). */
export function hashedBagOfWords(text: string, dim: number): Float64Array {
  const v = new Float64Array(dim);
  for (const w of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
    const h = fnv1a(w);
    v[h % dim] += (h >>> 31) === 1 ? 1 : -1;
  }
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < dim; i++) v[i] *= inv;
  }
  return v;
}

/** Deterministic toy {@link FitnessOracle}; counts its calls for tests. */
export class ToyOracle implements FitnessOracle<ToyBatch> {
  /** Prompt tokens L. */
  readonly promptLength: number;
  /** Embedding width E. */
  readonly embedDim: number;
  /** Number of `evaluate` calls so far. */
  calls = 0;
  /** Number of `prepare` calls so far. */
  prepares = 0;
  readonly #scale: number;
  readonly #rng: Rng;
  readonly #classSigns: Float64Array[] = [];

  /** New toy oracle. */
  constructor(options: ToyOracleOptions) {
    this.promptLength = options.promptLength;
    this.embedDim = options.embedDim;
    this.#scale = options.scale ?? 1;
    this.#rng = Rng.fromSeed(options.seed ?? 0, "toy-oracle");
  }

  #signs(c: number): Float64Array {
    const D = this.promptLength * this.embedDim;
    while (this.#classSigns.length <= c) {
      const w = new Float64Array(D);
      for (let i = 0; i < D; i++) w[i] = (this.#rng.nextUint32() & 1) ? 1 : -1;
      this.#classSigns.push(w);
    }
    return this.#classSigns[c];
  }

  /** Caches the hashed features of the batch texts and label texts. */
  prepare(batch: OracleBatch): Promise<ToyBatch> {
    this.prepares++;
    const D = this.promptLength * this.embedDim;
    return Promise.resolve({
      size: batch.texts.length,
      numClasses: batch.labelTexts.length,
      features: batch.texts.map((t) => hashedBagOfWords(t, D)),
      labelFeatures: batch.labelTexts.map((t) => hashedBagOfWords(t, D)),
    });
  }

  /** Logits P×T×C; reports a nominal cost (8 bytes per logit, one round). */
  evaluate(prompts: Float64Array[], batch: ToyBatch): Promise<OracleResult> {
    this.calls++;
    const D = this.promptLength * this.embedDim;
    const P = prompts.length;
    const T = batch.size;
    const C = batch.numClasses;
    const logits = new Float64Array(P * T * C);
    for (let p = 0; p < P; p++) {
      const prompt = prompts[p];
      if (prompt.length !== D) {
        return Promise.reject(new RangeError(`prompt has length ${prompt.length}, expected ${D}`));
      }
      for (let t = 0; t < T; t++) {
        const x = batch.features[t];
        for (let c = 0; c < C; c++) {
          const u = batch.labelFeatures[c];
          const w = this.#signs(c);
          let base = 0;
          let tuned = 0;
          for (let i = 0; i < D; i++) {
            base += x[i] * u[i];
            tuned += x[i] * prompt[i] * w[i];
          }
          logits[(p * T + t) * C + c] = base + this.#scale * tuned;
        }
      }
    }
    return Promise.resolve({ logits, cost: { bytesSent: logits.length * 8, rounds: 1 } });
  }
}
