/**
 * GELU(x) = x·Φ(x) within 2e−4 of the exact erf form, written as ReLU minus a bump:
 *
 *   GELU(x) = ReLU(x) − δ(|x|),   δ(t) = (t/2)·erfc(t/√2)   (δ ≤ 0.17, δ(4) = 1.3e−4)
 *
 * δ depends on |x| only and vanishes fast, so one degree-7 polynomial P in t = |x| on [0, T),
 * T = 4, and 0 beyond, gives the whole function (the same split as SIGMA's and BOLT's GELU: an
 * approximation on a bounded |x| interval, the identity or 0 outside). P is a minimax fit
 * (iteratively reweighted least squares on 10⁴ Chebyshev points of [0, 4], constraint P(0) = 0;
 * its own max error is 1.98e−4, and δ(4) = 1.27e−4 is the error on the tails), in the variable
 * u = t/2 − 1 ∈ [−1, 1], where its coefficients stay below 0.33 (Σ|cᵢ| = 1.16: fixed-point errors
 * of the powers are not amplified).
 *
 * Plan (one batched sign test for all segment bits, as PUMA's GELU, with one threshold fewer):
 * 1. `ltz` of (x + T, x, x − T) in one call: bits a = [x < −T], b = [x < 0], c = [x < T].
 * 2. One `mulNoTrunc` of x by the integer combinations (b, c + a − 2b): x·b (so ReLU = x − x·b)
 *    and w = x·(c + a − 2b) = |x| on [−T, T), 0 outside (exact: the factors are integers).
 * 3. u = w/2 − 1 is w's own ring value at f + 1 fractional bits, minus a public 1 (free); the
 *    powers u², (u³, u⁴), (u⁵, u⁶, u⁷) take three batched truncated products at f + 4 fractional
 *    bits (|u| ≤ 1, so products stay below 2^40 whatever x is: no lane overflows).
 * 4. P(u) on the ring with coefficients at f + 4 bits, one truncation, GELU = ReLU − P. Masked
 *    lanes have w = 0, u = −1 and P(−1) = 0 (the fit's constraint), so nothing needs selecting.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import {
  checkDomain,
  type DebugOptions,
  mulAll,
  mulNoTruncAll,
  type ProtocolSpec,
  ringFill,
  ringPolynomial,
} from "./common.ts";
import { below } from "./compare.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { geluExact, geluSignBits } from "./gelu.ts";

/** |x| beyond which GELU is taken as ReLU (δ(4) = 1.27e−4). */
export const GELU_ACCURATE_T = 4;

/** P(u) = Σ cᵢ·uⁱ, u = |x|/2 − 1, approximates δ(|x|) = ReLU(x) − GELU(x) for |x| < 4. */
export const GELU_ACCURATE_COEFFS = [
  0.04534623763050816,
  -0.17156714620434052,
  0.22200682052248455,
  0.014067655257317447,
  -0.3263602396517012,
  0.2397465716001608,
  0.05897142073024411,
  -0.08228284142160208,
] as const;

const POW_EXTRA = 4; // extra fractional bits of the powers of u (and of the coefficients)

/** The function {@link geluAccurate} computes, in float64 (to separate its error from MPC's). */
export function geluAccuratePoly(x: number): number {
  const relu = x > 0 ? x : 0;
  const t = Math.abs(x);
  if (!(x >= -GELU_ACCURATE_T && x < GELU_ACCURATE_T)) return relu;
  const u = t / 2 - 1;
  return relu - GELU_ACCURATE_COEFFS.reduceRight((acc, c) => acc * u + c, 0);
}

/** Specification of {@link geluAccurate}. */
export const geluAccurateSpec: ProtocolSpec = {
  name: "geluAccurate",
  method: "ReLU(x) − P(|x|), P degree-7 minimax on |x| < 4 (SIGMA/BOLT-style |x| split), " +
    "segments by one batched ltz",
  domain: {
    lo: -(2 ** 20),
    hi: 2 ** 20,
    note: "any |x| < 2^20 (the sign tests' width); the error vs exact GELU is the polynomial's " +
      "own (≤ 1.98e−4, largest near |x| = 2.85) or δ(4) = 1.27e−4 on the tails, plus ≈ 2e−5 " +
      "fixed-point error",
  },
  error: {
    maxAbs: 3e-4,
    measuredAbs: 2.13e-4,
    grid: "x ∈ [−8, 8] step 2^−8, ±(2^3 … 2^20) log-spaced, plus ±1000, 12345.75, −20000 " +
      "(vs the float64 polynomial: 1.6e−5)",
  },
  reference: geluExact,
};

/** GELU within 3e−4 of the exact erf form (see the module docs). */
export async function geluAccurate(
  be: SecretBackend,
  x: Shared,
  opts: DebugOptions = {},
): Promise<Shared> {
  return await be.scope("gelu", async () => {
    const { lo, hi } = geluAccurateSpec.domain;
    await checkDomain(be, "geluAccurate", x, lo, hi, opts);
    const f = be.fp.fracBits, g = f + POW_EXTRA, n = x.size, T = GELU_ACCURATE_T;
    const v = be.reshape(x, [n]);
    const bits = await below(be, v, [-T, 0, T], geluSignBits(f)); // [3, n]
    const bit = (i: number) => be.reshape(be.slice(bits, 0, i, i + 1), [n]);
    const [a, b, c] = [bit(0), bit(1), bit(2)];
    const m = be.sub(be.add(c, a), be.mulInt(b, 2)); // 1 on [0, T), −1 on [−T, 0), else 0
    const [xb, w] = await mulNoTruncAll(be, [[v, b], [v, m]]);
    const relu = be.sub(v, xb);
    // u = w/2 − 1 at f + 1 bits, then moved to g bits (an exact shift of the ring value).
    const u = be.mulInt(be.addRing(w, ringFill([n], -(1n << BigInt(f + 1)))), 2 ** (g - f - 1));
    const [u2] = await mulAll(be, [[u, u]], g);
    const [u3, u4] = await mulAll(be, [[u, u2], [u2, u2]], g);
    const [u5, u6, u7] = await mulAll(be, [[u, u4], [u2, u4], [u3, u4]], g);
    const pows = [u, u2, u3, u4, u5, u6, u7];
    // P at 2g bits: powers at g bits, coefficients at g bits.
    const C = GELU_ACCURATE_COEFFS;
    const p = ringPolynomial(be, pows.map((pw, i) => [pw, C[i + 1]] as const), C[0], g - f, g);
    const delta = await be.truncate(p, 2 * g - f);
    return be.reshape(be.sub(relu, delta), x.shape);
  });
}

/** Adds the cost of {@link geluAccurate} on n elements to a model. */
export function geluAccuratePlan(m: CostModel, n: number): CostModel {
  return m.ltz(3 * n, geluSignBits(m.fracBits)).mulNoTrunc(2 * n).mul(n).mul(2 * n).mul(3 * n)
    .truncate(n);
}

/**
 * Closed-form cost of {@link geluAccurate} on `shape` (n elements):
 * ltz(3n) + mulNoTrunc(2n) + mul(n) + mul(2n) + mul(3n) + trunc(n).
 */
export function geluAccurateCost(kind: BackendKind, shape: Shape, opts: CostOptions = {}): Cost {
  return costOf(kind, opts, (m) => geluAccuratePlan(m, sizeOf(shape)));
}
