/**
 * Random feature attention (Peng et al., "Random Feature Attention", ICLR 2021) under MPC, as in
 * SecP-Tuning (Luo et al., arXiv 2506.15307, §4): the only non-linear steps are the trig features,
 * computed by {@link cosSin} (Π_cos), and one reciprocal per (query, head).
 *
 *   φ(x) = √(1/D)·[sin(w₁·x), …, sin(w_D·x), cos(w₁·x), …, cos(w_D·x)],  w_i ~ N(0, σ⁻²·I_d)
 *   so that E[φ(x)·φ(y)] = exp(−‖x − y‖²/(2σ²)) (σ = kernel bandwidth; RFA writes N(0, σ²)
 *   loosely, the two agree at σ = 1). The weights are public, drawn per head from a seed.
 *
 *   out_t = φ(q_t)ᵀ·Σ_i φ(k_i)·v_iᵀ / (φ(q_t)·Σ_j φ(k_j))   (bidirectional, for encoders)
 *
 * Under MPC: u = x·Wᵀ/(2π) by one public matmul (q and k batched: one truncation), produced with
 * f + 8 fractional bits for free by scaling the public W (the phase resolution becomes 2^−24), then
 * Π_cos on u with 1/√D folded into its public factors (its trig tuples can be drawn ahead of time
 * by {@link rfaPreprocess}); the denominator rides along as an extra all-ones column of V, so
 * [numerator | denominator] = φ(q)·(φ(k)ᵀ·[V | 1]) is two secure matmuls. With exact truncation
 * (plain, `exact` on 2PC and 3PC) Π_cos leaves φ unrescaled (2f fractional bits) and each matmul
 * truncates by 2f instead of f: one truncation round and 4·B·H·S·D truncated elements fewer.
 *
 * Options: D features, σ, ℓ2-normalised q/k with a temperature τ (x̂ = √τ·x/‖x‖, one rsqrt per
 * token; the kernel becomes ∝ exp(τ·q̂·k̂/σ²)), a public key padding mask (padded keys' features
 * are multiplied by 0 — no −1e9 bias anywhere), and the variant that multiplies each key's
 * features by exp(‖k‖²/(2σ²) − c) (one exp per key; with the query factor, which cancels, the
 * product estimates exp(q·k/σ²)); c is a public shift keeping the exp argument in [−2^n, 0] — any
 * common factor cancels between numerator and denominator.
 *
 * Denominator guard: trig features make φ(q)·Σφ(k) an unbiased but noisy estimate that can be
 * tiny or negative. It is clamped to ε (default 1/16) by max(den, ε) = den − (den − ε)·[den < ε]
 * (one ltz per (query, head)), and the reciprocal is computed on [ε, S]. How often the guard
 * fires is reported only by the plain backend and the float64 reference (`stats`): counting it
 * under MPC would reveal it.
 *
 * @module
 */
import { FloatTensor, RingTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { constLike, type DebugOptions, mulConst, type ProtocolSpec } from "./common.ts";
import { clip, clipPlan } from "./compare.ts";
import {
  type CosOptions,
  cosPlan,
  cosPreprocess,
  cosSin,
  type CosTuples,
  type CosVariant,
} from "./cos.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { exp, EXP_DEFAULT_ITERS, expPlan } from "./exp.ts";
import { reciprocal, type ReciprocalOptions, reciprocalPlan } from "./reciprocal.ts";
import { l2Normalize, l2NormalizePlan } from "./l2norm.ts";
import type { RsqrtOptions } from "./rsqrt.ts";
import { attnShape, maskAt } from "./softmax.ts";

/** Guard statistics (filled by the plain backend and the float64 reference only). */
export interface RfaStats {
  /** Number of (batch, head, query) rows. */
  rows: number;
  /** Rows whose denominator was below ε and got clamped. */
  guardFired: number;
  /** Smallest denominator seen. */
  minDen: number;
}

/** Options of {@link rfaAttention}. */
export interface RfaOptions extends DebugOptions {
  /** Number of random features D (default: the head dimension d). */
  features?: number;
  /** Kernel bandwidth σ (default 1). */
  sigma?: number;
  /** Seed of the public random features (default 0). */
  seed?: number;
  /** Explicit public features W [H, D, d] (overrides `seed`, `sigma`, `features`). */
  weights?: FloatTensor;
  /** Π_cos variant (default `exact`). */
  variant?: CosVariant;
  /** Further Π_cos options (`wideBits`, `iters`). */
  cos?: Omit<CosOptions, "variant" | "scale" | "phaseBits">;
  /**
   * Extra phase bits: u = x·Wᵀ/(2π) is produced with f + this many fractional bits by the public
   * projection (free) and Π_cos opens that many bits (default 8: 3 bytes per feature at f = 16;
   * the phase error drops from 2π·2^−16 to 2π·2^−24).
   */
  phaseExtraBits?: number;
  /** ℓ2-normalise q and k and scale by √τ (RFA's usual setting). */
  normalize?: { temperature: number; rsqrt?: RsqrtOptions };
  /** Multiply each key's features by exp(‖k‖²/(2σ²) − shift) (clipped to [−2^n, 0]). */
  keyNormExp?: { shift: number; expIters?: number };
  /** Public key padding mask, 1 = attend, 0 = padding: [B, S] or [S]. */
  mask?: FloatTensor;
  /** Denominator floor ε (default 1/16). */
  denFloor?: number;
  /** Reciprocal options (default: Newton on [ε, S]). */
  reciprocal?: ReciprocalOptions;
  /** Guard statistics, filled on the plain backend only. */
  stats?: RfaStats;
  /** Trig tuples generated ahead of time by {@link rfaPreprocess} (offline material). */
  tuples?: CosTuples;
}

/** Default extra phase bits of the features. */
export const RFA_PHASE_EXTRA_BITS = 8;

/** Default denominator floor. */
export const RFA_DEN_FLOOR = 1 / 16;

/**
 * Per-row error bound of {@link rfaAttention} against the float64 RFA with the same features:
 *
 *   |Δout| ≤ RFA_ERR_FLOOR + RFA_ERR_SLOPE · (‖v‖∞ + ‖out‖∞) / den
 *
 * Derivation (first order): the protocol computes (n + Δn)·r with r = (1 + ρ)/(den + Δd), so
 * Δout ≈ (Δn − out·Δd)/den + out·ρ. Δn and Δd are sums over the 2D features of the features'
 * fixed-point errors (Π_cos: phase resolution 2π·2^−24, tuples and outputs at 2^−2f, each feature
 * scaled by 1/√D) times the key sums Σφ(k)·[v | 1] and φ(q) — the same sums for both, v-weighted
 * in n — so |Δn| ≤ η·‖v‖∞ and |Δd| ≤ η with one η for the row: the slope term. The reciprocal's
 * error on [ε, S] (≤ 4e−5 absolute, so out·ρ ≤ ‖out‖∞·den·4e−5) and the output truncations give
 * a floor independent of den. The form is derived; the constants are calibrated, not proven: at
 * BERT-base and USE-lite shapes (S = 128, d = 64 and 128, D = 128, raw and ℓ2-normalised q/k;
 * `test/rfa_bound_test.ts`), on the d = 8, D = 16 contract grid and on the README benchmark's
 * D = 64 data, no row's error exceeds 0.75 of this bound on any backend; at the adapted USE-lite
 * checkpoint's real q/k/v (both layers, 6 sentences, `@secp/transformer`'s
 * `test/rfa_real_qk_test.ts`) no row exceeds 0.34 of it. So the error is small
 * where the RFA output means something (den ≫ ε: ≤ 1.2e−4 measured), and grows as 1/den where
 * the trig estimate of the kernel is noise (unnormalised random q/k at BERT-base scale: den ≈
 * 0.25 and ‖out‖∞ ≈ 6 for ‖v‖∞ = 1, error up to 6.4e−3).
 */
export function rfaRowErrorBound(den: number, vMax: number, outMax: number): number {
  return RFA_ERR_FLOOR + RFA_ERR_SLOPE * (vMax + outMax) / den;
}

/** Floor of {@link rfaRowErrorBound}. */
export const RFA_ERR_FLOOR = 2e-4;
/** Slope η of {@link rfaRowErrorBound}. */
export const RFA_ERR_SLOPE = 4e-4;

/** Specification of {@link rfaAttention} (error against the float64 RFA reference, same W). */
export const rfaSpec: ProtocolSpec = {
  name: "rfa",
  method: "RFA (Peng et al. 2021) with trig features by Π_cos (SecP-Tuning), denominator as an " +
    "extra V column, ltz guard, Newton reciprocal",
  domain: {
    lo: -8,
    hi: 8,
    note: "q, k entries with |x·w|/(2π) representable and V entries |v| ≤ 8, rows whose exact " +
      "RFA denominator den is ≥ 4ε and (‖v‖∞ + ‖out‖∞)/den ≤ 12 (there rfaRowErrorBound ≤ 5e−3; " +
      "outside, the per-row rfaRowErrorBound is the contract); error relative to the float64 RFA " +
      "with the same features",
  },
  error: {
    maxAbs: 5e-3,
    measuredAbs: 2.8e-3,
    grid: "[B=2, H=3, S=16, d=8], D = 16, ℓ2-normalised q/k with τ = 2, q, k uniform in ±3, v in " +
      "±2, 5 padded keys in batch 1; rows with reference denominator ≥ 4ε (93 of 96; the guard " +
      "fires on 2); the per-row bound at BERT-base and USE-lite shapes: rfa_bound_test.ts",
  },
};

/** Mulberry32: a small public PRNG (the features are public; not for secrets). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const weightCache = new Map<string, FloatTensor>();

/** Public random features W [H, D, d], entries N(0, 1/σ²), from `seed` (Box–Muller). */
export function rfaWeights(H: number, D: number, d: number, sigma = 1, seed = 0): FloatTensor {
  const key = `${H},${D},${d},${sigma},${seed}`;
  const hit = weightCache.get(key);
  if (hit) return hit;
  if (weightCache.size > 64) weightCache.clear();
  const w = drawWeights(H, D, d, sigma, seed);
  weightCache.set(key, w);
  return w;
}

function drawWeights(H: number, D: number, d: number, sigma: number, seed: number): FloatTensor {
  const rnd = mulberry32(seed * 0x9e3779b1 + 12345);
  const out = new Float64Array(H * D * d);
  for (let i = 0; i < out.length; i += 2) {
    const u1 = Math.max(rnd(), 2 ** -32), u2 = rnd();
    const r = Math.sqrt(-2 * Math.log(u1)) / sigma;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return new FloatTensor(out, [H, D, d]);
}

function resolve(shape: readonly number[], opts: RfaOptions) {
  const [, H, S, d] = shape;
  const sigma = opts.sigma ?? 1;
  const W = opts.weights ?? rfaWeights(H, opts.features ?? d, d, sigma, opts.seed ?? 0);
  if (W.shape.length !== 3 || W.shape[0] !== H || W.shape[2] !== d) {
    throw new RangeError(`rfa: weights [${W.shape}] must be [H=${H}, D, d=${d}]`);
  }
  const D = W.shape[1];
  const eps = opts.denFloor ?? RFA_DEN_FLOOR;
  const recip: ReciprocalOptions = opts.reciprocal ?? { domain: [eps, Math.max(S, 2 * eps)] };
  return { W, D, sigma, eps, recip };
}

/**
 * u = x·Wᵀ·scale/(2π) per head for x of [B, H, S, d]: one public product per head over all B·S
 * rows ([H, B·S, d] @ [H, d, D]), so W is encoded once, not once per batch entry.
 */
async function project(be: SecretBackend, x: Shared, W: FloatTensor, scale: number) {
  const [B, H, S, d] = x.shape, D = W.shape[1];
  const t = W.transpose([0, 2, 1]).mul(scale / (2 * Math.PI)); // [H, d, D]
  const rows = H === 1 ? be.reshape(x, [1, B * S, d]) : be.reshape(
    be.transpose(x, [1, 0, 2, 3]),
    [H, B * S, d],
  );
  const u = await be.matmulPublic(rows, t); // [H, B·S, D]
  return H === 1
    ? be.reshape(u, [B, 1, S, D])
    : be.transpose(be.reshape(u, [H, B, S, D]), [1, 0, 2, 3]);
}

/** RFA attention for q, k, v of shape [B, H, S, d] (see the module docs). */
export async function rfaAttention(
  be: SecretBackend,
  q: Shared,
  k: Shared,
  v: Shared,
  opts: RfaOptions = {},
): Promise<Shared> {
  const [B, H, S, d] = attnShape(q, k, v);
  const { W, D, sigma, eps, recip } = resolve(q.shape, opts);
  const variant = opts.variant ?? "exact";
  const f = be.fp.fracBits;
  const pk = f + (opts.phaseExtraBits ?? RFA_PHASE_EXTRA_BITS);
  return await be.scope(`rfa-${variant}`, async () => {
    let qk = be.concat([q, k], 0); // [2B, H, S, d]
    let wScale = 1;
    if (opts.normalize) {
      qk = await l2Normalize(be, qk, { rsqrt: opts.normalize.rsqrt });
      wScale = Math.sqrt(opts.normalize.temperature);
    }
    // u = x·Wᵀ/(2π) with `phaseBits` fractional bits: the public projection is scaled by 2^(k−f).
    const u = await project(be, qk, W, wScale * 2 ** (pk - f));
    // With exact truncation, Π_cos's output rescale is folded into the two matmuls' truncations.
    const defer = deferRescale(be.exactTruncation, S, f, variant);
    const cs = await cosSin(be, u, {
      ...opts.cos,
      variant,
      phaseBits: pk,
      scale: 1 / Math.sqrt(D),
      debug: opts.debug,
      tuples: opts.tuples,
      rescale: !defer,
    });
    const phi = be.concat([cs.sin, cs.cos], 3); // [2B, H, S, 2D]
    const phiQ = be.slice(phi, 0, 0, B);
    let phiK = be.slice(phi, 0, B, 2 * B);
    if (opts.keyNormExp) {
      const n = opts.keyNormExp.expIters ?? EXP_DEFAULT_ITERS;
      const sq = be.sum(await be.mulNoTrunc(k, k), 3, true); // [B, H, S, 1]
      const a = be.addPublic(
        await mulConst(be, await be.truncate(sq), 1 / (2 * sigma * sigma)),
        -opts.keyNormExp.shift,
      );
      const e = await exp(be, await clip(be, a, -(2 ** n), 0), { iters: n });
      phiK = await be.mul(phiK, be.broadcastTo(e, phiK.shape));
    }
    if (opts.mask) phiK = be.mulRing(phiK, keyMask(opts.mask, B, H, S, 2 * D));
    const ones = constLike(be, be.slice(v, 3, 0, 1), 1);
    // φ carries 2f fractional bits when deferred: each product is then rescaled by 2f at once.
    const mm = (a: Shared, b: Shared) => be.matmul(a, b, defer ? 2 * f : f);
    const kv = await mm(be.transpose(phiK), be.concat([v, ones], 3)); // [B, H, 2D, d+1]
    const nd = await mm(phiQ, kv); // [B, H, S, d+1]
    const num = be.slice(nd, 3, 0, d);
    const den = be.slice(nd, 3, d, d + 1); // [B, H, S, 1]
    if (opts.stats && be.kind === "plain") {
      const dv = (await be.reveal(den, "all"))!;
      opts.stats.rows += dv.size;
      for (const x of dv.data) {
        if (x < eps) opts.stats.guardFired++;
        opts.stats.minDen = Math.min(opts.stats.minDen, x);
      }
    }
    const dm = be.addPublic(den, -eps);
    const guarded = be.sub(den, await be.mulNoTrunc(dm, await be.ltz(dm)));
    const r = await reciprocal(be, guarded, recip);
    return await be.mul(num, be.broadcastTo(r, [B, H, S, d]));
  });
}

/**
 * Whether RFA folds Π_cos's rescale into its matmuls: only with exact truncation (the deferred
 * products reach |2·S·v|·2^(3f), which local truncation would fail on) and while that stays below
 * 2^62 for |v| ≤ 8 (S ≤ 1024 at f = 16). The iterative variant has no rescale to defer.
 */
function deferRescale(exact: boolean, S: number, f: number, variant: CosVariant): boolean {
  return exact && variant !== "iterative" && 16 * S <= 2 ** (62 - 3 * f);
}

/**
 * Draws the trig tuples of {@link rfaAttention} on q, k, v of `shape` [B, H, S, d] ahead of time
 * (input-independent: the offline phase); pass them as `tuples`. `undefined` for `iterative`.
 */
export async function rfaPreprocess(
  be: SecretBackend,
  shape: readonly [number, number, number, number],
  opts: RfaOptions = {},
): Promise<CosTuples | undefined> {
  const [B, H, S] = shape;
  const { D } = resolve(shape, opts);
  return await cosPreprocess(be, [2 * B, H, S, D], {
    ...opts.cos,
    variant: opts.variant,
    phaseBits: be.fp.fracBits + (opts.phaseExtraBits ?? RFA_PHASE_EXTRA_BITS),
  });
}

/** The key mask as raw integers broadcast to [B, H, S, width]. */
function keyMask(mask: FloatTensor, B: number, H: number, S: number, width: number): RingTensor {
  const m = new BigUint64Array(B * S);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < S; j++) {
      m[b * S + j] = maskAt(mask, b, j, S) ? 1n : 0n;
    }
  }
  return new RingTensor(m, [B, 1, S, 1]).broadcastTo([B, H, S, width]);
}

/** Options of {@link rfaAttentionCost}. */
export interface RfaCostOptions extends Omit<RfaOptions, "tuples" | "stats">, CostOptions {
  /** The trig tuples were preprocessed ({@link rfaPreprocess}): leave their offline cost out. */
  preprocessed?: boolean;
}

/** Adds the cost of {@link rfaAttention} on [B, H, S, d] to a model. */
export function rfaAttentionPlan(
  m: CostModel,
  shape: readonly [number, number, number, number],
  opts: RfaCostOptions = {},
): CostModel {
  const [B, H, S, d] = shape;
  const { D, recip } = resolve(shape, opts);
  const bh = B * H;
  const pk = m.fracBits + (opts.phaseExtraBits ?? RFA_PHASE_EXTRA_BITS);
  if (opts.normalize) l2NormalizePlan(m, 2 * bh * S, d, { rsqrt: opts.normalize.rsqrt });
  const defer = deferRescale(m.exactTruncation, S, m.fracBits, opts.variant ?? "exact");
  m.truncate(2 * bh * S * D);
  cosPlan(m, 2 * bh * S * D, {
    ...opts.cos,
    variant: opts.variant,
    phaseBits: pk,
    scale: 1 / Math.sqrt(D),
    preprocessed: opts.preprocessed,
    rescale: !defer,
  });
  if (opts.keyNormExp) {
    m.mulNoTrunc(bh * S * d).truncate(bh * S).truncate(bh * S);
    clipPlan(m, bh * S);
    expPlan(m, bh * S, { iters: opts.keyNormExp.expIters });
    m.mul(bh * S * 2 * D);
  }
  m.matmul(bh, 2 * D, S, d + 1, true).matmul(bh, S, 2 * D, d + 1, true);
  m.ltz(bh * S).mulNoTrunc(bh * S);
  reciprocalPlan(m, bh * S, recip);
  return m.mul(bh * S * d);
}

/**
 * Closed-form cost of {@link rfaAttention} on [B, H, S, d] (D features, n = B·H·S):
 * [normalize: mulNoTrunc(2nd) + trunc(2n) + rsqrt(2n) + mul(2nd)] + trunc(2nD) + Π_cos(2nD)
 * (without its output rescale when truncation is exact: the matmuls then rescale by 2f) +
 * [keyNormExp: mulNoTrunc(nd) + 2·trunc(n) + clip(n) + exp(n) + mul(2nD)] +
 * matmul(φ(k)ᵀ·[V|1]) + matmul(φ(q)·KV) + ltz(n) + mulNoTrunc(n) + reciprocal(n) + mul(nd).
 */
export function rfaAttentionCost(
  kind: BackendKind,
  shape: readonly [number, number, number, number],
  opts: RfaCostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => rfaAttentionPlan(m, shape, opts));
}

/** Result of {@link rfaAttentionReference}. */
export interface RfaReference {
  /** Attention output [B, H, S, d]. */
  out: FloatTensor;
  /** Guard statistics. */
  stats: RfaStats;
  /** The unguarded denominator of every (batch, head, query) row. */
  den: Float64Array;
}

/**
 * The same RFA in float64 (same features, guard and options; exact cos/sin, exp, 1/x): the
 * reference the secure protocol is measured against, and the place to count guard firings.
 */
export function rfaAttentionReference(
  q: FloatTensor,
  k: FloatTensor,
  v: FloatTensor,
  opts: RfaOptions = {},
): RfaReference {
  const [B, H, S, d] = q.shape;
  const { W, D, sigma, eps } = resolve(q.shape, opts);
  const stats: RfaStats = { rows: 0, guardFired: 0, minDen: Infinity };
  const out = new Float64Array(B * H * S * d);
  const dens = new Float64Array(B * H * S);
  const row = (t: FloatTensor, b: number, h: number, i: number) =>
    t.data.subarray(((b * H + h) * S + i) * d, ((b * H + h) * S + i + 1) * d);
  const feat = (x: Float64Array, h: number): Float64Array => {
    let xs = x;
    let scale = 1;
    if (opts.normalize) {
      const nrm = Math.sqrt(x.reduce((a, c) => a + c * c, 0));
      xs = x.map((c) => c / nrm);
      scale = Math.sqrt(opts.normalize.temperature);
    }
    const phi = new Float64Array(2 * D);
    for (let j = 0; j < D; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += W.data[(h * D + j) * d + c] * xs[c];
      phi[j] = Math.sin(dot * scale) / Math.sqrt(D);
      phi[D + j] = Math.cos(dot * scale) / Math.sqrt(D);
    }
    return phi;
  };
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv = new Float64Array(2 * D * (d + 1));
      for (let i = 0; i < S; i++) {
        if (!maskAt(opts.mask, b, i, S)) continue;
        const kr = row(k, b, h, i);
        const phi = feat(kr, h);
        if (opts.keyNormExp) {
          const n = opts.keyNormExp.expIters ?? EXP_DEFAULT_ITERS;
          const a = kr.reduce((s, c) => s + c * c, 0) / (2 * sigma * sigma) - opts.keyNormExp.shift;
          const f = Math.exp(Math.min(0, Math.max(-(2 ** n), a)));
          for (let j = 0; j < 2 * D; j++) phi[j] *= f;
        }
        const vr = row(v, b, h, i);
        for (let j = 0; j < 2 * D; j++) {
          for (let c = 0; c < d; c++) kv[j * (d + 1) + c] += phi[j] * vr[c];
          kv[j * (d + 1) + d] += phi[j];
        }
      }
      for (let t = 0; t < S; t++) {
        const phi = feat(row(q, b, h, t), h);
        const acc = new Float64Array(d + 1);
        for (let j = 0; j < 2 * D; j++) {
          for (let c = 0; c <= d; c++) acc[c] += phi[j] * kv[j * (d + 1) + c];
        }
        const den = acc[d];
        dens[(b * H + h) * S + t] = den;
        stats.rows++;
        stats.minDen = Math.min(stats.minDen, den);
        if (den < eps) stats.guardFired++;
        const g = Math.max(den, eps);
        for (let c = 0; c < d; c++) out[((b * H + h) * S + t) * d + c] = acc[c] / g;
      }
    }
  }
  return { out: new FloatTensor(out, q.shape), stats, den: dens };
}
