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
} from "./weights/tfjs.ts";
export { decodeFloat16, float16ToNumber, numberToFloat16 } from "./weights/float16.ts";
export {
  loadUseLite,
  readUseVocab,
  USE_LITE_PACKAGE,
  type UseLiteAssetPaths,
  useLiteAssetPaths,
  type UseLiteAssets,
} from "./assets.ts";

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
} from "./weights/use_lite_config.ts";
export {
  GLOBAL_NAMES,
  type GlobalTensorNames,
  layerParamNames,
  type SpecRole,
  type TensorSpec,
  useLiteTensorSpec,
} from "./weights/use_lite_spec.ts";
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
} from "./weights/use_lite.ts";
export { randomUseLiteWeights, type RandomWeightsOptions } from "./weights/random.ts";

// Tokenizer.
export {
  normalizeForUse,
  RESERVED_IDS,
  UseTokenizer,
  type VocabEntry,
  WORD_BOUNDARY,
} from "./tokenizer/use_tokenizer.ts";

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
} from "./reference.ts";
export {
  attendSentence,
  type AttentionStats,
  type AttentionVariant,
  emptyAttentionStats,
  makeRfaFeatures,
  RFA_DENOMINATOR_FLOOR,
  type RfaFeatures,
  type SentenceAttention,
  temperatureAt,
  type Temperatures,
} from "./reference/attention.ts";
export {
  calibrateTemperatures,
  median,
  type ScaledNorms,
  scaledNorms,
} from "./reference/calibrate.ts";
export {
  addInPlace,
  cosine,
  dot,
  layerNormRows,
  matmulBias,
  reluInPlace,
} from "./reference/linalg.ts";
export { addTimingSignal, timingSignal } from "./reference/timing.ts";
export { gaussianArray, type Rng, seededRng } from "./util/rng.ts";

// The model written once against SecretBackend.
export {
  type BatchLayout,
  denseForward,
  embedTokens,
  encode,
  encoderLayer,
  maskOf,
  type SecureDense,
  type SecureLayer,
  type SecureUseLite,
  shareUseLite,
} from "./secure/model.ts";
export { type ModelOps, reluByLtz } from "./secure/ops.ts";
export {
  type BatchInputs,
  type BatchSpec,
  embedSecure,
  evaluatePrompts,
  prepareBatch,
  type PreparedState,
} from "./secure/steps.ts";
export { LocalSession, type SecureSession, type SessionOptions } from "./secure/session.ts";
export {
  type Deployment,
  describeRole,
  parseDeployment,
  type PartySetup,
  RemoteSession,
  type RemoteSessionOptions,
  type ServedSession,
  serveParty,
  type ServePartyOptions,
  type SessionAnnouncement,
} from "./secure/remote_session.ts";
export { l2normalize, protocolOps, type SecureAttention } from "./secure/protocol_ops.ts";

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

// RoBERTa-style layer for the cost runs, and the secure backward pass of the gradient baselines.
export {
  DENSE_NAMES,
  type DenseName,
  denseShapes,
  type LayerAttention,
  type LayerRunOptions,
  type PreparedRobertaLayer,
  prepareRobertaLayer,
  prepareRobertaLayerPlan,
  randomRobertaLayerWeights,
  ROBERTA_LARGE_LAYER,
  robertaLayerBackward,
  robertaLayerBackwardPlan,
  type RobertaLayerCache,
  type RobertaLayerConfig,
  robertaLayerForward,
  robertaLayerForwardPlan,
  type RobertaLayerGrads,
  robertaLayerParamCount,
  robertaLayerTrainForward,
  robertaLayerTrainForwardPlan,
  type RobertaLayerWeights,
  type SecureGelu,
  type SharedRobertaLayer,
  shareRobertaLayer,
} from "./secure/roberta_layer.ts";
export {
  type AttentionCache,
  type AttentionGrads,
  crossEntropyGrad,
  crossEntropyGradPlan,
  denseBackward,
  denseBackwardPlan,
  denseForwardPlan,
  type DenseGrads,
  denseTrainForward,
  GELU_GRAD_A,
  GELU_GRAD_B,
  GELU_GRAD_MAX_ABS,
  geluBackward,
  geluBackwardPlan,
  geluForwardPlan,
  geluGradPoly,
  geluTrain,
  geluTrainPlan,
  layerNormBackward,
  layerNormBackwardPlan,
  type LayerNormCache,
  type LayerNormGrads,
  layerNormTrain,
  layerNormTrainPlan,
  matmulFixedPlan,
  prepareDense,
  prepareDensePlan,
  softmaxAttentionBackward,
  softmaxAttentionBackwardPlan,
  softmaxAttentionTrain,
  softmaxAttentionTrainPlan,
  type TrainDense,
} from "./secure/backward/ops.ts";
export {
  ADAM_RECIPROCAL,
  ADAM_RSQRT,
  adamInit,
  type AdamOptions,
  adamPlan,
  adamReference,
  type AdamState,
  adamStep,
} from "./secure/backward/adam.ts";

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
