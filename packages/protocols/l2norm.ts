/**
 * ℓ2 normalisation of the last axis, x / √(Σx² + ε) (times an optional public per-row scale): one
 * product round for Σx², one inverse square root per row, one product. Shared by RFA's and the
 * normalised attention's q/k normalisation and by the sentence-embedding head.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import type { CostModel } from "./cost.ts";
import { rsqrt, type RsqrtOptions, rsqrtPlan } from "./rsqrt.ts";

/** Options of {@link l2Normalize}. */
export interface L2NormalizeOptions {
  /** Added to Σx² before the inverse square root (default 0). */
  eps?: number;
  /** Inverse square root options (its domain must cover Σx² + ε). */
  rsqrt?: RsqrtOptions;
  /**
   * Public factor per row, broadcast to the row norms' shape (x's shape with last axis 1), applied
   * to 1/‖x‖ before the product (one truncation of the rows, not of every element).
   */
  rowScale?: FloatTensor;
}

/** x / √(Σx² + ε) over the last axis, times `rowScale` (see {@link L2NormalizeOptions}). */
export async function l2Normalize(
  be: SecretBackend,
  x: Shared,
  opts: L2NormalizeOptions = {},
): Promise<Shared> {
  const sq = await be.truncate(be.sum(await be.mulNoTrunc(x, x), -1, true));
  let r = await rsqrt(be, opts.eps ? be.addPublic(sq, opts.eps) : sq, opts.rsqrt);
  if (opts.rowScale) r = await be.mulPublic(r, opts.rowScale);
  return await be.mul(x, be.broadcastTo(r, x.shape));
}

/** Adds the cost of {@link l2Normalize} on `rows` rows of `width` to a model. */
export function l2NormalizePlan(
  m: CostModel,
  rows: number,
  width: number,
  opts: Omit<L2NormalizeOptions, "rowScale"> & { rowScale?: boolean } = {},
): CostModel {
  m.mulNoTrunc(rows * width).truncate(rows);
  rsqrtPlan(m, rows, opts.rsqrt);
  if (opts.rowScale) m.truncate(rows);
  return m.mul(rows * width);
}
