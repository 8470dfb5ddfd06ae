/**
 * 1/x for positive shared x by Newton–Raphson, y ← y·(2 − x·y) (CrypTen's `reciprocal`, method
 * NR; the error e = 1 − x·y squares each iteration). Two ways to start:
 *
 * - `newton` (default): the minimax linear guess y₀ = α − β·x on a declared domain [a, b]
 *   (β = 8/((a+b)² + 4ab), α = β(a+b), worst |e₀| = (b−a)²/((a+b)² + 4ab)); the number of
 *   iterations is chosen from e₀ so that e₀^(2^k) < 2^−(f+1). No comparisons. Good for narrow
 *   domains: softmax denominators [1, S] take 8 iterations at S = 128. (CrypTen's guess
 *   3·exp(1 − 2x) + 0.003 is not used: it costs an exp, leaves |e₀| ≈ 0.98 around x ≈ 5–20, and
 *   diverges for x > 666; its exp is garbage for x > 128.5.)
 * - `normalized`: one batched `ltz` against the powers of two of the domain finds the octave of x
 *   (see normalize.ts), x̃ = x·2^−(lo+k) ∈ [1, 2), three iterations from y₀ = 24/17 − 8x̃/17
 *   (|e₀| ≤ 1/17), and 1/x = y·2^−(lo+k). Wide domains at a fixed cost; needs `ltz`.
 *
 * Out of domain (not checked under MPC): `newton` diverges or converges slowly for x outside
 * (0, 2/y₀(x)); `normalized` treats x below 2^lo as in the lowest octave (slower convergence,
 * wrong below ≈ 2^(lo−1)) and x ≥ 2^hi as in the highest. x ≤ 0 always gives garbage.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { checkDomain, type DebugOptions, mulConst, type ProtocolSpec } from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { buckets, bucketsPlan, perBucket } from "./normalize.ts";

/** Options of {@link reciprocal}. */
export interface ReciprocalOptions extends DebugOptions {
  /** `newton` (default) or `normalized` (see the module docs). */
  method?: "newton" | "normalized";
  /**
   * Input domain [a, b], 0 < a < b. Default [1, 128] for `newton`, [2^−8, 2^16) for `normalized`
   * (whose bounds are rounded out to powers of two).
   */
  domain?: readonly [number, number];
  /** Newton iterations (default: from the domain for `newton`, 3 for `normalized`). */
  iters?: number;
}

/** Default domain of the `newton` method. */
export const RECIPROCAL_NEWTON_DOMAIN: readonly [number, number] = [1, 128];
/** Default domain of the `normalized` method. */
export const RECIPROCAL_NORMALIZED_DOMAIN: readonly [number, number] = [2 ** -8, 2 ** 16];

/** Specification of {@link reciprocal} with `newton` on its default domain [1, 128]. */
export const reciprocalSpec: ProtocolSpec = {
  name: "reciprocal",
  method: "Newton–Raphson (CrypTen reciprocal) from a minimax linear guess on the domain",
  domain: {
    lo: 1,
    hi: 128,
    note: "any [a, b] ⊂ (0, ∞) via `domain` (iterations grow like log2(b/a)); out of domain the " +
      "iteration diverges or has not converged",
  },
  error: {
    maxAbs: 4e-5,
    maxRel: 3e-3,
    measuredAbs: 2.24e-5,
    measuredRel: 1.95e-3,
    grid: "x ∈ [1, 128] step 2^−7 (relative error is the output ulp 2^−16 at 1/128)",
  },
  reference: (x) => 1 / x,
};

/** Specification of {@link reciprocal} with `normalized` on [2^−8, 2^16). */
export const reciprocalNormalizedSpec: ProtocolSpec = {
  name: "reciprocal-normalized",
  method: "octave normalisation by ltz against powers of two (as PUMA/SPU's highestOneBit), " +
    "then 3 Newton–Raphson steps on [1, 2)",
  domain: {
    lo: 2 ** -8,
    hi: 2 ** 16,
    note: "[2^lo, 2^hi) with −f ≤ lo < hi ≤ f; relative error grows as 1/x nears the ulp 2^−f",
  },
  error: {
    maxAbs: 2.5e-2, // 1e−4 × the largest output (256)
    maxRel: 2e-3,
    relFloor: 2 ** -6,
    measuredAbs: 4.7e-3,
    measuredRel: 9.2e-4,
    grid: "4096 log-spaced x ∈ [2^−8, 2^16) (abs error at 1/x ≈ 256; relative where 1/x ≥ 2^−6)",
  },
  reference: (x) => 1 / x,
};

/** Minimax linear guess y₀ = α − βx for 1/x on [a, b] and its worst |1 − x·y₀|. */
export function reciprocalGuess(a: number, b: number): { alpha: number; beta: number; e0: number } {
  const beta = 8 / ((a + b) ** 2 + 4 * a * b);
  return { alpha: beta * (a + b), beta, e0: (b - a) ** 2 / ((a + b) ** 2 + 4 * a * b) };
}

/** Newton iterations needed from |e₀| for f fractional bits (e squares each step). */
export function reciprocalIters(e0: number, f: number): number {
  let e = e0, k = 0;
  while (e > 2 ** -(f + 1) && k < 64) {
    e = e * e;
    k++;
  }
  return k;
}

function resolve(opts: ReciprocalOptions, f: number) {
  const method = opts.method ?? "newton";
  if (method === "newton") {
    const [a, b] = opts.domain ?? RECIPROCAL_NEWTON_DOMAIN;
    if (!(a > 0 && b > a)) {
      throw new RangeError(`reciprocal: domain [${a}, ${b}] must satisfy 0 < a < b`);
    }
    const g = reciprocalGuess(a, b);
    return { method, a, b, ...g, iters: opts.iters ?? reciprocalIters(g.e0, f), lo: 0, hi: 0 };
  }
  if (method !== "normalized") throw new RangeError(`reciprocal: unknown method "${method}"`);
  const [a, b] = opts.domain ?? RECIPROCAL_NORMALIZED_DOMAIN;
  if (!(a > 0 && b > a)) {
    throw new RangeError(`reciprocal: domain [${a}, ${b}] must satisfy 0 < a < b`);
  }
  const lo = Math.floor(Math.log2(a)), hi = Math.max(lo + 1, Math.ceil(Math.log2(b)));
  const g = reciprocalGuess(1, 2);
  return { method, a, b, ...g, iters: opts.iters ?? 3, lo, hi };
}

/** 1/x elementwise for x in the declared domain (see the module docs). */
export async function reciprocal(
  be: SecretBackend,
  x: Shared,
  opts: ReciprocalOptions = {},
): Promise<Shared> {
  const r = resolve(opts, be.fp.fracBits);
  return await be.scope(`reciprocal-${r.method}`, async () => {
    await checkDomain(be, "reciprocal", x, r.a, r.b, opts);
    if (r.method === "newton") return await newton(be, x, r.alpha, r.beta, r.iters);
    const n = x.size;
    const flat = be.reshape(x, [n]);
    const bk = await buckets(be, flat, r.lo, r.hi, 1);
    const sIn = perBucket(be, bk, n, (k) => 2 ** -(r.lo + k));
    const xt = await be.mul(flat, sIn); // ∈ [1, 2)
    const y = await newton(be, xt, r.alpha, r.beta, r.iters);
    return be.reshape(await be.mul(y, sIn), x.shape);
  });
}

/** y₀ = α − βx, then `iters` steps y ← y·(2 − x·y). */
async function newton(
  be: SecretBackend,
  x: Shared,
  alpha: number,
  beta: number,
  iters: number,
): Promise<Shared> {
  let y = be.addPublic(await mulConst(be, x, -beta), alpha);
  for (let i = 0; i < iters; i++) {
    const e = await be.mul(x, y);
    y = await be.mul(y, be.addPublic(be.neg(e), 2));
  }
  return y;
}

/** Adds the cost of {@link reciprocal} on n elements to a model. */
export function reciprocalPlan(
  m: CostModel,
  n: number,
  opts: ReciprocalOptions = {},
): CostModel {
  const r = resolve(opts, m.fracBits);
  if (r.method === "normalized") bucketsPlan(m, n, r.lo, r.hi, 1).mul(n);
  m.truncate(n);
  for (let i = 0; i < r.iters; i++) m.mul(n).mul(n);
  if (r.method === "normalized") m.mul(n);
  return m;
}

/**
 * Closed-form cost of {@link reciprocal} on `shape` (n elements, k iterations):
 * newton: trunc(n) + 2k·mul(n); normalized: ltz(m·n) + mul(n) + trunc(n) + 2k·mul(n) + mul(n),
 * m = log2(b/a) − 1 thresholds.
 */
export function reciprocalCost(
  kind: BackendKind,
  shape: Shape,
  opts: ReciprocalOptions & CostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => reciprocalPlan(m, sizeOf(shape), opts));
}
