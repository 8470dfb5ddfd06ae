/**
 * BBT-style random projection from the intrinsic space z ∈ ℝ^d to a soft prompt p = A z + p₀ with
 * p ∈ ℝ^{L·E} (L prompt tokens of embedding width E, row-major). A is drawn once from N(0, std²)
 * (or, as BBT's first code, a uniform distribution of the same std) with a ChaCha20 stream keyed by the data owner's seed, so the data owner can rebuild it from the
 * seed alone; it never leaves the data owner.
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "./codec.ts";
import { Rng, type Seed } from "./rng.ts";

/** Options of {@link RandomProjection}. */
export interface ProjectionOptions {
  /** Number of prompt tokens L. */
  promptLength: number;
  /** Embedding width E of the model. */
  embedDim: number;
  /** Intrinsic dimension d (default 500, as BBT). */
  intrinsicDim?: number;
  /** Seed held by the data owner (hashed with the label "projection"). */
  seed: Seed;
  /** Standard deviation σ̂ of the model's token-embedding table (for the BBT std rule). */
  embeddingStd?: number;
  /** BBT scale α (default 1). */
  alpha?: number;
  /** CMA-ES initial step size σ the std rule assumes (default 1). */
  sigma?: number;
  /** Explicit entry std of A; overrides the α·σ̂/(√d·σ) rule. */
  std?: number;
  /** Offset p₀ of length L·E (default zero: BBT's "add" mode on placeholder tokens). */
  init?: ArrayLike<number>;
  /** Label of A's random stream under `seed` (default "projection"; a deep prompt's layers differ). */
  label?: string;
  /**
   * Distribution of A's entries, both with mean 0 and the std above: "normal" (default; BBTv2's
   * rule) or "uniform" on [−√3·std, √3·std] (BBT's first code drew A uniformly).
   */
  distribution?: ProjectionDistribution;
}

/** Distribution of the projection's entries. */
export type ProjectionDistribution = "normal" | "uniform";

/** Every {@link ProjectionDistribution}. */
export const PROJECTION_DISTRIBUTIONS: readonly ProjectionDistribution[] = ["normal", "uniform"];

/**
 * What the tuning loop needs of a projection z ↦ prompt: {@link RandomProjection} (a shallow
 * prompt, L·E) or `DeepProjection` (a prompt at every layer).
 */
export interface PromptProjection {
  /** Prompt tokens L. */
  readonly promptLength: number;
  /** Embedding width E (the width of layer 0's rows). */
  readonly embedDim: number;
  /** Intrinsic dimension d (the length of z). */
  readonly intrinsicDim: number;
  /** Length of a projected prompt. */
  readonly outputDim: number;
  /** The prompt of one z. */
  apply(z: ArrayLike<number>): Float64Array;
  /** The prompts of a population. */
  applyBatch(zs: ArrayLike<number>[]): Float64Array[];
  /** Identifies the projection in checkpoints (never the seed). */
  fingerprint(): string;
}

/** BBT(v2) std of the projection entries: α·σ̂_emb / (√d · σ). */
export function bbtProjectionStd(
  embeddingStd: number,
  intrinsicDim: number,
  alpha = 1,
  sigma = 1,
): number {
  return alpha * embeddingStd / (Math.sqrt(intrinsicDim) * sigma);
}

/** A fixed random linear map z ↦ A z + p₀ (A stored as float32, applied in float64). */
export class RandomProjection implements PromptProjection {
  /** Prompt tokens L. */
  readonly promptLength: number;
  /** Embedding width E. */
  readonly embedDim: number;
  /** Intrinsic dimension d. */
  readonly intrinsicDim: number;
  /** Output size L·E. */
  readonly outputDim: number;
  /** Entry standard deviation of A. */
  readonly std: number;
  /** A, row-major (L·E)×d: entry (r, j) at `matrix[r * d + j]`. */
  readonly matrix: Float32Array;
  /** Offset p₀ (zeros unless given). */
  readonly init: Float64Array;
  #fingerprint: string | undefined;

  /** Draws A from the seed; throws `RangeError` on bad sizes or a missing std. */
  constructor(options: ProjectionOptions) {
    const { promptLength, embedDim } = options;
    const d = options.intrinsicDim ?? 500;
    for (
      const [k, v] of [["promptLength", promptLength], ["embedDim", embedDim], ["intrinsicDim", d]]
    ) {
      if (!Number.isInteger(v) || (v as number) < 1) {
        throw new RangeError(`${k} must be a positive integer, got ${v}`);
      }
    }
    let std = options.std;
    if (std === undefined) {
      if (options.embeddingStd === undefined) {
        throw new RangeError(
          "projection: give either std or embeddingStd (σ̂ of the embedding table)",
        );
      }
      std = bbtProjectionStd(options.embeddingStd, d, options.alpha ?? 1, options.sigma ?? 1);
    }
    if (!(std > 0) || !Number.isFinite(std)) throw new RangeError(`projection std must be > 0`);
    this.promptLength = promptLength;
    this.embedDim = embedDim;
    this.intrinsicDim = d;
    this.outputDim = promptLength * embedDim;
    this.std = std;
    this.matrix = new Float32Array(this.outputDim * d);
    const rng = Rng.fromSeed(options.seed, options.label ?? "projection");
    const distribution = options.distribution ?? "normal";
    if (distribution === "normal") rng.fillNormal(this.matrix, std);
    else if (distribution === "uniform") {
      const h = Math.sqrt(3) * std; // U(−h, h) has std h/√3
      for (let i = 0; i < this.matrix.length; i++) this.matrix[i] = (2 * rng.uniform() - 1) * h;
    } else throw new RangeError(`projection distribution must be normal or uniform`);
    this.init = new Float64Array(this.outputDim);
    if (options.init !== undefined) {
      if (options.init.length !== this.outputDim) {
        throw new RangeError(`init has length ${options.init.length}, expected ${this.outputDim}`);
      }
      for (let i = 0; i < this.outputDim; i++) this.init[i] = options.init[i];
    }
  }

  /** p = A z + p₀ for one z of length d. */
  apply(z: ArrayLike<number>): Float64Array {
    return this.applyBatch([z])[0];
  }

  /** Projects a population: one prompt (length L·E) per z, A streamed once for all of them. */
  applyBatch(zs: ArrayLike<number>[]): Float64Array[] {
    const d = this.intrinsicDim;
    const D = this.outputDim;
    const P = zs.length;
    const zf = new Float64Array(P * d);
    zs.forEach((z, p) => {
      if (z.length !== d) throw new RangeError(`z has length ${z.length}, expected ${d}`);
      for (let j = 0; j < d; j++) zf[p * d + j] = z[j];
    });
    const out = Array.from({ length: P }, () => new Float64Array(D));
    const A = this.matrix;
    const p0 = this.init;
    for (let r = 0; r < D; r++) {
      const row = r * d;
      let p = 0;
      for (; p + 3 < P; p += 4) { // four candidates per pass over the row of A
        const o0 = p * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let j = 0; j < d; j++) {
          const a = A[row + j];
          s0 += a * zf[o0 + j];
          s1 += a * zf[o1 + j];
          s2 += a * zf[o2 + j];
          s3 += a * zf[o3 + j];
        }
        out[p][r] = s0 + p0[r];
        out[p + 1][r] = s1 + p0[r];
        out[p + 2][r] = s2 + p0[r];
        out[p + 3][r] = s3 + p0[r];
      }
      for (; p < P; p++) {
        const o = p * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += A[row + j] * zf[o + j];
        out[p][r] = s + p0[r];
      }
    }
    return out;
  }

  /** SHA-256 (hex) of the sizes, A and p₀: identifies the projection in checkpoints without the seed. */
  fingerprint(): string {
    if (this.#fingerprint === undefined) {
      const head = new TextEncoder().encode(
        `secp-fot/projection/v1:${this.promptLength}:${this.embedDim}:${this.intrinsicDim}:`,
      );
      const a = new Uint8Array(this.matrix.buffer, this.matrix.byteOffset, this.matrix.byteLength);
      const b = new Uint8Array(this.init.buffer, this.init.byteOffset, this.init.byteLength);
      this.#fingerprint = bytesToHex(sha256.create().update(head).update(a).update(b).digest());
    }
    return this.#fingerprint;
  }
}
