/**
 * Closed-form communication costs of the backend primitives, per party, as the ledger counts them
 * (payload bytes sent; dependent rounds), for any registered backend: each backend states its own
 * (`additive2pc_cost.ts`, `replicated3pc_cost.ts`, `plain_cost.ts`) and these functions look them up
 * in the registry. Tests assert they equal the measured ledger.
 *
 * @module
 */
import type { BackendKind, TruncMode } from "./backend.ts";
import type { BackendCosts, Cost } from "./cost_model.ts";
import { backendInfo } from "./registry.ts";

export {
  type BackendCosts,
  type Cost,
  type RoundPattern,
  type RoundSteps,
  seq,
  zeroCost,
} from "./cost_model.ts";

/** The closed-form costs of `kind` (from the registry). */
export function costsOf(kind: BackendKind): BackendCosts {
  return backendInfo(kind).costs;
}

/** Cost of truncating n elements. */
export function truncCost(kind: BackendKind, n: number, trunc: TruncMode = "exact"): Cost {
  return costsOf(kind).trunc(n, trunc);
}

/**
 * Cost of a truncated product (`mul`, `matmul`) with n outputs, given its untruncated cost:
 * product then truncation, or the backend's fused protocol (3PC `exact`).
 */
export function truncatedProductCost(
  kind: BackendKind,
  noTrunc: Cost,
  n: number,
  trunc: TruncMode = "exact",
): Cost {
  return costsOf(kind).truncatedProduct(noTrunc, n, trunc);
}

/** Cost of an elementwise product of n elements without truncation. */
export function mulNoTruncCost(kind: BackendKind, n: number): Cost {
  return costsOf(kind).mulNoTrunc(n);
}

/** Cost of a (batched) matmul [b,m,k]@[k,n] (bBatched: [b,k,n]) without truncation. */
export function matmulNoTruncCost(
  kind: BackendKind,
  b: number,
  m: number,
  k: number,
  n: number,
  bBatched: boolean,
): Cost {
  return costsOf(kind).matmulNoTrunc(b, m, k, n, bBatched);
}

/** Cost of a fixed-operand matmul [m,k]@W[k,n] after `fixed(W)`, without truncation. */
export function matmulFixedNoTruncCost(kind: BackendKind, m: number, k: number, n: number): Cost {
  return costsOf(kind).matmulFixedNoTrunc(m, k, n);
}

/** Cost of `fixed(W)` for a `[k, n]` weight (once per weight). */
export function fixedCost(kind: BackendKind, k: number, n: number): Cost {
  return costsOf(kind).fixed(k, n);
}

/** Cost of opening n elements mod 2^k to the computing parties. */
export function openMod2kCost(kind: BackendKind, n: number, k: number): Cost {
  return costsOf(kind).openMod2k(n, k);
}

/**
 * Cost of `ltz` on n elements of `bits` bits, bit-sliced into planes of ⌈n/64⌉ words: the carry
 * tree ANDs ≈ 3·bits planes (86 at 32 bits, 181 at 64); see each backend's cost file.
 */
export function ltzCost(kind: BackendKind, n: number, bits = 64): Cost {
  return costsOf(kind).ltz(n, bits);
}
