/**
 * GELU(x) = x·Φ(x) by PUMA's piecewise polynomial (Dong et al., "PUMA: Secure Inference of LLaMA-7B
 * in Five Minutes", arXiv 2307.12533; the same coefficients as MP-SPDZ's `ml.Gelu`):
 *
 *   0                                          x < −4
 *   a₀ + a₁x + a₂x² + a₃x³                     −4 ≤ x < −1.95
 *   b₀ + b₁x + b₂x² + b₄x⁴ + b₆x⁶              −1.95 ≤ x < 3
 *   x                                          x ≥ 3
 *
 * One batched `ltz` of (x + 4, x + 1.95, x − 3) gives the segment bits; the powers x², (x³, x⁴),
 * x⁶ take three truncated products; both polynomials are evaluated on the ring with coefficients
 * encoded at f + 8 bits (so b₆ ≈ 0.0018 keeps its precision), the segments are selected with one
 * batched `mulNoTrunc` by the integer bits, and the polynomial part is truncated once.
 *
 * Outside the middle segments the powers may overflow the ring; those lanes are multiplied by a
 * zero bit, and the identity lane is never truncated, so the result stays as specified for any
 * |x| < 2^20 and the truncated values stay below 2^42 (local-truncation failure ≈ 2^−21).
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import {
  checkDomain,
  type DebugOptions,
  mulAll,
  oneMinusBit,
  type ProtocolSpec,
  ringPolynomial,
} from "./common.ts";
import { below } from "./compare.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";

/** PUMA's coefficients on [−4, −1.95): a₀…a₃. */
export const GELU_A = [
  -0.5054031199708174,
  -0.42226581151983866,
  -0.11807612951181953,
  -0.011034134030615728,
] as const;
/** PUMA's coefficients on [−1.95, 3): b₀, b₁, b₂, b₄, b₆ (odd b₃, b₅ are 0). */
export const GELU_B = [
  0.008526321541038084,
  0.5,
  0.3603292692789629,
  -0.037688200365904236,
  0.0018067462606141187,
] as const;

/** PUMA's segment breaks: −4, −1.95, 3. */
export const GELU_BREAKS = [-4, -1.95, 3] as const;

/** Extra bits of the polynomial coefficients beyond f (so b₆ ≈ 0.0018 keeps its precision). */
export const GELU_COEFF_BITS = 8;
const EXTRA = GELU_COEFF_BITS;

/** Exact GELU, x·Φ(x), in float64 (erf by its Maclaurin series / erfc continued fraction). */
export function geluExact(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** erf(x) to about 1e−14: Maclaurin series below 2.5, the continued fraction of erfc above. */
export function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  if (a < 2.5) {
    // Maclaurin series: erf(a) = 2/√π Σ (−1)^n a^(2n+1) / (n! (2n+1)).
    let term = a, sum = a;
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  // Continued fraction for erfc.
  let cf = 0;
  for (let n = 60; n >= 1; n--) cf = (n / 2) / (a + cf);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + cf);
  return s * (1 - erfc);
}

/** The PUMA piecewise polynomial itself in float64 (to separate its error from the MPC error). */
export function geluPuma(x: number): number {
  if (x < -4) return 0;
  if (x < -1.95) return GELU_A[0] + x * (GELU_A[1] + x * (GELU_A[2] + x * GELU_A[3]));
  if (x < 3) {
    const x2 = x * x;
    return GELU_B[0] + GELU_B[1] * x + GELU_B[2] * x2 + GELU_B[3] * x2 * x2 +
      GELU_B[4] * x2 * x2 * x2;
  }
  return x;
}

/** Specification of {@link gelu}. */
export const geluSpec: ProtocolSpec = {
  name: "gelu",
  method: "PUMA piecewise polynomial (Dong et al. 2023; MP-SPDZ ml.Gelu), segments by ltz",
  domain: {
    lo: -(2 ** 20),
    hi: 2 ** 20,
    note:
      "any |x| < 2^20; the error vs exact GELU is the polynomial's own (≈ 0.02 near x = −1.95 " +
      "and x = 3) plus ≈ 1e−4 fixed-point error",
  },
  error: {
    maxAbs: 2.2e-2,
    measuredAbs: 1.91e-2,
    grid: "x ∈ [−8, 8] step 2^−8 plus ±1000, 12345.75, −20000 (vs the PUMA polynomial: 2.1e−5)",
  },
  reference: geluExact,
};

/** GELU by PUMA's piecewise polynomial (see the module docs). */
export async function gelu(be: SecretBackend, x: Shared, opts: DebugOptions = {}): Promise<Shared> {
  return await be.scope("gelu", async () => {
    await checkDomain(be, "gelu", x, geluSpec.domain.lo, geluSpec.domain.hi, opts);
    const f = be.fp.fracBits;
    const n = x.size;
    const v = be.reshape(x, [n]);
    const { z1, z2, z3 } = await geluSegments(be, v);
    const [x2] = await mulAll(be, [[v, v]]);
    const [x3, x4] = await mulAll(be, [[v, x2], [x2, x2]]);
    const [x6] = await mulAll(be, [[x2, x4]]);
    const { p3, p6 } = geluPolynomials(be, [v, x2, x3, x4, x6]);
    // One batched selection; the identity lane stays at scale f (exact), so the truncated sum
    // only ever holds the bounded polynomial values (|P| ≤ 3 at scale 2^(2f+8)), whatever |x| is.
    const sel = await be.mulNoTrunc(be.concat([z1, z2, z3], 0), be.concat([p3, p6, v], 0));
    const poly2 = be.add(be.slice(sel, 0, 0, n), be.slice(sel, 0, n, 2 * n));
    const g = be.add(await be.truncate(poly2, f + EXTRA), be.slice(sel, 0, 2 * n, 3 * n));
    return be.reshape(g, x.shape);
  });
}

/**
 * PUMA's segment indicators of flat x `[n]` (integer bits, one batched `ltz` of x − each break):
 * z1 = [−4 ≤ x < −1.95], z2 = [−1.95 ≤ x < 3], z3 = [x ≥ 3].
 */
export async function geluSegments(
  be: SecretBackend,
  v: Shared,
): Promise<{ z1: Shared; z2: Shared; z3: Shared }> {
  const n = v.size;
  const bits = await below(be, v, GELU_BREAKS, geluSignBits(be.fp.fracBits)); // [3, n]
  const [c4, c195, c3] = [0, 1, 2].map((i) => be.slice(bits, 0, i, i + 1));
  return {
    z1: be.reshape(be.sub(c195, c4), [n]),
    z2: be.reshape(be.sub(c3, c195), [n]),
    z3: be.reshape(oneMinusBit(be, c3), [n]),
  };
}

/**
 * PUMA's two segment polynomials on the ring from the powers (x, x², x³, x⁴, x⁶) at f bits:
 * p3 = a₀ + a₁x + a₂x² + a₃x³ and p6 = b₀ + b₁x + b₂x² + b₄x⁴ + b₆x⁶, both at 2f +
 * {@link GELU_COEFF_BITS} fractional bits (no communication).
 */
export function geluPolynomials(
  be: SecretBackend,
  [x, x2, x3, x4, x6]: readonly Shared[],
): { p3: Shared; p6: Shared } {
  const [a0, a1, a2, a3] = GELU_A, [b0, b1, b2, b4, b6] = GELU_B;
  return {
    p3: ringPolynomial(be, [[x, a1], [x2, a2], [x3, a3]], a0, EXTRA),
    p6: ringPolynomial(be, [[x, b1], [x2, b2], [x4, b4], [x6, b6]], b0, EXTRA),
  };
}

/**
 * Width of GELU's sign tests: |x| < 2^20 (the domain) puts every |x − t| below 2^21, so f + 22
 * bits hold them (38 at f = 16: 103 AND planes per element instead of 181 at 64 bits).
 */
export function geluSignBits(fracBits: number): number {
  return Math.min(64, fracBits + 22);
}

/** Adds the cost of {@link gelu} on n elements to a model. */
export function geluPlan(m: CostModel, n: number): CostModel {
  return m.ltz(3 * n, geluSignBits(m.fracBits)).mul(n).mul(2 * n).mul(n).mulNoTrunc(3 * n).truncate(
    n,
  );
}

/**
 * Closed-form cost of {@link gelu} on `shape` (n elements):
 * ltz(3n) + mul(n) + mul(2n) + mul(n) + mulNoTrunc(3n) + trunc(n).
 */
export function geluCost(kind: BackendKind, shape: Shape, opts: CostOptions = {}): Cost {
  return costOf(kind, opts, (m) => geluPlan(m, sizeOf(shape)));
}
