/**
 * tanh(x) for the default model's pooling layer, in the CrypTen style (sign, |x|, exp, reciprocal;
 * CrypTen's `tanh` = 2·sigmoid(2x) − 1 with its "reciprocal" sigmoid method):
 *
 *   s = [x < 0],  y = min(|x|, a),  e = exp(−2y) ∈ [e^(−2a), 1],
 *   tanh(y) = (1 − e)/(1 + e) = 2/(1 + e) − 1,   tanh(x) = (1 − 2s)·tanh(y).
 *
 * One batched `ltz` gives s and the saturation bits [x < a], [x < −a]; |x| and the clipping take
 * two `mulNoTrunc` rounds; exp runs on [−2a, 0] (inside its domain, no garbage for any x); the
 * reciprocal has the narrow domain [1, 2] (3 Newton steps). Saturation at a = 7 adds at most
 * 1 − tanh 7 ≈ 1.7e−6.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { checkDomain, type DebugOptions, type ProtocolSpec } from "./common.ts";
import { below } from "./compare.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { exp, expPlan } from "./exp.ts";
import { reciprocal, reciprocalPlan } from "./reciprocal.ts";

/** Options of {@link tanh}. */
export interface TanhOptions extends DebugOptions {
  /** Saturation point a (default 7). */
  saturate?: number;
  /** Squarings of the inner exp (default 10). */
  expIters?: number;
}

/** Default saturation point. */
export const TANH_SATURATE = 7;
/** Default squarings of the inner exp. */
export const TANH_EXP_ITERS = 10;

/** Specification of {@link tanh} at the defaults. */
export const tanhSpec: ProtocolSpec = {
  name: "tanh",
  method: "sign/|x| by ltz, exp((1 + x/2^n)^(2^n)) of −2|x|, Newton reciprocal on [1, 2] " +
    "(CrypTen's tanh via sigmoid)",
  domain: {
    lo: -(2 ** 20),
    hi: 2 ** 20,
    note: "any |x| < 2^20 (inputs beyond ±a saturate to ±tanh a)",
  },
  error: {
    maxAbs: 6e-4,
    measuredAbs: 4.9e-4,
    grid: "x ∈ [−8, 8] step 2^−8 plus ±1000, 12345.75, −20000",
  },
  reference: Math.tanh,
};

/** tanh(x) elementwise (see the module docs). */
export async function tanh(be: SecretBackend, x: Shared, opts: TanhOptions = {}): Promise<Shared> {
  const a = opts.saturate ?? TANH_SATURATE;
  if (!(a > 0 && 2 * a <= 2 ** (opts.expIters ?? TANH_EXP_ITERS))) {
    throw new RangeError(`tanh: saturate=${a} must be in (0, 2^(expIters−1)]`);
  }
  return await be.scope("tanh", async () => {
    await checkDomain(be, "tanh", x, tanhSpec.domain.lo, tanhSpec.domain.hi, opts);
    const n = x.size;
    const v = be.reshape(x, [n]);
    const bits = await below(be, v, [0, a, -a]); // [3, n]
    const s = be.reshape(be.slice(bits, 0, 0, 1), [n]);
    const inside = be.reshape(be.sub(be.slice(bits, 0, 1, 2), be.slice(bits, 0, 2, 3)), [n]);
    const abs = be.sub(v, be.mulInt(await be.mulNoTrunc(s, v), 2));
    const y = be.addPublic(await be.mulNoTrunc(inside, be.addPublic(abs, -a)), a);
    const e = await exp(be, be.mulInt(y, -2), { iters: opts.expIters ?? TANH_EXP_ITERS });
    const r = await reciprocal(be, be.addPublic(e, 1), { domain: [1, 2] });
    const t = be.addPublic(be.mulInt(r, 2), -1);
    return be.reshape(be.sub(t, be.mulInt(await be.mulNoTrunc(s, t), 2)), x.shape);
  });
}

/** Adds the cost of {@link tanh} on n elements to a model. */
export function tanhPlan(m: CostModel, n: number, opts: TanhOptions = {}): CostModel {
  m.ltz(3 * n).mulNoTrunc(n).mulNoTrunc(n);
  expPlan(m, n, { iters: opts.expIters ?? TANH_EXP_ITERS });
  reciprocalPlan(m, n, { domain: [1, 2] });
  return m.mulNoTrunc(n);
}

/**
 * Closed-form cost of {@link tanh} on `shape` (n elements): ltz(3n) + 2·mulNoTrunc(n) +
 * exp(n) + reciprocal(n, [1, 2]) + mulNoTrunc(n).
 */
export function tanhCost(
  kind: BackendKind,
  shape: Shape,
  opts: TanhOptions & CostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => tanhPlan(m, sizeOf(shape), opts));
}
