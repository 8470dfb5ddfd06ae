/**
 * Π_cos, the privacy cosine/sine protocol of SecP-Tuning (Luo et al., arXiv 2506.15307, §4): cos
 * and sin of 2πu for a shared u (the caller folds 1/2π into its public frequencies, so the period
 * is 1). Three variants:
 *
 * - `exact` (default; this package's version of the paper's protocol). Offline: a trig tuple
 *   ([t], [cos 2πt/2^f], [sin 2πt/2^f]) with t uniform mod 2^f. Online, one round: open
 *   δ = (u − t) mod 2^f — the low f bits of u's encoding are exactly its phase, and 2^f divides
 *   2^64, so each party reduces its share locally; δ is uniform and independent of u (perfect
 *   hiding) and costs ⌈f/8⌉ bytes per element. Then, locally,
 *   cos 2πu = cos(2πδ/2^f)·[cos t] − sin(2πδ/2^f)·[sin t],
 *   sin 2πu = sin(2πδ/2^f)·[cos t] + cos(2πδ/2^f)·[sin t],
 *   computed on the ring with the encoded public factors (`mulRing`) and ONE truncation of all
 *   outputs at the end (free with 2PC local truncation, one round otherwise).
 * - `paper`: the paper's protocol as published: open δ = u + t over the full ring (8 bytes per
 *   element) with a wide mask t = t_a + 2^f·t_b (t_a from a width-f trig tuple, t_b uniform
 *   mod 2^w from a second tuple, w = `wideBits`, default 20), reduce δ mod the period after opening,
 *   cos 2πu = cos(2πδ)·[cos t_a] + sin(2πδ)·[sin t_a]. Hiding is only statistical: openings of
 *   two inputs u, u′ are at statistical distance about |u − u′|·2^−w (for |u| ≤ 1: ≈ 1e−6).
 * - `iterative`: no Π_cos, CrypTen's `cos`/`sin`: e^{iθ} ≈ (1 + iθ/2^n)^{2^n}, θ = 2πu, by n
 *   complex squarings (n = `iters`, default 10 as CrypTen), each ONE round of 3 batched real
 *   products. Kept precise by CrypTen's formula evaluated on w = a − 1 with a shrinking scale
 *   (see {@link cosSin}); the approximation itself is only good near 0: |error| ≈
 *   exp(θ²/2^{n+1}) − 1 grows quickly outside |u| ≤ 1/2.
 *
 * @module
 */
import { FloatTensor, RingTensor, sameShape, type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared, TrigTuple } from "@secp/sharing";
import { checkDomain, type DebugOptions, type ProtocolSpec, truncateAll } from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";

/** Which Π_cos variant to run. */
export type CosVariant = "exact" | "paper" | "iterative";

/** Options of {@link cosSin}. */
export interface CosOptions extends DebugOptions {
  /** Variant (default `exact`). */
  variant?: CosVariant;
  /** Public factor applied to both outputs, folded into the public products (default 1). */
  scale?: number;
  /** `paper`: bits of the wide mask above the f fractional bits (default 20). */
  wideBits?: number;
  /** `iterative`: number of complex squarings n (default 10, as CrypTen). */
  iters?: number;
  /**
   * Fractional bits k of u's encoding (default f): u's ring value is u·2^k. `exact`/`paper` then
   * use width-k trig tuples and open k bits (⌈k/8⌉ bytes), so the phase resolution is 2^−k. A
   * public product can supply the extra bits for free (RFA scales its projection by 2^(k−f)).
   */
  phaseBits?: number;
  /**
   * Trig tuples generated ahead of time by {@link cosPreprocess} (input-independent, i.e. offline
   * material); without them Π_cos draws its tuples inline.
   */
  tuples?: CosTuples;
  /**
   * `exact`/`paper`: false leaves the outputs unrescaled, with 2f fractional bits, so that a
   * following product can fold the rescale into its own truncation (default true). Only for
   * backends with `exactTruncation`: the wider values would make local truncation fail.
   */
  rescale?: boolean;
}

/** Preprocessed trig tuples of Π_cos: `a` (width k), and `b` (width `wideBits`) for `paper`. */
export interface CosTuples {
  /** The phase tuple. */
  a: TrigTuple;
  /** The wide mask tuple (`paper` only). */
  b?: TrigTuple;
}

/**
 * Draws the trig tuples Π_cos needs on `shape` ahead of time (the offline phase); `undefined` for
 * the `iterative` variant, which needs none.
 */
export async function cosPreprocess(
  be: SecretBackend,
  shape: Shape,
  opts: CosOptions = {},
): Promise<CosTuples | undefined> {
  const variant = opts.variant ?? "exact";
  if (variant === "iterative") return undefined;
  return await be.scope("cos-preprocess", async () => {
    const a = await be.trigTuple(shape, phaseBitsOf(opts, be.fp.fracBits));
    const b = variant === "paper"
      ? await be.trigTuple(shape, opts.wideBits ?? COS_PAPER_DEFAULT_WIDE_BITS)
      : undefined;
    return { a, b };
  });
}

/** Which outputs to compute. */
export type TrigOutputs = "both" | "cos" | "sin";

/** cos(2πu) and sin(2πu), each times `scale`. */
export interface CosSin {
  /** scale · cos(2πu). */
  cos: Shared;
  /** scale · sin(2πu). */
  sin: Shared;
}

/** Default number of squarings of the iterative variant (CrypTen's `trig_iterations`). */
export const COS_ITERATIVE_DEFAULT_ITERS = 10;
/** Default width of the paper variant's wide mask above f. */
export const COS_PAPER_DEFAULT_WIDE_BITS = 20;

/** Specification of the `exact` and `paper` variants (same arithmetic, different opening). */
export const cosSpec: ProtocolSpec = {
  name: "cos",
  method:
    "SecP-Tuning Π_cos (Luo et al. 2025) with the opening reduced mod 2^f (perfect hiding); " +
    "`paper` opens the full ring as the paper and SecFormer/SHAFT do",
  domain: {
    lo: -(2 ** 30),
    hi: 2 ** 30,
    note: "any fixed-point u: only u mod 1 (the low f bits of its encoding) is used. " +
      "The error does not grow with |u|; with `paper`, hiding degrades as |u|·2^−wideBits.",
  },
  error: {
    maxAbs: 1.2e-4,
    measuredAbs: 6.1e-5,
    grid: "u ∈ [−4, 4] step 2^−8 plus 1000.3, −12345.6, 2^20 + 1/8; cos and sin",
  },
  reference: (u) => Math.cos(2 * Math.PI * u),
};

/** Specification of the `iterative` variant (CrypTen's cos without Π_cos). */
export const cosIterativeSpec: ProtocolSpec = {
  name: "cos-iterative",
  method: "CrypTen cos/sin: (1 + iθ/2^n)^(2^n) by n complex squarings (Knott et al. 2021)",
  domain: {
    lo: -0.5,
    hi: 0.5,
    note: "θ = 2πu ∈ [−π, π]. Outside, the modulus (1 + θ²/4^n)^(2^(n−1)) ≈ exp(θ²/2^(n+1)) " +
      "drifts: |u| = 2 gives ≈ 8 % error, |u| = 5 ≈ 60 %, |u| = 10 several hundred %",
  },
  error: {
    maxAbs: 6e-3,
    measuredAbs: 4.9e-3,
    grid: "u ∈ [−0.5, 0.5] step 2^−10; cos (sin: 2.0e−3)",
  },
  reference: (u) => Math.cos(2 * Math.PI * u),
};

/**
 * cos(2πu) and sin(2πu) (each times `opts.scale`) for a shared fixed-point u. Every party calls
 * this with its own share; see the module docs for the three variants.
 *
 * Iterative variant detail: writing a_i = 1 + w_i, the squaring (a + ib)² becomes
 * w′ = 2w + w² − b², b′ = 2b + 2wb. The factor 2 is absorbed by lowering the scale: (w, b) are kept
 * with f + n − i fractional bits at step i, so θ/2^n is represented exactly by θ's own encoding and
 * no precision is lost to the initial 1/2^n (CrypTen's direct form loses 2^n ulps there).
 */
export async function cosSin(be: SecretBackend, u: Shared, opts: CosOptions = {}): Promise<CosSin> {
  const r = await trig(be, u, "both", opts);
  return { cos: r[0], sin: r[1] };
}

/** scale · cos(2πu) alone (half the truncations of {@link cosSin}). */
export async function cos(be: SecretBackend, u: Shared, opts: CosOptions = {}): Promise<Shared> {
  return (await trig(be, u, "cos", opts))[0];
}

/** scale · sin(2πu) alone. */
export async function sin(be: SecretBackend, u: Shared, opts: CosOptions = {}): Promise<Shared> {
  return (await trig(be, u, "sin", opts))[0];
}

async function trig(
  be: SecretBackend,
  u: Shared,
  which: TrigOutputs,
  opts: CosOptions,
): Promise<Shared[]> {
  const variant = opts.variant ?? "exact";
  return await be.scope(`cos-${variant}`, async () => {
    if (variant === "iterative") {
      const s = 2 ** (phaseBitsOf(opts, be.fp.fracBits) - be.fp.fracBits); // u is read with f bits
      const { lo, hi } = cosIterativeSpec.domain;
      await checkDomain(be, "cos (iterative)", u, s * lo, s * hi, opts);
      return await iterative(be, u, which, opts);
    }
    if (variant !== "exact" && variant !== "paper") {
      throw new RangeError(`cosSin: unknown variant "${variant}"`);
    }
    const f = be.fp.fracBits;
    const pk = phaseBitsOf(opts, f);
    const scale = opts.scale ?? 1;
    const pre = opts.tuples;
    if (pre && (!sameShape(pre.a.t.shape, u.shape) || (variant === "paper" && !pre.b))) {
      throw new RangeError(`cosSin: preprocessed tuples do not fit [${u.shape}] / ${variant}`);
    }
    const ta = pre?.a ?? await be.trigTuple(u.shape, pk);
    let phase: RingTensor; // public δ mod 2^pk
    let sign: 1 | -1; // u = δ + sign·t (mod 1)
    if (variant === "exact") {
      phase = await be.openMod2k(be.sub(u, ta.t), pk, "uniform-mod-2^k");
      sign = 1;
    } else {
      const w = opts.wideBits ?? COS_PAPER_DEFAULT_WIDE_BITS;
      if (!Number.isInteger(w) || w < 1 || w + pk > 62) {
        throw new RangeError(`cosSin: wideBits=${w} must be an integer in 1..${62 - pk}`);
      }
      const tb = pre?.b ?? await be.trigTuple(u.shape, w);
      const mask = be.add(ta.t, be.mulInt(tb.t, 2n ** BigInt(pk)));
      const opened = await be.revealRing(be.add(u, mask), "all", "statistical");
      phase = (opened ?? RingTensor.zeros(u.shape)).mod2k(pk);
      sign = -1;
    }
    // Public factors cos/sin(2πδ/2^pk), encoded with f fractional bits (scale folded in). Parties
    // without shares (dealer, data owner) skip this local work: `mulRing` ignores the factor on
    // their phantom shares, so the message flow is the same.
    const [C, S] = be.computing ? phaseFactors(phase, pk, scale, be) : [phase, phase];
    // cos(δ ± t) = cos δ cos t ∓ sin δ sin t;  sin(δ ± t) = sin δ cos t ± cos δ sin t.
    const outs: Shared[] = [];
    if (which !== "sin") {
      const cs = be.mulRing(ta.sin, S), cc = be.mulRing(ta.cos, C);
      outs.push(sign === 1 ? be.sub(cc, cs) : be.add(cc, cs));
    }
    if (which !== "cos") {
      const sc = be.mulRing(ta.cos, S), ss = be.mulRing(ta.sin, C);
      outs.push(sign === 1 ? be.add(sc, ss) : be.sub(sc, ss));
    }
    return opts.rescale === false ? outs : await truncateAll(be, outs, f);
  });
}

/** Two-level tables of cos/sin(2π·j/2^k): high and low halves of the phase bits. */
const tables = new Map<number, { lo: number; c: Float64Array[]; s: Float64Array[] }>();

function phaseTables(k: number) {
  let t = tables.get(k);
  if (!t) {
    const lo = k >> 1;
    const mk = (bits: number, shift: number, f: (a: number) => number) =>
      Float64Array.from(
        { length: 2 ** bits },
        (_, j) => f((2 * Math.PI * j * 2 ** shift) / 2 ** k),
      );
    t = {
      lo,
      c: [mk(k - lo, lo, Math.cos), mk(lo, 0, Math.cos)],
      s: [mk(k - lo, lo, Math.sin), mk(lo, 0, Math.sin)],
    };
    tables.set(k, t);
  }
  return t;
}

/** Encoded scale·cos(2πδ/2^k) and scale·sin(2πδ/2^k) for public δ < 2^k (by angle addition). */
function phaseFactors(
  phase: RingTensor,
  k: number,
  scale: number,
  be: SecretBackend,
): [RingTensor, RingTensor] {
  const { lo, c, s } = phaseTables(k);
  const n = phase.size;
  const words = new Uint32Array(phase.data.buffer, phase.data.byteOffset, 2 * n); // δ < 2^32
  const cv = new Float64Array(n), sv = new Float64Array(n);
  const mask = 2 ** lo - 1;
  for (let i = 0; i < n; i++) {
    const w = words[2 * i], h = Math.floor(w / 2 ** lo), l = w & mask;
    cv[i] = scale * (c[0][h] * c[1][l] - s[0][h] * s[1][l]);
    sv[i] = scale * (s[0][h] * c[1][l] + c[0][h] * s[1][l]);
  }
  return [
    be.fp.encode(new FloatTensor(cv, phase.shape)),
    be.fp.encode(new FloatTensor(sv, phase.shape)),
  ];
}

/** Validated phase bits (default f). */
function phaseBitsOf(opts: CosOptions, f: number): number {
  const k = opts.phaseBits ?? f;
  if (!Number.isInteger(k) || k < f || k > 32) {
    throw new RangeError(`cosSin: phaseBits=${k} must be an integer in ${f}..32`);
  }
  return k;
}

async function iterative(
  be: SecretBackend,
  uIn: Shared,
  which: TrigOutputs,
  opts: CosOptions,
): Promise<Shared[]> {
  const n = opts.iters ?? COS_ITERATIVE_DEFAULT_ITERS;
  const f = be.fp.fracBits;
  const pk = phaseBitsOf(opts, f);
  const u = pk > f ? await be.truncate(uIn, pk - f) : uIn;
  if (!Number.isInteger(n) || n < 1 || n > 62 - 2 * f) {
    throw new RangeError(`cosSin: iters=${n} must be an integer in 1..${62 - 2 * f}`);
  }
  const shape = u.shape, m = u.size;
  // b_0 = θ/2^n with f + n fractional bits has the same ring value as θ with f bits.
  let b = await be.mulPublic(be.reshape(u, [m]), 2 * Math.PI);
  let w: Shared | undefined; // a − 1; a_0 = 1
  for (let i = 0; i < n; i++) {
    const F = f + n - i; // current fractional bits; the next step has F − 1
    if (w === undefined) {
      // (1 + ib)² = 1 − b² + 2ib: w′ = −b², b′ = 2b (same ring value at scale F − 1).
      w = be.neg(await be.mul(b, b, F + 1));
      continue;
    }
    const all = await be.mulNoTrunc(be.concat([w, b, w], 0), be.concat([w, b, b], 0));
    const ww = be.slice(all, 0, 0, m), bb = be.slice(all, 0, m, 2 * m);
    const wb = be.slice(all, 0, 2 * m, 3 * m);
    const [dw, db] = await truncateAll(be, [be.sub(ww, bb), be.mulInt(wb, 2)], F + 1);
    w = be.add(w, dw);
    b = be.add(b, db);
  }
  const cosv = be.addPublic(w!, 1);
  const outs = which === "both" ? [cosv, b] : which === "cos" ? [cosv] : [b];
  const scale = opts.scale ?? 1;
  if (scale === 1) return outs.map((o) => be.reshape(o, shape));
  const scaled = await be.mulPublic(be.concat(outs, 0), scale);
  return outs.map((_, i) => be.reshape(be.slice(scaled, 0, i * m, (i + 1) * m), shape));
}

/** Options of {@link cosCost}. */
export interface CosCostOptions extends Omit<CosOptions, "tuples">, CostOptions {
  /** Which outputs are computed (default "both": {@link cosSin}; "cos"/"sin": {@link cos}/{@link sin}). */
  outputs?: TrigOutputs;
  /** The trig tuples were preprocessed ({@link cosPreprocess}): leave their offline cost out. */
  preprocessed?: boolean;
}

/** Adds the cost of Π_cos on n elements to a cost model (see {@link cosCost}). */
export function cosPlan(m: CostModel, n: number, opts: CosCostOptions = {}): CostModel {
  const outs = (opts.outputs ?? "both") === "both" ? 2 : 1;
  const variant = opts.variant ?? "exact";
  const pk = opts.phaseBits ?? m.fracBits;
  if (variant !== "iterative" && !opts.preprocessed) cosPreprocessPlan(m, n, opts);
  const rescale = opts.rescale === false ? 0 : outs * n;
  if (variant === "exact") return m.openMod2k(n, pk).truncate(rescale);
  if (variant === "paper") return m.revealAll(n).truncate(rescale);
  const iters = opts.iters ?? COS_ITERATIVE_DEFAULT_ITERS;
  if (pk > m.fracBits) m.truncate(n);
  m.truncate(n).mul(n);
  for (let i = 1; i < iters; i++) m.mulNoTrunc(3 * n).truncate(2 * n);
  if ((opts.scale ?? 1) !== 1) m.truncate(outs * n);
  return m;
}

/** Adds the (offline) cost of {@link cosPreprocess} on n elements: one or two trig tuples. */
export function cosPreprocessPlan(m: CostModel, n: number, opts: CosOptions = {}): CostModel {
  const variant = opts.variant ?? "exact";
  if (variant === "exact") m.trigTuple(n);
  if (variant === "paper") m.trigTuple(n).trigTuple(n);
  return m;
}

/**
 * Closed-form cost of {@link cosSin} (`outputs` "both") or {@link cos}/{@link sin} on `shape`
 * (n elements, m outputs):
 * - exact: trigTuple(n) offline + openMod2k(n, k) [1 round, ⌈k/8⌉·n bytes per party, k =
 *   phaseBits, default f] + trunc(m·n);
 * - paper: 2 trigTuples(n) offline + revealRing(n, all) [1 round, 8n bytes per party] + trunc(m·n);
 * - iterative: [trunc(n) if k > f] + trunc(n) [θ = 2πu] + mul(n) [first squaring] +
 *   (iters − 1)·(mulNoTrunc(3n) + trunc(2n)) [+ trunc(m·n) when scale ≠ 1].
 */
export function cosCost(kind: BackendKind, shape: Shape, opts: CosCostOptions = {}): Cost {
  return costOf(kind, opts, (m) => cosPlan(m, sizeOf(shape), opts));
}
