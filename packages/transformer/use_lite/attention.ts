/**
 * Multi-head attention of one sentence in three variants (float64):
 *
 * - `softmax` — the original: `softmax(scale · q·kᵀ) · v` per head.
 * - `normalised` — exact softmax over ℓ2-normalised q and k with a per-head temperature τ:
 *   logits = τ · q̂·k̂.
 * - `rfa` — random feature attention. φ(x) = √(1/D) [sin(Wx), cos(Wx)] with W ∈ R^{D×headDim},
 *   W ~ N(0, σ²) seeded per layer and head; x = √τ·q̂ / √τ·k̂ (`input: "normalised"`, default), or
 *   x = √scale·q / √scale·k (`input: "raw"`). Then `out_i = φ(q_i)ᵀ S / (φ(q_i) · z)` with
 *   `S = Σ_j φ(k_j) v_jᵀ`, `z = Σ_j φ(k_j)` over the sentence's (non-pad) keys.
 *   φ(a)·φ(b) estimates exp(−σ²|a−b|²/2), which for unit-norm inputs is ∝ exp(σ²τ â·b̂).
 *   **Denominator guard:** trig features can make φ(q)·z ≤ 0. Any denominator below
 *   `denominatorFloor` (default 1e-6) is replaced by the floor (the numerator is kept), and
 *   `stats.guardFired` counts it (`stats.nonPositive` counts those that were ≤ 0).
 *
 * Only real tokens are present here (the sentence is unpadded), which equals the graph's −1e9
 * padding bias exactly (exp(−1e9) underflows to 0 in float32).
 *
 * @module
 */
import { gaussianArray, seededRng } from "../common/rng.ts";
import type { UseLiteConfig, UseLiteLayerConfig } from "./config.ts";

/** One temperature for all heads, or `[layer][head]`. */
export type Temperatures = number | readonly (readonly number[])[];

/** Seeded random projections of RFA, shared by the plaintext reference and secure evaluation. */
export interface RfaFeatures {
  /** D, the number of random frequencies (features are 2D: sin and cos). */
  readonly numFeatures: number;
  /** Std σ of the frequencies. */
  readonly sigma: number;
  /** Seed they were drawn from. */
  readonly seed: number | string;
  /** `[layer][head]` matrices, D × headDim row-major. */
  readonly matrices: readonly (readonly Float64Array[])[];
}

/**
 * Which attention a model runs, as a user chooses it (`--attention`): the original `softmax`, or
 * `rfa` (random features). Each layer that implements the choice has its own configuration type:
 * {@link AttentionVariant} (the float64 reference forward), `SecureAttention` (USE-lite's secure
 * protocols), `LayerAttention` (the HF layer under MPC) and `CheckpointAttention` (what an adapted
 * checkpoint stores).
 */
export type AttentionKind = "softmax" | "rfa";

/** Which attention to run. */
export type AttentionVariant =
  | { readonly kind: "softmax" }
  | { readonly kind: "normalised"; readonly tau: Temperatures }
  | {
    readonly kind: "rfa";
    readonly features: RfaFeatures;
    /** "normalised" (default): φ(√τ·q̂), φ(√τ·k̂). "raw": φ(√scale·q), φ(√scale·k). */
    readonly input?: "normalised" | "raw";
    /** Temperatures for `input: "normalised"` (required there). */
    readonly tau?: Temperatures;
    /** Denominator floor (default 1e-6). */
    readonly denominatorFloor?: number;
  };

/** Denominator health of RFA (all zero for the exact variants). */
export interface AttentionStats {
  /** RFA denominators computed (query rows × heads × layers). */
  denominators: number;
  /** Denominators below the floor, replaced by it. */
  guardFired: number;
  /** Of those, the ones that were ≤ 0. */
  nonPositive: number;
}

/** Default RFA denominator floor. */
export const RFA_DENOMINATOR_FLOOR = 1e-6;

/** Fresh zeroed stats. */
export function emptyAttentionStats(): AttentionStats {
  return { denominators: 0, guardFired: 0, nonPositive: 0 };
}

/**
 * Draws RFA frequency matrices W[l][h] ~ N(0, σ²)^{D×headDim} for every layer and head of
 * `config`, from a stream seeded by (seed, layer, head) — equal inputs give equal matrices.
 */
export function makeRfaFeatures(
  config: UseLiteConfig,
  options: { numFeatures: number; seed: number | string; sigma?: number },
): RfaFeatures {
  const { numFeatures, seed } = options;
  const sigma = options.sigma ?? 1;
  if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
    throw new RangeError(
      `makeRfaFeatures: numFeatures must be a positive integer, got ${numFeatures}`,
    );
  }
  const matrices = config.layers.map((layer, l) =>
    Array.from({ length: layer.heads }, (_, h) => {
      const rng = seededRng(`rfa:${seed}:${l}:${h}`);
      return gaussianArray(rng, numFeatures * layer.headDim, sigma);
    })
  );
  return { numFeatures, sigma, seed, matrices };
}

/** τ for (layer, head). */
export function temperatureAt(tau: Temperatures, layer: number, head: number): number {
  if (typeof tau === "number") return tau;
  const t = tau[layer]?.[head];
  if (t === undefined) throw new RangeError(`no temperature for layer ${layer} head ${head}`);
  return t;
}

/** Inputs of {@link attendSentence}. */
export interface SentenceAttention {
  /** Packed q|k|v rows of the whole batch, [N × 3A]. */
  readonly qkv: Float64Array;
  /** First row of this sentence. */
  readonly row0: number;
  /** Tokens in this sentence. */
  readonly n: number;
  /** Layer index (for temperatures and RFA matrices). */
  readonly layer: number;
  /** Layer shape. */
  readonly config: UseLiteLayerConfig;
  /** Variant. */
  readonly variant: AttentionVariant;
  /** Output rows of the whole batch, [N × A]; this sentence's rows are overwritten. */
  readonly out: Float64Array;
  /** Stats accumulator. */
  readonly stats: AttentionStats;
  /** If given, `|q|` per [token × head] (unscaled) is written here. */
  readonly qNorm?: Float64Array;
  /** If given, `|k|` per [token × head] is written here. */
  readonly kNorm?: Float64Array;
}

/** Computes all heads of one sentence's attention into `job.out`. */
export function attendSentence(job: SentenceAttention): void {
  const { qkv, row0, n, config, variant, out } = job;
  const d = config.headDim;
  const A = config.heads * d;
  const stride = 3 * A;
  const qn = new Float64Array(n);
  const kn = new Float64Array(n);
  const logits = new Float64Array(n);
  for (let h = 0; h < config.heads; h++) {
    const qOff = h * d, kOff = A + h * d, vOff = 2 * A + h * d;
    for (let i = 0; i < n; i++) {
      const r = (row0 + i) * stride;
      let sq = 0, sk = 0;
      for (let c = 0; c < d; c++) {
        const a = qkv[r + qOff + c], b = qkv[r + kOff + c];
        sq += a * a;
        sk += b * b;
      }
      qn[i] = Math.sqrt(sq);
      kn[i] = Math.sqrt(sk);
      if (job.qNorm) job.qNorm[i * config.heads + h] = qn[i];
      if (job.kNorm) job.kNorm[i * config.heads + h] = kn[i];
    }
    if (variant.kind === "rfa") {
      rfaHead(job, h, qn, kn);
      continue;
    }
    const normalised = variant.kind === "normalised";
    const tau = normalised ? temperatureAt(variant.tau, job.layer, h) : 0;
    for (let i = 0; i < n; i++) {
      const qr = (row0 + i) * stride + qOff;
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        const kr = (row0 + j) * stride + kOff;
        let s = 0;
        for (let c = 0; c < d; c++) s += qkv[qr + c] * qkv[kr + c];
        if (normalised) {
          const den = qn[i] * kn[j];
          s = den > 0 ? (tau * s) / den : 0;
        } else s *= config.scale;
        logits[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        logits[j] = Math.exp(logits[j] - max);
        sum += logits[j];
      }
      const o = (row0 + i) * A + h * d;
      out.fill(0, o, o + d);
      for (let j = 0; j < n; j++) {
        const p = logits[j] / sum;
        const vr = (row0 + j) * stride + vOff;
        for (let c = 0; c < d; c++) out[o + c] += p * qkv[vr + c];
      }
    }
  }
}

/** RFA for head h of one sentence (see module doc). */
function rfaHead(job: SentenceAttention, h: number, qn: Float64Array, kn: Float64Array): void {
  const { qkv, row0, n, config, out, stats } = job;
  const variant = job.variant as Extract<AttentionVariant, { kind: "rfa" }>;
  const d = config.headDim;
  const A = config.heads * d;
  const stride = 3 * A;
  const D = variant.features.numFeatures;
  const W = variant.features.matrices[job.layer]?.[h];
  if (W === undefined || W.length !== D * d) {
    throw new RangeError(`RFA features have no ${D}×${d} matrix for layer ${job.layer} head ${h}`);
  }
  const raw = variant.input === "raw";
  let scaleFor: (norm: number) => number;
  if (raw) {
    const s = Math.sqrt(config.scale);
    scaleFor = () => s;
  } else {
    if (variant.tau === undefined) throw new RangeError("RFA with normalised input needs tau");
    const s = Math.sqrt(temperatureAt(variant.tau, job.layer, h));
    scaleFor = (norm) => (norm > 0 ? s / norm : 0);
  }
  const floor = variant.denominatorFloor ?? RFA_DENOMINATOR_FLOOR;
  const F = 2 * D;
  const norm = 1 / Math.sqrt(D);
  const phi = new Float64Array(F);
  const z = new Float64Array(F);
  const S = new Float64Array(F * d); // Σ_j φ(k_j) v_jᵀ, row f = feature
  const features = (rowOffset: number, factor: number) => {
    for (let f = 0; f < D; f++) {
      let p = 0;
      const wo = f * d;
      for (let c = 0; c < d; c++) p += W[wo + c] * qkv[rowOffset + c];
      p *= factor;
      phi[f] = Math.sin(p) * norm;
      phi[D + f] = Math.cos(p) * norm;
    }
  };
  for (let j = 0; j < n; j++) {
    const r = (row0 + j) * stride;
    features(r + A + h * d, scaleFor(kn[j]));
    const vr = r + 2 * A + h * d;
    for (let f = 0; f < F; f++) {
      const p = phi[f];
      z[f] += p;
      const so = f * d;
      for (let c = 0; c < d; c++) S[so + c] += p * qkv[vr + c];
    }
  }
  for (let i = 0; i < n; i++) {
    features((row0 + i) * stride + h * d, scaleFor(qn[i]));
    let den = 0;
    for (let f = 0; f < F; f++) den += phi[f] * z[f];
    stats.denominators++;
    if (den < floor) {
      stats.guardFired++;
      if (den <= 0) stats.nonPositive++;
      den = floor;
    }
    const o = (row0 + i) * A + h * d;
    out.fill(0, o, o + d);
    for (let f = 0; f < F; f++) {
      const p = phi[f] / den;
      const so = f * d;
      for (let c = 0; c < d; c++) out[o + c] += p * S[so + c];
    }
  }
}
