/**
 * Hugging Face `config.json` of a BERT or RoBERTa encoder, parsed into {@link HfConfig}, with
 * errors naming the offending field; presets of the usual sizes for random models.
 *
 * Accepted `model_type`s: `bert`, and `roberta` with its architectural copies `xlm-roberta` and
 * `camembert`. RoBERTa numbers positions from `padding_idx + 1` (`padding_idx` = `pad_token_id`),
 * so the first token uses row `pad_token_id + 1` of the position table and the longest input is
 * `max_position_embeddings − pad_token_id − 1` tokens (512 for RoBERTa's 514 rows); BERT starts at
 * row 0.
 *
 * @module
 */

/** Architecture family. */
export type HfModelType = "bert" | "roberta";

/** Activation of the FFN: exact erf GELU, or the tanh approximation (`gelu_new` & co.). */
export type HfHiddenAct = "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast";

/** Shapes and constants of a BERT/RoBERTa encoder. */
export interface HfConfig {
  /** Architecture family (position numbering, tensor-name prefix). */
  readonly modelType: HfModelType;
  /** `model_type` as written in config.json (e.g. `xlm-roberta`). */
  readonly sourceModelType: string;
  /** `hidden_size` d. */
  readonly hiddenSize: number;
  /** `num_hidden_layers`. */
  readonly numLayers: number;
  /** `num_attention_heads` (divides d). */
  readonly numHeads: number;
  /** `intermediate_size` (FFN inner width). */
  readonly intermediateSize: number;
  /** `hidden_act`. */
  readonly hiddenAct: HfHiddenAct;
  /** `layer_norm_eps` (BERT 1e−12, RoBERTa 1e−5). */
  readonly layerNormEps: number;
  /** `max_position_embeddings` (rows of the position table). */
  readonly maxPositionEmbeddings: number;
  /** `type_vocab_size` (2 for BERT, 1 for RoBERTa). */
  readonly typeVocabSize: number;
  /** `vocab_size` (rows of the word-embedding table). */
  readonly vocabSize: number;
  /** `pad_token_id`. */
  readonly padTokenId: number;
  /** Row of the position table used by the first token: `pad_token_id + 1` for RoBERTa, else 0. */
  readonly positionOffset: number;
  /** Longest input in tokens: `max_position_embeddings − positionOffset`. */
  readonly maxSequenceLength: number;
  /** Other config.json fields, kept so a written config round-trips. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A config.json field is missing, mistyped or unsupported; `field` names it. */
export class HfConfigError extends Error {
  /** The config.json key concerned. */
  readonly field: string;
  /** Builds the error; the message names the source file and the field. */
  constructor(source: string, field: string, message: string) {
    super(`${source}: "${field}" ${message}`);
    this.name = "HfConfigError";
    this.field = field;
  }
}

const ROBERTA_FAMILY = new Set(["roberta", "xlm-roberta", "camembert"]);
const ACTS = new Set<string>(["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast"]);
const KNOWN = new Set([
  "model_type",
  "hidden_size",
  "num_hidden_layers",
  "num_attention_heads",
  "intermediate_size",
  "hidden_act",
  "layer_norm_eps",
  "max_position_embeddings",
  "type_vocab_size",
  "vocab_size",
  "pad_token_id",
]);

/**
 * Parses a config.json object. Shape fields are required; `hidden_act` (default `gelu`),
 * `layer_norm_eps` (1e−12), `type_vocab_size` (2), `pad_token_id` (0 for BERT, 1 for RoBERTa)
 * default as in `transformers`. Unsupported variants fail by name: `position_embedding_type`
 * other than `absolute`, `is_decoder`, `add_cross_attention`.
 */
export function parseHfConfig(json: unknown, source = "config.json"): HfConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new HfConfigError(source, "(root)", "must be a JSON object");
  }
  const o = json as Record<string, unknown>;
  const mt = o.model_type;
  if (typeof mt !== "string" || !(mt === "bert" || ROBERTA_FAMILY.has(mt))) {
    throw new HfConfigError(
      source,
      "model_type",
      `= ${JSON.stringify(mt)}: expected "bert" or "roberta" (or "xlm-roberta", "camembert")`,
    );
  }
  const modelType: HfModelType = mt === "bert" ? "bert" : "roberta";
  const int = (key: string, min: number, def?: number): number => {
    const v = o[key] ?? def;
    if (v === undefined) throw new HfConfigError(source, key, "is missing");
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      throw new HfConfigError(source, key, `= ${JSON.stringify(v)}: expected an integer ≥ ${min}`);
    }
    return v;
  };
  const hiddenSize = int("hidden_size", 1);
  const numLayers = int("num_hidden_layers", 0);
  const numHeads = int("num_attention_heads", 1);
  if (hiddenSize % numHeads !== 0) {
    throw new HfConfigError(
      source,
      "num_attention_heads",
      `= ${numHeads} does not divide "hidden_size" = ${hiddenSize}`,
    );
  }
  const intermediateSize = int("intermediate_size", 1);
  const vocabSize = int("vocab_size", 1);
  const maxPositionEmbeddings = int("max_position_embeddings", 1);
  const typeVocabSize = int("type_vocab_size", 1, 2);
  const padTokenId = int("pad_token_id", 0, modelType === "bert" ? 0 : 1);
  if (padTokenId >= vocabSize) {
    throw new HfConfigError(
      source,
      "pad_token_id",
      `= ${padTokenId} is outside the vocabulary ("vocab_size" = ${vocabSize})`,
    );
  }
  const act = o.hidden_act ?? "gelu";
  if (typeof act !== "string" || !ACTS.has(act)) {
    throw new HfConfigError(
      source,
      "hidden_act",
      `= ${JSON.stringify(act)}: supported are ${[...ACTS].map((a) => `"${a}"`).join(", ")}`,
    );
  }
  const eps = o.layer_norm_eps ?? 1e-12;
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) {
    throw new HfConfigError(source, "layer_norm_eps", `= ${JSON.stringify(eps)}: expected > 0`);
  }
  const pet = o.position_embedding_type ?? "absolute";
  if (pet !== "absolute") {
    throw new HfConfigError(
      source,
      "position_embedding_type",
      `= ${JSON.stringify(pet)}: only "absolute" is supported`,
    );
  }
  for (const key of ["is_decoder", "add_cross_attention"]) {
    if (o[key] === true) {
      throw new HfConfigError(source, key, "= true: only encoders are supported");
    }
  }
  const positionOffset = modelType === "roberta" ? padTokenId + 1 : 0;
  if (positionOffset >= maxPositionEmbeddings) {
    throw new HfConfigError(
      source,
      "max_position_embeddings",
      `= ${maxPositionEmbeddings} leaves no position after RoBERTa's offset ${positionOffset}`,
    );
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!KNOWN.has(k)) extra[k] = v;
  return {
    modelType,
    sourceModelType: mt,
    hiddenSize,
    numLayers,
    numHeads,
    intermediateSize,
    hiddenAct: act as HfHiddenAct,
    layerNormEps: eps,
    maxPositionEmbeddings,
    typeVocabSize,
    vocabSize,
    padTokenId,
    positionOffset,
    maxSequenceLength: maxPositionEmbeddings - positionOffset,
    extra,
  };
}

/** Reads and parses `path` (a config.json). */
export async function readHfConfig(path: string): Promise<HfConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read config: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HfConfigError(path, "(root)", `is not valid JSON: ${(e as Error).message}`);
  }
  return parseHfConfig(json, path);
}

/** The config as a config.json object (the fields `transformers` reads, plus `extra`). */
export function hfConfigToJson(c: HfConfig): Record<string, unknown> {
  return {
    ...c.extra,
    model_type: c.sourceModelType,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    layer_norm_eps: c.layerNormEps,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    vocab_size: c.vocabSize,
    pad_token_id: c.padTokenId,
  };
}

/** Fields of {@link makeHfConfig} (config.json names; `model_type` required). */
export type HfConfigFields = { model_type: string } & Record<string, unknown>;

/** The standard sizes, as config.json fields (as published by their authors). */
export const HF_PRESETS: Readonly<Record<string, Readonly<HfConfigFields>>> = Object.freeze({
  "bert-base": {
    model_type: "bert",
    architectures: ["BertForMaskedLM"],
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    hidden_act: "gelu",
    layer_norm_eps: 1e-12,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    vocab_size: 30522,
    pad_token_id: 0,
  },
  "roberta-base": {
    model_type: "roberta",
    architectures: ["RobertaForMaskedLM"],
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    hidden_act: "gelu",
    layer_norm_eps: 1e-5,
    max_position_embeddings: 514,
    type_vocab_size: 1,
    vocab_size: 50265,
    pad_token_id: 1,
    bos_token_id: 0,
    eos_token_id: 2,
  },
  "roberta-large": {
    model_type: "roberta",
    architectures: ["RobertaForMaskedLM"],
    hidden_size: 1024,
    num_hidden_layers: 24,
    num_attention_heads: 16,
    intermediate_size: 4096,
    hidden_act: "gelu",
    layer_norm_eps: 1e-5,
    max_position_embeddings: 514,
    type_vocab_size: 1,
    vocab_size: 50265,
    pad_token_id: 1,
    bos_token_id: 0,
    eos_token_id: 2,
  },
});

/**
 * A config from a preset name (`bert-base`, `roberta-base`, `roberta-large`) and/or config.json
 * fields overriding it, validated like a file: `makeHfConfig("roberta-large", {num_hidden_layers: 1})`.
 */
export function makeHfConfig(
  preset: string | HfConfigFields,
  overrides: Readonly<Record<string, unknown>> = {},
): HfConfig {
  let base: Record<string, unknown>;
  if (typeof preset === "string") {
    const p = HF_PRESETS[preset];
    if (!p) {
      throw new RangeError(
        `makeHfConfig: unknown preset "${preset}" (known: ${Object.keys(HF_PRESETS).join(", ")})`,
      );
    }
    base = { ...p };
  } else base = { ...preset };
  return parseHfConfig({ ...base, ...overrides }, "makeHfConfig");
}
