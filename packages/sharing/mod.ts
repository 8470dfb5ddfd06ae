/**
 * @secp/sharing — the `SecretBackend` interface and its implementations: `plain` (cleartext
 * reference), `2pc` (additive sharing with a dealer) and `3pc` (replicated sharing, ABY3).
 *
 * ```ts
 * import { runLocal } from "@secp/sharing";
 * import { FloatTensor } from "@secp/field";
 *
 * const { results, ledger } = await runLocal("2pc", async (be) => {
 *   const x = await be.input("dataOwner", be.is("dataOwner") ? FloatTensor.from([1.5, -2]) : undefined, [2]);
 *   const y = await be.input("modelOwner", be.is("modelOwner") ? FloatTensor.from([4, 0.25]) : undefined, [2]);
 *   return await be.reveal(await be.mul(x, y), "dataOwner");
 * });
 * console.log(results.get(3)?.data, ledger.rounds("online"));
 * ```
 *
 * @module
 */
export { Additive2pc, type Additive2pcOptions } from "./additive2pc.ts";
export type { BackendKind, Role, SecretBackend, TruncMode } from "./backend.ts";
export {
  type BackendOptions,
  type LocalPartiesOptions,
  type LocalRun,
  type LocalRunOptions,
  localTopology,
  makeBackend,
  pairwiseSeeds,
  runLocal,
} from "./run/mod.ts";
export {
  BACKEND_KINDS,
  type BackendInfo,
  backendInfo,
  type BackendParams,
  BACKENDS,
  NETWORKED_KINDS,
} from "./registry.ts";
export { RingOps } from "./base.ts";
export { Networked, type NetworkedOptions, type Roles, type TruncMaterial } from "./networked.ts";
export { PlainBackend, type PlainOptions } from "./plain.ts";
export { insecureTestSeed, Prg, type PrgState, randomSeed } from "./prg.ts";
export { Replicated3pc, type Replicated3pcOptions } from "./replicated3pc.ts";
export { type FixedOperand, Shared, type TrigTuple } from "./shared.ts";
export {
  type BackendCosts,
  type Cost,
  costsOf,
  fixedCost,
  ltzCost,
  matmulFixedNoTruncCost,
  matmulNoTruncCost,
  mulNoTruncCost,
  openMod2kCost,
  type RoundPattern,
  type RoundSteps,
  seq,
  truncatedProductCost,
  truncCost,
  zeroCost,
} from "./cost.ts";
export type { FixedPoint, FloatTensor, RingTensor, Shape } from "@secp/field";
export type * from "@secp/transport";
export { connectParty, type ConnectPartyOptions, deriveSeeds } from "./run/mod.ts";
export {
  MASK_KINDS,
  type MaskKind,
  type RevealEntry,
  RevealLog,
  type RevealLogJSON,
  type RevealRecord,
  type RevealSink,
} from "./reveal_log.ts";
