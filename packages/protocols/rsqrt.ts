/**
 * 1/√x for positive shared x by Newton's iteration y ← y·(3 − x·y²)/2 (CrypTen's `inv_sqrt`), in
 * the two-round form y ← 1.5·y − (x·y)·y²/2: round 1 computes y² and x·y in one batched product
 * (with 1.5·y riding along in the same truncation), round 2 the product (x·y)·y², truncated by
 * f + 1 bits to halve it. The error e = 1 − x·y² maps to (3/4)e² + (1/4)e³.
 *
 * - `normalized` (default): one batched `ltz` against the powers of four of the domain finds k
 *   with x̃ = x·4^−(lo/2+k) ∈ [1, 4) (see normalize.ts; SPU/PUMA normalise by highestOneBit
 *   instead), three iterations from the minimax guess y₀ = 1.06 − 0.151·x̃ (|e₀| ≤ 0.174), and
 *   1/√x = y·2^−(lo/2+k). Default domain [2^−16, 2^16).
 * - `newton`: no comparisons: the minimax linear guess on a declared narrow domain [a, b] and
 *   enough iterations for its worst e₀.
 *
 * Out of domain (not checked under MPC): `normalized` gives garbage for x below ≈ 2^(lo−2) or
 * above ≈ 2^(hi+1) (the guess leaves the convergence region 0 < x̃·y₀² < 3); x ≤ 0 is garbage.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import {
  batched,
  checkDomain,
  type DebugOptions,
  mulConst,
  mulNoTruncAll,
  type ProtocolSpec,
} from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { buckets, bucketsPlan, perBucket } from "./normalize.ts";

/** Options of {@link rsqrt}. */
export interface RsqrtOptions extends DebugOptions {
  /** `normalized` (default) or `newton` (see the module docs). */
  method?: "normalized" | "newton";
  /**
   * Input domain [a, b], 0 < a < b. Default [2^−16, 2^16) for `normalized` (bounds rounded out to
   * even powers of two), [0.25, 4] for `newton`.
   */
  domain?: readonly [number, number];
  /** Newton iterations (default 3 for `normalized`; from the domain for `newton`). */
  iters?: number;
  /**
   * Return 1/√x with f + K fractional bits (ring value 2^(f+K)/√x), K = `extraBits` (default 0),
   * for callers that multiply it by large values and truncate by f + K (LayerNorm does). With
   * `normalized` this keeps the core's ≈ 3e−5 relative precision even where 1/√x is small (at f
   * bits 1/√700 ≈ 0.038 would carry 4e−4 relative error); costs nothing extra.
   */
  extraBits?: number;
}

/** Default domain of `normalized`. */
export const RSQRT_NORMALIZED_DOMAIN: readonly [number, number] = [2 ** -16, 2 ** 16];
/** Default domain of `newton`. */
export const RSQRT_NEWTON_DOMAIN: readonly [number, number] = [0.25, 4];

/** Specification of {@link rsqrt} (`normalized`, default domain). */
export const rsqrtSpec: ProtocolSpec = {
  name: "rsqrt",
  method: "octave normalisation by ltz against powers of four, then 3 Newton steps " +
    "(CrypTen inv_sqrt iteration; SPU/PUMA-style range reduction)",
  domain: {
    lo: 2 ** -16,
    hi: 2 ** 16,
    note: "[2^lo, 2^hi), even lo, hi with −f ≤ lo < hi ≤ f; relative error grows as x nears 2^hi " +
      "(1/√x nears the ulp) and as x nears 2^−f (x itself has few significant bits)",
  },
  error: {
    maxAbs: 1.5e-2, // 1e−4 × the largest output (≈ 150)
    maxRel: 1e-3,
    relFloor: 2 ** -6,
    measuredAbs: 6.9e-3,
    measuredRel: 9.2e-4,
    grid: "4096 log-spaced x ∈ [2^−16, 2^16) (abs error at 1/√x ≈ 150; relative where 1/√x ≥ 2^−6)",
  },
  reference: (x) => 1 / Math.sqrt(x),
};

/** Specification of {@link rsqrt} with `newton` on its default domain [0.25, 4]. */
export const rsqrtNewtonSpec: ProtocolSpec = {
  name: "rsqrt-newton",
  method: "Newton (CrypTen inv_sqrt iteration) from a minimax linear guess on the domain, no ltz",
  domain: {
    lo: 0.25,
    hi: 4,
    note: "any narrow [a, b] ⊂ (0, ∞) via `domain` (iterations grow with b/a); out of domain the " +
      "iteration diverges (x·y₀² ≥ 3) or has not converged",
  },
  error: {
    maxAbs: 1e-4,
    maxRel: 1e-4,
    measuredAbs: 4e-5,
    measuredRel: 6.4e-5,
    grid: "x ∈ [0.25, 4] step 2^−10",
  },
  reference: (x) => 1 / Math.sqrt(x),
};

/**
 * Minimax linear guess y₀ = α − βx for 1/√x on [a, b] (numerical search) with its worst
 * |1 − x·y₀²|.
 */
export function rsqrtGuess(a: number, b: number): { alpha: number; beta: number; e0: number } {
  const pts = Array.from({ length: 257 }, (_, i) => a * (b / a) ** (i / 256));
  const worst = (al: number, be: number) => {
    let w = 0;
    for (const x of pts) {
      const y = al - be * x;
      w = Math.max(w, y <= 0 ? Infinity : Math.abs(1 - x * y * y));
    }
    return w;
  };
  // Coarse grid on (α·√a, β·b·√a), then coordinate refinement.
  let best = { alpha: 1 / Math.sqrt(a), beta: 0, e0: worst(1 / Math.sqrt(a), 0) };
  const s = 1 / Math.sqrt(a);
  for (let i = 1; i <= 40; i++) {
    for (let j = 0; j <= 40; j++) {
      const al = (s * i) / 20, be = (al * j) / (41 * b) * 1.0;
      const w = worst(al, be);
      if (w < best.e0) best = { alpha: al, beta: be, e0: w };
    }
  }
  for (let step = best.alpha / 20; step > best.alpha * 1e-6; step /= 2) {
    for (const [da, db] of [[step, 0], [-step, 0], [0, step / b], [0, -step / b]]) {
      const w = worst(best.alpha + da, best.beta + db);
      if (w < best.e0) best = { alpha: best.alpha + da, beta: best.beta + db, e0: w };
    }
  }
  return best;
}

/** Newton iterations needed from |e₀| (e ← (3/4)e² + (1/4)|e|³) for f fractional bits. */
export function rsqrtIters(e0: number, f: number): number {
  let e = e0, k = 0;
  while (e > 2 ** -(f + 1) && k < 64) {
    e = 0.75 * e * e + 0.25 * e * e * e;
    k++;
  }
  return k;
}

const NORMALIZED_GUESS = { alpha: 1.06, beta: 0.151 }; // on [1, 4): |e₀| ≤ 0.174

function resolve(opts: RsqrtOptions, f: number) {
  const method = opts.method ?? "normalized";
  if (method === "newton") {
    const [a, b] = opts.domain ?? RSQRT_NEWTON_DOMAIN;
    if (!(a > 0 && b > a)) {
      throw new RangeError(`rsqrt: domain [${a}, ${b}] must satisfy 0 < a < b`);
    }
    const g = rsqrtGuess(a, b);
    return { method, a, b, ...g, iters: opts.iters ?? rsqrtIters(g.e0, f), lo: 0, hi: 0 };
  }
  if (method !== "normalized") throw new RangeError(`rsqrt: unknown method "${method}"`);
  const [a, b] = opts.domain ?? RSQRT_NORMALIZED_DOMAIN;
  if (!(a > 0 && b > a)) throw new RangeError(`rsqrt: domain [${a}, ${b}] must satisfy 0 < a < b`);
  const lo = 2 * Math.floor(Math.log2(a) / 2);
  const hi = Math.max(lo + 2, 2 * Math.ceil(Math.log2(b) / 2));
  return { method, a, b, ...NORMALIZED_GUESS, e0: 0.174, iters: opts.iters ?? 3, lo, hi };
}

/** 1/√x elementwise for x in the declared domain (see the module docs). */
export async function rsqrt(
  be: SecretBackend,
  x: Shared,
  opts: RsqrtOptions = {},
): Promise<Shared> {
  const r = resolve(opts, be.fp.fracBits);
  const K = opts.extraBits ?? 0;
  const f = be.fp.fracBits;
  if (!Number.isInteger(K) || K < 0 || K > f) {
    throw new RangeError(`rsqrt: extraBits=${K} must be an integer in 0..${f}`);
  }
  return await be.scope(`rsqrt-${r.method}`, async () => {
    await checkDomain(be, "rsqrt", x, r.a, r.b, opts);
    if (r.method === "newton") {
      return be.mulInt(await newton(be, x, r.alpha, r.beta, r.iters), 2 ** K);
    }
    const n = x.size;
    const flat = be.reshape(x, [n]);
    const bk = await buckets(be, flat, r.lo, r.hi, 2);
    const sIn = perBucket(be, bk, n, (k) => 4 ** -(r.lo / 2 + k));
    const sOut = perBucket(be, bk, n, (k) => 2 ** -(r.lo / 2 + k));
    const xt = await be.mul(flat, sIn); // ∈ [1, 4)
    const y = await newton(be, xt, r.alpha, r.beta, r.iters);
    return be.reshape(await be.mul(y, sOut, f - K), x.shape);
  });
}

/** y₀ = α − βx, then `iters` two-round steps y ← 1.5y − (xy)·y²/2. */
async function newton(
  be: SecretBackend,
  x: Shared,
  alpha: number,
  beta: number,
  iters: number,
): Promise<Shared> {
  const f = be.fp.fracBits;
  let y = be.addPublic(await mulConst(be, x, -beta), alpha);
  const c15 = be.fp.encode([1.5], [1]).broadcastTo(x.shape);
  for (let i = 0; i < iters; i++) {
    const [yy, xy] = await mulNoTruncAll(be, [[y, y], [x, y]]);
    const [y2, xy1, y15] = await batched(
      be,
      [yy, xy, be.mulRing(y, c15)],
      (all) => be.truncate(all, f),
    );
    const half = await be.mul(xy1, y2, f + 1);
    y = be.sub(y15, half);
  }
  return y;
}

/** Adds the cost of {@link rsqrt} on n elements to a model. */
export function rsqrtPlan(m: CostModel, n: number, opts: RsqrtOptions = {}): CostModel {
  const r = resolve(opts, m.fracBits);
  if (r.method === "normalized") bucketsPlan(m, n, r.lo, r.hi, 2).mul(n);
  m.truncate(n);
  for (let i = 0; i < r.iters; i++) m.mulNoTrunc(2 * n).truncate(3 * n).mul(n);
  if (r.method === "normalized") m.mul(n);
  return m;
}

/**
 * Closed-form cost of {@link rsqrt} on `shape` (n elements, k iterations):
 * [ltz(m·n) + mul(n)] + trunc(n) + k·(mulNoTrunc(2n) + trunc(3n) + mul(n))
 * [+ mul(n)], the bracketed parts for `normalized` (m = (hi − lo)/2 − 1 thresholds).
 */
export function rsqrtCost(
  kind: BackendKind,
  shape: Shape,
  opts: RsqrtOptions & CostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => rsqrtPlan(m, sizeOf(shape), opts));
}
