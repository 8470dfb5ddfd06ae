/**
 * Model-owner adaptation of USE-lite to random feature attention (plaintext distillation with
 * tfjs-core autodiff) and the adapted-checkpoint format.
 *
 * - `checkpoint.ts`: {@link loadAdaptedUseLite} applies a committed checkpoint (float16 deltas of
 *   the changed tensors + RFA variant and seed) on top of the npm weights, after checking hashes.
 * - `tf_model.ts`, `tf_backend.ts`, `tf_gradients.ts`: the model in tfjs-core with RFA in the loop.
 * - `train.ts`: distillation loops; `data.ts`: State of the Union sentences; `evaluate.ts`: report
 *   measurements. The command is `apps/cli/adapt.ts` (`deno task adapt`).
 *
 * @module
 */
export {
  ADAPTED_CHECKPOINT_DIR,
  type AdaptedCheckpoint,
  AdaptedCheckpointError,
  type AdaptedCheckpointFile,
  adaptedCheckpointName,
  applyCheckpoint,
  BASE_HASH_OF,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_LEARNED,
  type CheckpointAttention,
  checkpointAttention,
  type CheckpointMeta,
  type CheckpointTensor,
  DEFAULT_ADAPTED_CHECKPOINT,
  DEFAULT_ADAPTED_FEATURES,
  encodeCheckpoint,
  initialFeatures,
  listAdaptedCheckpoints,
  loadAdaptedUseLite,
  readCheckpoint,
  useLiteWeightsSha256,
  validateCheckpoint,
} from "./checkpoint.ts";
export {
  ANCHOR_PHRASES,
  buildDistillationSets,
  buildPassages,
  type DistillationSetOptions,
  type DistillationSets,
  HELD_OUT_SEED,
  loadSotuSpeeches,
  type PassageOptions,
  type Sentence,
  shuffleInPlace,
  SOTU_PACKAGE,
  SOTU_SOURCE,
  type Speech,
  splitSentences,
} from "./data.ts";
export { loadMobyDickChapters, MOBY_DICK_PACKAGE, MOBY_DICK_SOURCE } from "./data_extra.ts";
export {
  type CosineSummary,
  type GuardStats,
  type HeldOutFidelity,
  heldOutFidelity,
  summarise,
  zeroShot,
  type ZeroShotResult,
  type ZeroShotSet,
} from "./evaluate.ts";
export { makeOrthogonalRfaFeatures } from "../use_lite/orthogonal_features.ts";
export { SECURE_RFA_FLOOR, secureAttention, secureRfaAttention } from "./secure.ts";
export {
  ADAPT_BACKEND,
  type AdaptBackendOptions,
  adaptMatmulThreads,
  useAdaptBackend,
} from "./tf_backend.ts";
export { type GradientRegistration, registerTfjsGradients } from "./tf_gradients.ts";
export {
  buildTfModel,
  type BuildTfModelOptions,
  disposeTfModel,
  type ExportedModel,
  exportFeatures,
  exportWeights,
  makeTfBatch,
  type TfAttention,
  type TfBatch,
  tfEmbedAll,
  type TfEmbedResult,
  tfForward,
  type TfUseLite,
  type TrainableGroups,
} from "./tf_model.ts";
export {
  distill,
  type DistillData,
  distillLayers,
  type DistillOptions,
  type DistillResult,
  relationalLoss,
  type StepInfo,
} from "./train.ts";
