/**
 * @secp/transformer/baselines — the secure training passes of the paper's cost table: SFT and
 * gradient prompt tuning need a secure backward pass and a secure optimizer (Adam), which
 * forward-only tuning avoids. The BERT/RoBERTa layer's training forward (keeping what the backward
 * needs), its backward with or without weight gradients, the per-op backward protocols with their
 * costs, Adam, and float64 references for the tests. Used by `deno task bench paper`; importing the
 * models (`@secp/transformer`) never pulls this in.
 *
 * @module
 */
export {
  type AttentionCache,
  type AttentionGrads,
  crossEntropyGrad,
  crossEntropyGradPlan,
  denseBackward,
  denseBackwardPlan,
  type DenseGrads,
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
  prepareDense,
  prepareDensePlan,
  softmaxAttentionBackward,
  softmaxAttentionBackwardPlan,
  softmaxAttentionTrain,
  softmaxAttentionTrainPlan,
  type TrainDense,
} from "./ops.ts";
export {
  ADAM_RECIPROCAL,
  ADAM_RSQRT,
  adamInit,
  type AdamOptions,
  adamPlan,
  adamReference,
  type AdamState,
  adamStep,
} from "./adam.ts";
export {
  type PreparedRobertaLayer,
  prepareRobertaLayer,
  prepareRobertaLayerPlan,
  robertaLayerBackward,
  robertaLayerBackwardPlan,
  type RobertaLayerCache,
  type RobertaLayerGrads,
  robertaLayerTrainForward,
  robertaLayerTrainForwardPlan,
} from "./roberta_train.ts";
// The types this entry's API refers to.
export type * from "../mod.ts";
export type * from "@secp/protocols";
export type * from "@secp/sharing";
export type * from "@secp/field";
