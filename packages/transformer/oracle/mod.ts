/**
 * @secp/transformer/oracle — fitness oracles for forward-only tuning, in one call: the float64
 * reference model, or the model under MPC (any backend, every party in this process or deployed
 * over TCP), opening only the C logits of each (prompt, text) to the data owner.
 *
 * ```ts
 * import { openOracle } from "@secp/transformer/oracle";
 * const { oracle, close } = await openOracle({ backend: "2pc", attention: "softmax", promptLength: 4 });
 * const batch = await oracle.prepare({ texts: ["A moving film."], labelTexts: ["bad", "good"] });
 * const { logits, cost } = await oracle.evaluate([new Float64Array(4 * oracle.embedDim)], batch);
 * console.log(logits, cost?.bytesSent);
 * await close();
 * ```
 *
 * @module
 */
export { loadModelFor, type ModelChoice, type ModelFor, secureOps } from "./models.ts";
export {
  type OpenedOracle,
  openOracle,
  type OracleBackend,
  type OracleModelInfo,
  type OracleOptions,
} from "./open.ts";
export {
  type HfBatch,
  HfOracleBase,
  type HfOracleOptions,
  HfReferenceOracle,
  HfSecureOracle,
} from "./hf.ts";
export { type ReferenceBatch, ReferenceOracle, type ReferenceOracleOptions } from "./reference.ts";
export { type SecureBatch, SecureOracle, type SecureOracleOptions } from "./secure.ts";
export {
  announceModel,
  hfAttentionOf,
  type ModelAnnouncement,
  parseModelAnnouncement,
  partySetup,
  partySetupFor,
  type PartySetupOptions,
  partyWorkerSetup,
  type UseLiteSetup,
  useLiteSetup,
} from "./setup.ts";
export { LOGIT_SCALE, tokenize } from "./tokens.ts";
export { groupByDepth, positionMajor, splitDeepPrompt } from "./deep.ts";
// The types this entry's API refers to.
export type * from "../mod.ts";
export type * from "@secp/fot";
export type * from "@secp/sharing/run";
export type * from "@secp/sharing";
export type * from "@secp/protocols";
