/**
 * Plaintext side of `@secp/transformer`: the real Universal Sentence Encoder lite checkpoint
 * (tfjs weights parser, typed weights, random weights of any shape), its SentencePiece tokenizer,
 * and a float64 reference forward pass with soft prompts and softmax / normalised / RFA attention.
 *
 * ```ts
 * import { cosine, embed, loadUseLite } from "@secp/transformer";
 * const { weights, tokenizer } = await loadUseLite();
 * const [a, b] = embed(weights, [
 *   tokenizer.encode("I love this movie, it was wonderful."),
 *   tokenizer.encode("What a great and fantastic film!"),
 * ]);
 * console.log(cosine(a, b).toFixed(3)); // 0.845
 * ```
 *
 * @module
 */

// Checkpoint files and tfjs weights.
export {
  decodeWeightsManifest,
  type NamedTensor,
  type NamedTensors,
  readTfjsModel,
  shapeSize,
  type ShardSource,
  type TfjsDtype,
  type TfjsModelJson,
  type TfjsQuantization,
  type WeightsManifestEntry,
  type WeightsManifestGroup,
} from "./use_lite/tfjs.ts";
export { decodeFloat16, float16ToNumber, numberToFloat16 } from "./common/float16.ts";
export {
  loadUseLite,
  readUseVocab,
  USE_LITE_PACKAGE,
  type UseLiteAssetPaths,
  useLiteAssetPaths,
  type UseLiteAssets,
} from "./use_lite/assets.ts";

// Model description and weights.
export {
  attentionDim,
  defaultInvTimescales,
  finalModelDim,
  makeUseLiteConfig,
  USE_LITE_CONFIG,
  type UseLiteConfig,
  type UseLiteLayerConfig,
  validateUseLiteConfig,
} from "./use_lite/config.ts";
export {
  GLOBAL_NAMES,
  type GlobalTensorNames,
  layerParamNames,
  type SpecRole,
  type TensorSpec,
  useLiteTensorSpec,
} from "./use_lite/spec.ts";
export {
  checkUseLiteWeights,
  type FromTensorsOptions,
  UseLiteCheckpointError,
  useLiteConfigFromTensors,
  type UseLiteLayerWeights,
  useLiteParamCount,
  type UseLiteWeights,
  useLiteWeightsFromTensors,
  useLiteWeightsToTensors,
} from "./use_lite/weights.ts";
export { randomUseLiteWeights, type RandomWeightsOptions } from "./use_lite/random.ts";

// Tokenizer.
export {
  normalizeForUse,
  RESERVED_IDS,
  UseTokenizer,
  type VocabEntry,
  WORD_BOUNDARY,
} from "./use_lite/tokenizer.ts";

// Float64 reference forward pass.
export {
  embed,
  forward,
  type ForwardOptions,
  type ForwardResult,
  type Intermediates,
  type LayerIntermediates,
  poolHead,
  promptFromTokenIds,
  tokenTermStd,
} from "./use_lite/reference.ts";
export {
  attendSentence,
  type AttentionKind,
  type AttentionStats,
  type AttentionVariant,
  emptyAttentionStats,
  makeRfaFeatures,
  RFA_DENOMINATOR_FLOOR,
  type RfaFeatures,
  type SentenceAttention,
  temperatureAt,
  type Temperatures,
} from "./use_lite/attention.ts";
export {
  calibrateTemperatures,
  median,
  type ScaledNorms,
  scaledNorms,
} from "./use_lite/calibrate.ts";
export {
  addInPlace,
  cosine,
  dot,
  layerNormRows,
  matmulBias,
  reluInPlace,
} from "./common/linalg.ts";
export { addTimingSignal, timingSignal } from "./use_lite/timing.ts";
export { gaussianArray, seededRng, type WeightRng } from "./common/rng.ts";

// The model written once against SecretBackend.
export {
  embedTokens,
  encode,
  encoderLayer,
  type SecureLayer,
  type SecureUseLite,
  shareUseLite,
} from "./use_lite/secure.ts";
export { denseForward, l2normalize, type SecureDense } from "./common/layers.ts";
export {
  type BatchLayout,
  maskOf,
  meanRows,
  packedRows,
  packRows,
  unpackRows,
} from "./common/packing.ts";
export { type ModelOps, reluByLtz } from "./use_lite/ops.ts";
export {
  type BatchInputs,
  type BatchSpec,
  embedSecure,
  evaluatePrompts,
  prepareBatch,
  type PreparedState,
  useLitePromptWidths,
} from "./use_lite/steps.ts";
export {
  layerPromptRows,
  replacePackedPromptRows,
  replacePaddedPromptRows,
} from "./common/prompt_rows.ts";
export {
  parseUseLiteBatchSpec,
  parseUseLitePublicModel,
  useLiteJob,
  type UseLitePublicModel,
  useLitePublicModel,
} from "./use_lite/job.ts";
export { protocolOps, type SecureAttention } from "./use_lite/protocol_ops.ts";

// Model-owner RFA adaptation: committed checkpoints (the training code, which needs tfjs, is in
// `./adapt/mod.ts` and stays out of this entry point).
export {
  ADAPTED_CHECKPOINT_DIR,
  type AdaptedCheckpoint,
  AdaptedCheckpointError,
  type AdaptedCheckpointFile,
  adaptedCheckpointName,
  applyCheckpoint,
  type CheckpointAttention,
  checkpointAttention,
  type CheckpointTensor,
  DEFAULT_ADAPTED_CHECKPOINT,
  DEFAULT_ADAPTED_FEATURES,
  listAdaptedCheckpoints,
  loadAdaptedUseLite,
  readCheckpoint,
  useLiteWeightsSha256,
} from "./adapt/checkpoint.ts";
export { SECURE_RFA_FLOOR, secureAttention, secureRfaAttention } from "./adapt/secure.ts";

// The BERT/RoBERTa encoder layer (inference), written once for all backends. Its training passes
// and the secure backward/Adam of the gradient baselines are in `./baselines` (baselines/mod.ts).
export {
  DENSE_NAMES,
  denseLinear,
  denseLinearPlan,
  type DenseName,
  denseShapes,
  type ForwardDense,
  type ForwardRobertaLayer,
  type LayerAttention,
  type LayerRunOptions,
  matmulFixedPlan,
  mergeHeads,
  prepareForwardLayer,
  randomRobertaLayerWeights,
  ROBERTA_LARGE_LAYER,
  type RobertaLayerConfig,
  robertaLayerForward,
  robertaLayerForwardPlan,
  robertaLayerParamCount,
  type RobertaLayerWeights,
  type SecureGelu,
  type SharedRobertaLayer,
  shareRobertaLayer,
  splitHeads,
} from "./hf/layer.ts";

// Hugging Face BERT/RoBERTa checkpoints (config.json + model.safetensors + tokenizer.json): reader,
// typed weights, random models of any shape, float64 reference and the secure forward.
export {
  bfloat16ToNumber,
  decodeSafetensors,
  decodeSafetensorsData,
  encodeSafetensors,
  numberToBfloat16,
  type OpenSafetensors,
  openSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  type ReadSafetensorsOptions,
  type SafeTensor,
  SAFETENSORS_DTYPE_BYTES,
  SAFETENSORS_MAX_HEADER,
  type SafetensorsDtype,
  type SafetensorsEntry,
  SafetensorsError,
  type SafetensorsFile,
  type SafetensorsHeader,
  safetensorsHeaderLength,
  type SafetensorsWriteDtype,
  type TensorToWrite,
  writeSafetensors,
  type WriteSafetensorsOptions,
} from "./hf/safetensors.ts";
export {
  HF_PRESETS,
  type HfConfig,
  HfConfigError,
  type HfConfigFields,
  hfConfigToJson,
  type HfHiddenAct,
  type HfModelType,
  makeHfConfig,
  parseHfConfig,
  readHfConfig,
} from "./hf/config.ts";
export {
  HF_DEFAULT_IGNORED,
  hfBasePrefix,
  HfCheckpointError,
  hfEncoderTensorSpec,
  type HfFromTensorsOptions,
  type HfMappedWeights,
  type HfMlmHead,
  hfMlmHeadNames,
  hfParamCount,
  type HfPooler,
  type HfShapeMismatch,
  type HfTensor,
  type HfToTensorsOptions,
  type HfWeights,
  hfWeightsFromTensors,
  hfWeightsToTensors,
  type RandomHfOptions,
  randomHfWeights,
  transposeLinear,
} from "./hf/weights.ts";
export {
  type HfEncodeOptions,
  type HfSpecialIds,
  HfTokenizer,
  type WordPieceJsonOptions,
  wordPieceTokenizerConfig,
  wordPieceTokenizerJson,
} from "./hf/tokenizer.ts";
export {
  type HfCheckpoint,
  loadHfCheckpoint,
  type LoadHfOptions,
  TINY_HF_PIECES,
  type TinyHfOptions,
  writeHfCheckpoint,
  type WriteHfOptions,
  writeTinyHfCheckpoint,
} from "./hf/checkpoint.ts";
export {
  hfAttention,
  hfConfigGelu,
  hfEmbed,
  hfEmbeddingRows,
  hfForward,
  type HfForwardOptions,
  type HfForwardResult,
  hfGelu,
  type HfGeluKind,
  hfMlmLogits,
  hfPromptFromTokenIds,
} from "./hf/reference.ts";
export {
  hfEncodeSecure,
  hfForwardSecure,
  hfInsertPromptSecure,
  hfLayerConfig,
  hfMeanPoolSecure,
  hfMlmLogitsSecure,
  type HfSecureForwardOptions,
  type HfSecureForwardResult,
  type HfTextInputs,
  hfTokenRowsSecure,
  type SecureHfMlmHead,
  type SecureHfModel,
  shareHfModel,
  type ShareHfOptions,
} from "./hf/secure.ts";
export {
  type HfBatchInputs,
  type HfBatchSpec,
  hfClasses,
  hfEvaluatePrompts,
  type HfHeadSpec,
  hfPrepareBatch,
  type HfPreparedBatch,
} from "./hf/steps.ts";
export {
  hfJob,
  hfJobSetup,
  type HfPublicModel,
  hfPublicModel,
  parseHfBatchSpec,
  parseHfPublicModel,
} from "./hf/job.ts";
export {
  encodeMasked,
  MASK_PLACEHOLDER,
  maskedLength,
  type MaskedText,
  verbalizerIds,
} from "./hf/readout.ts";
export type { Job, JobParty, JobRole, JobSetup, SharedModel } from "@secp/sharing/run";
