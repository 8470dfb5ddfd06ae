/**
 * Softmax and softmax attention, the baseline RFA replaces (the standard MPC recipe of CrypTen and
 * PUMA: max subtraction by a comparison tree, exp by the limit, one reciprocal per row).
 *
 *   softmax(s)_j = e_j / Σ_k e_k,   e_j = exp(s_j − max_k s_k)·m_j
 *
 * - max: a binary comparison tree over the key axis (⌈log2 S⌉ levels of ltz + mulNoTrunc).
 * - mask (public, 1 = attend, 0 = padding): masked scores are set to −B (B = the score bound)
 *   before the max, so a padding key never wins it and every kept key has s − max ∈ [−2B, 0];
 *   exp outputs are then multiplied by the 0/1 mask (`mulRing` by the integer mask: local, exact).
 *   No −1e9 bias ever enters exp.
 * - exp: {@link exp} with n squarings; its domain [−2^n, 0] holds because scores are bounded by
 *   B = 2^(n−1) (= 128 for n = 8; checked in debug mode on the plain backend).
 * - the row sum lies in [1, S] (the max element contributes exp(0) = 1 exactly): {@link reciprocal}
 *   with Newton on [1, S].
 * - attention multiplies (E·V) by the per-row reciprocal (S·d products instead of S²).
 *
 * @module
 */
import { FloatTensor, RingTensor, type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { checkDomain, type DebugOptions, mulConst, type ProtocolSpec } from "./common.ts";
import { maxLastAxis, maxLastAxisPlan } from "./compare.ts";
import { type BackendKind, type Cost, type CostModel, costOf, type CostOptions } from "./cost.ts";
import { exp, EXP_DEFAULT_ITERS, expPlan } from "./exp.ts";
import { reciprocal, reciprocalPlan } from "./reciprocal.ts";

/** Options of {@link softmax} and {@link softmaxAttention}. */
export interface SoftmaxOptions extends DebugOptions {
  /**
   * Public key mask, 1 = attend, 0 = padding: shape [S] or [B, S] (B = leading batch axis of the
   * scores). At least one key per row must be kept.
   */
  mask?: FloatTensor;
  /** Squarings of exp (default 8); the score bound is 2^(iters − 1). */
  expIters?: number;
}

/** Specification of {@link softmax} (rows of length ≤ 128, default options). */
export const softmaxSpec: ProtocolSpec = {
  name: "softmax",
  method: "max by comparison tree, exp by (1 + x/2^n)^(2^n), Newton reciprocal (CrypTen; " +
    "PUMA's masking without −∞ bias)",
  domain: {
    lo: -128,
    hi: 128,
    note: "scores |s| ≤ 2^(n−1) (n = exp squarings); larger scores push s − max below −2^n where " +
      "exp is garbage. Error per probability, rows of ≤ 128 keys.",
  },
  error: {
    maxAbs: 1.5e-3,
    measuredAbs: 1.07e-3,
    grid: "6 rows × 64 scores uniform in ±{1, 4, 16, 64, 100, 128}, every 5th key masked",
  },
};

/**
 * Expands a public [S] or [B, S] 0/1 key mask to `shape` ([B, …, S]): the raw integer ring mask
 * (for `mulRing`) and its float complement 1 − m.
 */
export function ringMask(
  mask: FloatTensor,
  shape: Shape,
): { raw: RingTensor; notMask: FloatTensor } {
  const S = shape[shape.length - 1];
  const B = mask.shape.length === 2 ? mask.shape[0] : 1;
  if (mask.shape[mask.shape.length - 1] !== S || (mask.shape.length === 2 && shape[0] !== B)) {
    throw new RangeError(`softmax: mask [${mask.shape}] does not fit scores [${shape}]`);
  }
  for (const v of mask.data) {
    if (v !== 0 && v !== 1) throw new RangeError(`softmax: mask values must be 0 or 1, got ${v}`);
  }
  const mid = shape.slice(mask.shape.length === 2 ? 1 : 0, -1).map(() => 1);
  const full = [...(mask.shape.length === 2 ? [B] : []), ...mid, S];
  const raw = new RingTensor(BigUint64Array.from(mask.data, (v) => BigInt(v)), full)
    .broadcastTo(shape); // the integers 0/1
  const notMask = new FloatTensor(mask.data.map((v) => 1 - v), full).broadcastTo([...shape]);
  return { raw, notMask };
}

/**
 * Unnormalised masked exponentials e = exp(s − max)·m and their row sums (last axis). Returned
 * separately so attention can divide after multiplying by V.
 */
async function expScores(
  be: SecretBackend,
  s: Shared,
  opts: SoftmaxOptions,
): Promise<{ e: Shared; den: Shared }> {
  const n = opts.expIters ?? EXP_DEFAULT_ITERS;
  const bound = 2 ** (n - 1);
  await checkDomain(be, "softmax", s, -bound, bound, opts);
  const mask = opts.mask ? ringMask(opts.mask, s.shape) : undefined;
  let x = s;
  if (mask) x = be.addPublic(be.mulRing(s, mask.raw), mask.notMask.mul(-bound));
  const mx = await maxLastAxis(be, x);
  let d = be.sub(x, be.broadcastTo(mx, x.shape));
  // Padded keys enter exp as 0, not as −bound − max: their result is zeroed anyway, and a large
  // |d| makes exp's squarings wide values, which local truncation fails on ∝ |value|.
  if (mask) d = be.mulRing(d, mask.raw);
  let e = await exp(be, d, { iters: n });
  if (mask) e = be.mulRing(e, mask.raw);
  return { e, den: be.sum(e, e.shape.length - 1, true) };
}

/**
 * Where a row's denominator Σ exp(x − max) lies: [1, S] (the max term is 1). One key (S = 1) makes
 * it exactly 1, so the reciprocal's domain is widened to [1, 2], which it needs to be an interval.
 */
function denominatorDomain(S: number): [number, number] {
  return [1, Math.max(2, S)];
}

/** Row softmax over the last axis (see the module docs). */
export async function softmax(
  be: SecretBackend,
  s: Shared,
  opts: SoftmaxOptions = {},
): Promise<Shared> {
  return await be.scope("softmax", async () => {
    const S = s.shape[s.shape.length - 1];
    const { e, den } = await expScores(be, s, opts);
    const r = await reciprocal(be, den, { domain: denominatorDomain(S) });
    return await be.mul(e, be.broadcastTo(r, e.shape));
  });
}

/** Adds the cost of {@link softmax} on `rows` rows of S scores. */
export function softmaxPlan(
  m: CostModel,
  rows: number,
  S: number,
  opts: SoftmaxOptions = {},
): CostModel {
  maxLastAxisPlan(m, rows, S);
  expPlan(m, rows * S, { iters: opts.expIters });
  reciprocalPlan(m, rows, { domain: denominatorDomain(S) });
  return m.mul(rows * S);
}

/**
 * Closed-form cost of {@link softmax} on `shape` (rows × S): max tree + exp(rows·S) +
 * reciprocal(rows, [1, S]) + mul(rows·S).
 */
export function softmaxCost(
  kind: BackendKind,
  shape: Shape,
  opts: SoftmaxOptions & CostOptions = {},
): Cost {
  const S = shape[shape.length - 1];
  return costOf(kind, opts, (m) => softmaxPlan(m, sizeOf(shape) / S, S, opts));
}

/** Specification of {@link softmaxAttention} (error per output element). */
export const softmaxAttentionSpec: ProtocolSpec = {
  name: "softmax-attention",
  method: "q·kᵀ·scale, then {@link softmax}'s recipe, (E·V)·(1/Σe)",
  domain: {
    lo: -128,
    hi: 128,
    note: "scaled scores |q·k|·scale ≤ 2^(n−1); error per output for |v| ≤ 2. exp's relative " +
      "under-estimate x²/2^(n+1) of far keys dominates",
  },
  error: {
    maxAbs: 1.2e-2,
    measuredAbs: 8.4e-3,
    grid: "[B=2, H=3, S=16, d=8], q, k uniform in ±3, v in ±2, 5 padded keys in batch 1",
  },
};

/** Options of {@link softmaxAttention}. */
export interface SoftmaxAttentionOptions extends SoftmaxOptions {
  /** Score scale (default 1/√d; 1 skips the scaling and its truncation). */
  scale?: number;
}

/**
 * Softmax attention for batched heads q, k, v of shape [B, H, S, d]: softmax(q·kᵀ·scale)·v. The
 * scale is applied to q (S·d truncations instead of S²), the division after the product with v.
 */
export async function softmaxAttention(
  be: SecretBackend,
  q: Shared,
  k: Shared,
  v: Shared,
  opts: SoftmaxAttentionOptions = {},
): Promise<Shared> {
  const [B, H, S, d] = attnShape(q, k, v);
  return await be.scope("softmax-attention", async () => {
    const scale = opts.scale ?? 1 / Math.sqrt(d);
    const qs = scale === 1 ? q : await mulConst(be, q, scale);
    const scores = await be.matmul(qs, be.transpose(k)); // [B, H, S, S]
    const { e, den } = await expScores(be, scores, opts);
    const r = await reciprocal(be, den, { domain: denominatorDomain(S) }); // [B, H, S, 1]
    const ev = await be.matmul(e, v); // [B, H, S, d]
    return await be.mul(ev, be.broadcastTo(r, [B, H, S, d]));
  });
}

/** Adds the cost of {@link softmaxAttention} on [B, H, S, d] to a model. */
export function softmaxAttentionPlan(
  m: CostModel,
  shape: readonly [number, number, number, number],
  opts: SoftmaxAttentionOptions = {},
): CostModel {
  const [B, H, S, d] = shape;
  const bh = B * H;
  if ((opts.scale ?? 1 / Math.sqrt(d)) !== 1) m.truncate(bh * S * d);
  m.matmul(bh, S, d, S, true);
  maxLastAxisPlan(m, bh * S, S);
  expPlan(m, bh * S * S, { iters: opts.expIters });
  reciprocalPlan(m, bh * S, { domain: denominatorDomain(S) });
  return m.matmul(bh, S, S, d, true).mul(bh * S * d);
}

/**
 * Closed-form cost of {@link softmaxAttention} on [B, H, S, d]: trunc(BHSd, unless scale = 1) + matmul(q·kᵀ) +
 * max tree(BHS rows of S) + exp(BHS²) + reciprocal(BHS, [1, S]) + matmul(E·V) + mul(BHSd).
 */
export function softmaxAttentionCost(
  kind: BackendKind,
  shape: readonly [number, number, number, number],
  opts: SoftmaxAttentionOptions & CostOptions = {},
): Cost {
  return costOf(kind, opts, (m) => softmaxAttentionPlan(m, shape, opts));
}

/** Validates q, k, v shapes [B, H, S, d] and returns them. */
export function attnShape(q: Shared, k: Shared, v: Shared): [number, number, number, number] {
  const ok = (s: readonly number[]) => s.length === 4 && s.every((x, i) => x === q.shape[i]);
  if (q.shape.length !== 4 || !ok(k.shape) || !ok(v.shape)) {
    throw new RangeError(
      `attention: q, k, v must all be [B, H, S, d], got [${q.shape}], [${k.shape}], [${v.shape}]`,
    );
  }
  return q.shape as [number, number, number, number];
}

/** Float64 softmax attention (reference), q, k, v [B, H, S, d], mask [B, S] or [S]. */
export function softmaxAttentionReference(
  q: FloatTensor,
  k: FloatTensor,
  v: FloatTensor,
  opts: { scale?: number; mask?: FloatTensor } = {},
): FloatTensor {
  const [B, H, S, d] = q.shape;
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  const out = new Float64Array(B * H * S * d);
  const at = (t: FloatTensor, b: number, h: number, i: number, j: number) =>
    t.data[((b * H + h) * S + i) * d + j];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < S; i++) {
        const s = new Float64Array(S);
        let mx = -Infinity;
        for (let j = 0; j < S; j++) {
          const keep = maskAt(opts.mask, b, j, S);
          let dot = 0;
          for (let c = 0; c < d; c++) dot += at(q, b, h, i, c) * at(k, b, h, j, c);
          s[j] = keep ? dot * scale : -Infinity;
          mx = Math.max(mx, s[j]);
        }
        let sum = 0;
        for (let j = 0; j < S; j++) sum += s[j] = Math.exp(s[j] - mx);
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let j = 0; j < S; j++) acc += s[j] * at(v, b, h, j, c);
          out[((b * H + h) * S + i) * d + c] = acc / sum;
        }
      }
    }
  }
  return new FloatTensor(out, q.shape);
}

/** Mask value of key j of batch b (1 when no mask). */
export function maskAt(mask: FloatTensor | undefined, b: number, j: number, S: number): boolean {
  if (!mask) return true;
  return mask.data[(mask.shape.length === 2 ? b * S : 0) + j] !== 0;
}
