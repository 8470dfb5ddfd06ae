/**
 * @secp/protocols — secure non-linear functions and attention built only on the `SecretBackend`
 * interface of `@secp/sharing`, so the same code runs on the `plain` reference and on the `2pc`
 * and `3pc` backends, at every party (computing parties, dealer, data owner).
 *
 * - {@link cosSin} — Π_cos, SecP-Tuning's privacy cosine/sine: one online round opening only the
 *   f low bits of u − t (perfectly hiding); the paper's full-ring opening and CrypTen's iterative
 *   method as variants.
 * - {@link rfaAttention} — random feature attention with trig features by Π_cos; the baseline
 *   {@link softmaxAttention}; {@link normalizedAttention} (softmax over ℓ2-normalised q, k).
 * - {@link exp}, {@link reciprocal}, {@link rsqrt}, {@link layerNorm}, {@link geluAccurate} (GELU
 *   within 3e−4 of the erf form; the models' GELU), {@link gelu} (PUMA's polynomial, 2.2e−2),
 *   {@link tanh}, {@link relu}, {@link maxLastAxis}, {@link clip}, {@link softmax}.
 *
 * Every protocol exports a `…Spec` (domain, error contract measured against float64, method and
 * provenance; all listed in {@link PROTOCOL_SPECS}) and a closed-form `…Cost(kind, shape,
 * options)`; the tests assert the costs equal to the ledger for 2PC (exact and local truncation)
 * and 3PC. `…Plan(model, …)` functions add a protocol's cost to a {@link CostModel}, so callers can
 * compose the cost of a whole layer. Out-of-domain inputs are checked on the plain backend in
 * debug mode (`debug: true` or `SECP_PROTOCOLS_DEBUG=1`); under MPC a check would leak, so each
 * spec's `domain.note` says what happens instead.
 *
 * ```ts
 * import { runLocal } from "@secp/sharing";
 * import { FloatTensor } from "@secp/field";
 * import { cosCost, cosSin } from "@secp/protocols";
 *
 * const u = FloatTensor.from([0, 0.125, 0.25, 1.5]);
 * const { results, roles } = await runLocal("2pc", async (be) => {
 *   const x = await be.input("dataOwner", be.is("dataOwner") ? u : undefined, u.shape);
 *   const { cos } = await cosSin(be, x); // cos(2πu) and sin(2πu)
 *   return await be.reveal(cos, "dataOwner");
 * });
 * console.log(results.get(roles.dataOwner)?.data); // ≈ [1, 0.7071, 0, -1]
 * console.log(cosCost("2pc", u.shape)); // 2 rounds: the f-bit opening and one truncation
 * ```
 *
 * @module
 */
import type { ProtocolSpec } from "./common.ts";
import { reluSpec } from "./compare.ts";
import { cosIterativeSpec, cosSpec } from "./cos.ts";
import { expSpec } from "./exp.ts";
import { geluSpec } from "./gelu.ts";
import { geluAccurateSpec } from "./gelu_accurate.ts";
export {
  GELU_ACCURATE_COEFFS,
  GELU_ACCURATE_T,
  geluAccurate,
  geluAccurateCost,
  geluAccuratePlan,
  geluAccuratePoly,
  geluAccurateSpec,
} from "./gelu_accurate.ts";
import { layerNormSpec } from "./layernorm.ts";
import { normalizedAttentionSpec } from "./normalized_attention.ts";
import { reciprocalNormalizedSpec, reciprocalSpec } from "./reciprocal.ts";
import { rfaSpec } from "./rfa.ts";
import { rsqrtNewtonSpec, rsqrtSpec } from "./rsqrt.ts";
import { softmaxAttentionSpec, softmaxSpec } from "./softmax.ts";
import { tanhSpec } from "./tanh.ts";

export {
  checkDomain,
  constLike,
  debugFromEnv,
  type DebugOptions,
  type Domain,
  type ErrorContract,
  mulAll,
  mulConst,
  mulNoTruncAll,
  oneMinusBit,
  type ProtocolSpec,
  ringFill,
  ringPolynomial,
  truncateAll,
} from "./common.ts";
export {
  type BackendKind,
  type Cost,
  CostModel,
  costOf,
  type CostOptions,
  maxBytes,
  type TruncMode,
} from "./cost.ts";
export {
  below,
  clip,
  clipPlan,
  maximum,
  maxLastAxis,
  maxLastAxisCost,
  maxLastAxisPlan,
  relu,
  reluCost,
  reluSpec,
} from "./compare.ts";
export {
  cos,
  COS_ITERATIVE_DEFAULT_ITERS,
  COS_PAPER_DEFAULT_WIDE_BITS,
  cosCost,
  type CosCostOptions,
  cosIterativeSpec,
  type CosOptions,
  cosPlan,
  cosPreprocess,
  cosPreprocessPlan,
  type CosSin,
  cosSin,
  cosSpec,
  type CosTuples,
  type CosVariant,
  sin,
  type TrigOutputs,
} from "./cos.ts";
export { exp, EXP_DEFAULT_ITERS, expCost, type ExpOptions, expPlan, expSpec } from "./exp.ts";
export {
  erf,
  gelu,
  GELU_A,
  GELU_B,
  GELU_BREAKS,
  GELU_COEFF_BITS,
  geluCost,
  geluExact,
  geluPlan,
  geluPolynomials,
  geluPuma,
  geluSegments,
  geluSignBits,
  geluSpec,
} from "./gelu.ts";
export {
  type Affine,
  layerNorm,
  layerNormCost,
  type LayerNormOptions,
  layerNormPlan,
  layerNormReference,
  layerNormSpec,
} from "./layernorm.ts";
export { type Buckets, buckets, bucketsPlan, perBucket } from "./normalize.ts";
export {
  reciprocal,
  RECIPROCAL_NEWTON_DOMAIN,
  RECIPROCAL_NORMALIZED_DOMAIN,
  reciprocalCost,
  reciprocalGuess,
  reciprocalIters,
  reciprocalNormalizedSpec,
  type ReciprocalOptions,
  reciprocalPlan,
  reciprocalSpec,
} from "./reciprocal.ts";
export { l2Normalize, type L2NormalizeOptions, l2NormalizePlan } from "./l2norm.ts";
export {
  normalizedAttention,
  normalizedAttentionCost,
  type NormalizedAttentionOptions,
  normalizedAttentionPlan,
  normalizedAttentionReference,
  normalizedAttentionSpec,
} from "./normalized_attention.ts";
export {
  RFA_DEN_FLOOR,
  RFA_ERR_FLOOR,
  RFA_ERR_SLOPE,
  RFA_PHASE_EXTRA_BITS,
  rfaAttention,
  rfaAttentionCost,
  rfaAttentionPlan,
  rfaAttentionReference,
  type RfaCostOptions,
  type RfaOptions,
  rfaPreprocess,
  type RfaReference,
  rfaRowErrorBound,
  rfaSpec,
  type RfaStats,
  rfaWeights,
} from "./rfa.ts";
export {
  rsqrt,
  RSQRT_NEWTON_DOMAIN,
  RSQRT_NORMALIZED_DOMAIN,
  rsqrtCost,
  rsqrtGuess,
  rsqrtIters,
  rsqrtNewtonSpec,
  type RsqrtOptions,
  rsqrtPlan,
  rsqrtSpec,
} from "./rsqrt.ts";
export {
  attnShape,
  maskAt,
  ringMask,
  softmax,
  softmaxAttention,
  softmaxAttentionCost,
  type SoftmaxAttentionOptions,
  softmaxAttentionPlan,
  softmaxAttentionReference,
  softmaxAttentionSpec,
  softmaxCost,
  type SoftmaxOptions,
  softmaxPlan,
  softmaxSpec,
} from "./softmax.ts";
export {
  tanh,
  TANH_EXP_ITERS,
  TANH_SATURATE,
  tanhCost,
  type TanhOptions,
  tanhPlan,
  tanhSpec,
} from "./tanh.ts";
export type {
  FixedOperand,
  LedgerSink,
  MessageRecord,
  PartyId,
  Phase,
  Role,
  SecretBackend,
  Shared,
  TrigTuple,
} from "@secp/sharing";
export type { FixedPoint, FloatTensor, RingTensor, Shape } from "@secp/field";

/** Every protocol specification of this package (the approximation registry). */
export const PROTOCOL_SPECS: readonly ProtocolSpec[] = [
  cosSpec,
  cosIterativeSpec,
  expSpec,
  reciprocalSpec,
  reciprocalNormalizedSpec,
  rsqrtSpec,
  rsqrtNewtonSpec,
  layerNormSpec,
  geluSpec,
  geluAccurateSpec,
  tanhSpec,
  reluSpec,
  softmaxSpec,
  softmaxAttentionSpec,
  normalizedAttentionSpec,
  rfaSpec,
];
