/**
 * The costs of `plain`: one party computing in the clear sends nothing.
 *
 * @module
 */
import { type BackendCosts, zeroCost } from "./cost_model.ts";

/** The costs of `PlainBackend`: all zero. */
export const PLAIN_COSTS: BackendCosts = {
  computing: [],
  exactTruncation: () => true,
  trunc: zeroCost,
  truncSteps: () => [],
  truncatedProduct: zeroCost,
  fusedProductSteps: () => null,
  productSteps: [],
  mulNoTrunc: zeroCost,
  matmulNoTrunc: zeroCost,
  fixed: zeroCost,
  matmulFixedNoTrunc: zeroCost,
  openMod2k: zeroCost,
  ltz: zeroCost,
  ltzStep: "none",
  trigTuple: zeroCost,
};
