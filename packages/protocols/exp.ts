/**
 * exp(x) by the limit (1 + x/2^n)^(2^n) (CrypTen's `exp`, also SPU's `EXP_TAYLOR` and PUMA's
 * softmax exp), n sequential squarings.
 *
 * Evaluated precision-preservingly: with w = a − 1 the squaring a′ = a² is w′ = 2w + w², and the
 * factor 2 is absorbed by lowering the scale, so w_i is kept with f + n − i fractional bits. Then
 * w_0 = x/2^n is represented exactly by x's own encoding (no truncation, no 2^n-fold amplification
 * of a rounding error as in the direct form), and each step is one product and one truncation:
 * W ← W + trunc(W², f + n − i + 1).
 *
 * Domain: x ∈ [−2^n, 0] (softmax after max subtraction, exp(−‖·‖) terms). For x < −2^n,
 * 1 + x/2^n < 0 and the result is garbage (≈ (x/2^n − 1)^(2^n)), so callers clip or bound first
 * (PUMA clips at −14; softmax here bounds its scores). For small positive x the relative error is
 * ≈ x²/2^(n+1); products need |x| < 2^15.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { checkDomain, type DebugOptions, type ProtocolSpec } from "./common.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";

/** Options of {@link exp}. */
export interface ExpOptions extends DebugOptions {
  /** Number of squarings n (default 8, CrypTen's `exp_iterations`). */
  iters?: number;
}

/** Default number of squarings. */
export const EXP_DEFAULT_ITERS = 8;

/** Specification of {@link exp} at the default n = 8. */
export const expSpec: ProtocolSpec = {
  name: "exp",
  method:
    "limit (1 + x/2^n)^(2^n) (CrypTen; PUMA/SPU EXP_TAYLOR), precision-preserving scale schedule",
  domain: {
    lo: -256,
    hi: 0,
    note: "x ∈ [−2^n, 0] (n = iters). Below −2^n the result is garbage; callers must clip or " +
      "bound inputs. Approximation error ≈ e^x·x²/2^(n+1) (max at x = −2).",
  },
  error: { maxAbs: 1.3e-3, measuredAbs: 1.08e-3, grid: "x ∈ [−256, 0] step 2^−6" },
  reference: Math.exp,
};

/** exp(x) elementwise for x ∈ [−2^n, 0] (see the module docs). */
export async function exp(be: SecretBackend, x: Shared, opts: ExpOptions = {}): Promise<Shared> {
  const n = opts.iters ?? EXP_DEFAULT_ITERS;
  const f = be.fp.fracBits;
  if (!Number.isInteger(n) || n < 1 || f + n > 40) {
    throw new RangeError(`exp: iters=${n} must be an integer in 1..${40 - f}`);
  }
  return await be.scope("exp", async () => {
    await checkDomain(be, "exp", x, -(2 ** n), 0, opts);
    let w = x; // w_0 = x/2^n with f + n fractional bits
    for (let i = 0; i < n; i++) {
      const F = f + n - i;
      w = be.add(w, await be.mul(w, w, F + 1));
    }
    return be.addPublic(w, 1);
  });
}

/** Adds the cost of {@link exp} on n elements to a model: iters × mul(n). */
export function expPlan(m: CostModel, n: number, opts: ExpOptions = {}): CostModel {
  const iters = opts.iters ?? EXP_DEFAULT_ITERS;
  for (let i = 0; i < iters; i++) m.mul(n);
  return m;
}

/** Closed-form cost of {@link exp} on `shape`: iters × mul(n). */
export function expCost(
  kind: BackendKind,
  shape: Shape,
  opts: ExpOptions & CostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => expPlan(m, sizeOf(shape), opts));
}
