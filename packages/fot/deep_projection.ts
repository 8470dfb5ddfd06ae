/**
 * BBTv2-style deep prompts: a soft prompt at the input of every layer, each layer's rows from its
 * own random projection of its own part of z. z ∈ ℝ^d is split into K consecutive parts (one per
 * layer, sizes differing by at most one) and CMA-ES optimises all of them **jointly**: the tuning
 * loop, its checkpoints, resume and final selection stay exactly those of a shallow prompt, the
 * CMA-ES dimension (and so its per-generation cost) stays d, and with the few generations this
 * machine affords every layer's part moves in every generation (BBTv2's divide-and-conquer would
 * give each of K layers 1/K of the generations, each restarting the adaptation of its search
 * distribution).
 *
 * Layer 0's rows are `A₀ z₀ + p₀` (p₀: the shallow initial prompt); a later layer's rows are
 * `A_l z_l` (they replace hidden states the data owner never sees, so they start at zero). Every
 * A_l is drawn from N(0, std_l²) with BBT's rule std_l = α·σ̂/(√d_l·σ) from the same σ̂ (the token
 * embedding std: under MPC the data owner does not see the hidden states BBTv2 scales by), each
 * from its own ChaCha20 stream under the data owner's seed. The output is layer-major: layer 0's
 * L×W₀ rows, then layer 1's L×W₁, … (the `FitnessOracle.promptWidths` layout).
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "./codec.ts";
import {
  type ProjectionDistribution,
  type PromptProjection,
  RandomProjection,
} from "./projection.ts";
import type { Seed } from "./rng.ts";

/** Options of {@link DeepProjection}. */
export interface DeepProjectionOptions {
  /** Prompt tokens L (at every layer). */
  promptLength: number;
  /** Width of each layer's prompt rows, layer 0 (the embedding width E) first; at least 2. */
  layerWidths: readonly number[];
  /** Total intrinsic dimension d, split over the layers (default 500). */
  intrinsicDim?: number;
  /** Seed held by the data owner. */
  seed: Seed;
  /** σ̂ of the model's token-embedding table (BBT's std rule, every layer). */
  embeddingStd: number;
  /** BBT scale α (default 1). */
  alpha?: number;
  /** Layer 0's offset p₀ (L·E; default zero). */
  init?: ArrayLike<number>;
  /** Distribution of every layer's A (default "normal"). */
  distribution?: ProjectionDistribution;
}

/** Sizes of the K parts of d: ⌈d/K⌉ for the first d mod K layers, ⌊d/K⌋ after. */
export function splitIntrinsicDim(d: number, K: number): number[] {
  return Array.from({ length: K }, (_, l) => Math.floor(d / K) + (l < d % K ? 1 : 0));
}

/** z ↦ one prompt per layer, layer-major (see the module doc). */
export class DeepProjection implements PromptProjection {
  /** Prompt tokens L. */
  readonly promptLength: number;
  /** Layer 0's width E. */
  readonly embedDim: number;
  /** Total intrinsic dimension d. */
  readonly intrinsicDim: number;
  /** L·ΣW. */
  readonly outputDim: number;
  /** Each layer's row width. */
  readonly layerWidths: readonly number[];
  /** Each layer's projection of its part of z. */
  readonly layers: readonly RandomProjection[];
  #fingerprint: string | undefined;

  /** Draws every layer's A from the seed; throws `RangeError` on bad sizes. */
  constructor(o: DeepProjectionOptions) {
    const K = o.layerWidths.length;
    const d = o.intrinsicDim ?? 500;
    if (K < 2) throw new RangeError(`deep prompt: needs ≥ 2 layers, got ${K}`);
    if (!Number.isInteger(d) || d < K) {
      throw new RangeError(`deep prompt: intrinsicDim ${d} must be an integer ≥ the ${K} layers`);
    }
    const parts = splitIntrinsicDim(d, K);
    this.promptLength = o.promptLength;
    this.embedDim = o.layerWidths[0];
    this.intrinsicDim = d;
    this.layerWidths = [...o.layerWidths];
    this.layers = o.layerWidths.map((w, l) =>
      new RandomProjection({
        promptLength: o.promptLength,
        embedDim: w,
        intrinsicDim: parts[l],
        seed: o.seed,
        embeddingStd: o.embeddingStd,
        alpha: o.alpha,
        distribution: o.distribution,
        ...(l === 0 ? { init: o.init } : { label: `projection/layer${l}` }),
      })
    );
    this.outputDim = this.layers.reduce((a, p) => a + p.outputDim, 0);
  }

  /** The deep prompt of one z. */
  apply(z: ArrayLike<number>): Float64Array {
    return this.applyBatch([z])[0];
  }

  /** The deep prompts of a population. */
  applyBatch(zs: ArrayLike<number>[]): Float64Array[] {
    const d = this.intrinsicDim;
    zs.forEach((z) => {
      if (z.length !== d) throw new RangeError(`z has length ${z.length}, expected ${d}`);
    });
    const out = zs.map(() => new Float64Array(this.outputDim));
    let zOff = 0, pOff = 0;
    for (const p of this.layers) {
      const part = zs.map((z) => Array.prototype.slice.call(z, zOff, zOff + p.intrinsicDim));
      p.applyBatch(part).forEach((rows, i) => out[i].set(rows, pOff));
      zOff += p.intrinsicDim;
      pOff += p.outputDim;
    }
    return out;
  }

  /** SHA-256 (hex) over every layer's fingerprint. */
  fingerprint(): string {
    if (this.#fingerprint === undefined) {
      const h = sha256.create().update(new TextEncoder().encode("secp-fot/deep-projection/v1:"));
      for (const p of this.layers) h.update(new TextEncoder().encode(`${p.fingerprint()}:`));
      this.#fingerprint = bytesToHex(h.digest());
    }
    return this.#fingerprint;
  }
}
