/**
 * Typed weights of a Hugging Face BERT/RoBERTa encoder, mapped from (and back to) the tensor names
 * `transformers` writes, plus seeded random weights of any shape.
 *
 * Name map (the base-model names, optionally under `bert.` / `roberta.`, as `*ForMaskedLM` and
 * other task classes save them; TF-era `LayerNorm.gamma`/`beta` are read as `weight`/`bias`):
 *
 * | HF tensor                                                  | field                              |
 * | ---------------------------------------------------------- | ---------------------------------- |
 * | `embeddings.word_embeddings.weight` [V, d]                 | `wordEmbeddings` [V, d]            |
 * | `embeddings.position_embeddings.weight` [P, d]             | `positionEmbeddings` [P, d]        |
 * | `embeddings.token_type_embeddings.weight` [T, d]           | `tokenTypeEmbeddings` [T, d]       |
 * | `embeddings.LayerNorm.{weight,bias}` [d]                   | `embLnGamma`, `embLnBeta`          |
 * | `encoder.layer.N.attention.self.{query,key,value}.weight`  | `layers[N].qkvW` [d, 3d] (q│k│v)   |
 * | `encoder.layer.N.attention.self.{query,key,value}.bias`    | `layers[N].qkvB` [3d]              |
 * | `encoder.layer.N.attention.output.dense.{weight,bias}`     | `layers[N].outW` [d, d], `outB`    |
 * | `encoder.layer.N.attention.output.LayerNorm.{weight,bias}` | `layers[N].ln1G`, `ln1B`           |
 * | `encoder.layer.N.intermediate.dense.{weight,bias}`         | `layers[N].ffn1W` [d, ffn], `ffn1B`|
 * | `encoder.layer.N.output.dense.{weight,bias}`               | `layers[N].ffn2W` [ffn, d], `ffn2B`|
 * | `encoder.layer.N.output.LayerNorm.{weight,bias}`           | `layers[N].ln2G`, `ln2B`           |
 * | `pooler.dense.{weight,bias}` (optional)                    | `pooler.w` [d, d], `pooler.b`      |
 * | `lm_head.*` / `cls.predictions.*` (optional, unprefixed)   | `mlmHead`                          |
 *
 * `nn.Linear` stores its weight `[out, in]`; every dense weight here is transposed to `[in, out]`
 * (used as `x · W`). The embedding tables and the MLM decoder keep their `[rows, d]` layout. The
 * layers use the `RobertaLayerWeights` type of `secure/roberta_layer.ts`, so the secure layer runs
 * them as they are. Tensors `transformers` keeps but no forward pass reads are skipped and
 * reported (`embeddings.position_ids`, BERT's next-sentence head `cls.seq_relationship.*`).
 *
 * @module
 */
import type { RobertaLayerWeights } from "./layer.ts";
import { randomRobertaLayerWeights } from "./layer.ts";
import { gaussianArray, seededRng } from "../common/rng.ts";
import type { HfConfig } from "./config.ts";

/** Pooler of BertModel/RobertaModel: `tanh(h[CLS] · w + b)`. */
export interface HfPooler {
  /** `[d, d]` (in, out). */
  readonly w: Float64Array;
  /** `[d]`. */
  readonly b: Float64Array;
}

/** The masked-LM head: `LN(GELU(h · denseW + denseB)) · decoderᵀ + bias`. */
export interface HfMlmHead {
  /** Transform dense `[d, d]` (in, out). */
  readonly denseW: Float64Array;
  /** `[d]`. */
  readonly denseB: Float64Array;
  /** Transform LayerNorm γ `[d]`. */
  readonly lnGamma: Float64Array;
  /** Transform LayerNorm β `[d]`. */
  readonly lnBeta: Float64Array;
  /** Decoder `[V, d]` (one row per token, like the embedding table); null = tied to the word embeddings. */
  readonly decoder: Float64Array | null;
  /** Output bias `[V]`. */
  readonly bias: Float64Array;
}

/** A complete BERT/RoBERTa encoder (float64, row-major). */
export interface HfWeights {
  /** Shapes and constants. */
  readonly config: HfConfig;
  /** `[vocabSize, d]`. */
  readonly wordEmbeddings: Float64Array;
  /** `[maxPositionEmbeddings, d]`. */
  readonly positionEmbeddings: Float64Array;
  /** `[typeVocabSize, d]`. */
  readonly tokenTypeEmbeddings: Float64Array;
  /** Embedding LayerNorm γ `[d]`. */
  readonly embLnGamma: Float64Array;
  /** Embedding LayerNorm β `[d]`. */
  readonly embLnBeta: Float64Array;
  /** Encoder layers (post-LayerNorm), dense weights `[in, out]`. */
  readonly layers: readonly RobertaLayerWeights[];
  /** Pooler, when the checkpoint has one. */
  readonly pooler: HfPooler | null;
  /** Masked-LM head, when the checkpoint has one. */
  readonly mlmHead: HfMlmHead | null;
}

/** A named tensor (e.g. a `SafeTensor`): shape and row-major values. */
export interface HfTensor {
  /** Dimensions. */
  readonly shape: readonly number[];
  /** Values. */
  readonly data: ArrayLike<number>;
}

/** A shape mismatch between the config and a tensor. */
export interface HfShapeMismatch {
  /** Tensor name as in the checkpoint. */
  readonly name: string;
  /** Shape the config implies. */
  readonly expected: readonly number[];
  /** Shape in the checkpoint. */
  readonly got: readonly number[];
}

/** The checkpoint does not match the config: every missing, unexpected and misshapen tensor. */
export class HfCheckpointError extends Error {
  /** Required tensors absent from the checkpoint (names as they would appear in it). */
  readonly missing: readonly string[];
  /** Tensors the model has no place for. */
  readonly unexpected: readonly string[];
  /** Tensors whose shape differs from the config's. */
  readonly mismatched: readonly HfShapeMismatch[];
  /** Builds the error; the message lists every problem. */
  constructor(
    source: string,
    missing: readonly string[],
    unexpected: readonly string[],
    mismatched: readonly HfShapeMismatch[],
  ) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing tensors: ${missing.join(", ")}`);
    if (unexpected.length) {
      parts.push(
        `unexpected tensors: ${unexpected.join(", ")} (pass them in \`ignore\` to skip them)`,
      );
    }
    if (mismatched.length) {
      parts.push(
        `shape mismatches: ${
          mismatched.map((m) => `${m.name} expected [${m.expected}] got [${m.got}]`).join(", ")
        }`,
      );
    }
    super(`${source} does not match its config: ${parts.join("; ")}`);
    this.name = "HfCheckpointError";
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}

/** Tensor-name prefix of the base model inside task models (`bert.` / `roberta.`). */
export function hfBasePrefix(config: HfConfig): string {
  return config.modelType === "bert" ? "bert." : "roberta.";
}

/** Names and shapes (HF layout) of the base model's tensors, unprefixed. */
export function hfEncoderTensorSpec(
  c: HfConfig,
): { name: string; shape: number[] }[] {
  const d = c.hiddenSize, f = c.intermediateSize;
  const out: { name: string; shape: number[] }[] = [
    { name: "embeddings.word_embeddings.weight", shape: [c.vocabSize, d] },
    { name: "embeddings.position_embeddings.weight", shape: [c.maxPositionEmbeddings, d] },
    { name: "embeddings.token_type_embeddings.weight", shape: [c.typeVocabSize, d] },
    { name: "embeddings.LayerNorm.weight", shape: [d] },
    { name: "embeddings.LayerNorm.bias", shape: [d] },
  ];
  for (let l = 0; l < c.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const m of ["query", "key", "value"]) {
      out.push({ name: `${p}attention.self.${m}.weight`, shape: [d, d] });
      out.push({ name: `${p}attention.self.${m}.bias`, shape: [d] });
    }
    out.push(
      { name: `${p}attention.output.dense.weight`, shape: [d, d] },
      { name: `${p}attention.output.dense.bias`, shape: [d] },
      { name: `${p}attention.output.LayerNorm.weight`, shape: [d] },
      { name: `${p}attention.output.LayerNorm.bias`, shape: [d] },
      { name: `${p}intermediate.dense.weight`, shape: [f, d] },
      { name: `${p}intermediate.dense.bias`, shape: [f] },
      { name: `${p}output.dense.weight`, shape: [d, f] },
      { name: `${p}output.dense.bias`, shape: [d] },
      { name: `${p}output.LayerNorm.weight`, shape: [d] },
      { name: `${p}output.LayerNorm.bias`, shape: [d] },
    );
  }
  return out;
}

/** HF names of the MLM head's parts for this model type. */
export function hfMlmHeadNames(c: HfConfig): {
  prefix: string;
  denseW: string;
  denseB: string;
  lnW: string;
  lnB: string;
  decoderW: string;
  bias: readonly string[];
} {
  if (c.modelType === "bert") {
    return {
      prefix: "cls.predictions.",
      denseW: "cls.predictions.transform.dense.weight",
      denseB: "cls.predictions.transform.dense.bias",
      lnW: "cls.predictions.transform.LayerNorm.weight",
      lnB: "cls.predictions.transform.LayerNorm.bias",
      decoderW: "cls.predictions.decoder.weight",
      bias: ["cls.predictions.bias", "cls.predictions.decoder.bias"],
    };
  }
  return {
    prefix: "lm_head.",
    denseW: "lm_head.dense.weight",
    denseB: "lm_head.dense.bias",
    lnW: "lm_head.layer_norm.weight",
    lnB: "lm_head.layer_norm.bias",
    decoderW: "lm_head.decoder.weight",
    bias: ["lm_head.bias", "lm_head.decoder.bias"],
  };
}

/** Tensors skipped by default: buffers and heads no forward pass here reads. */
export const HF_DEFAULT_IGNORED: readonly RegExp[] = Object.freeze([
  /(^|\.)embeddings\.position_ids$/,
  /^cls\.seq_relationship\./,
]);

/** Options of {@link hfWeightsFromTensors}. */
export interface HfFromTensorsOptions {
  /** Label for error messages (e.g. the file path). */
  readonly source?: string;
  /**
   * Extra tensors to skip (name prefixes or patterns), e.g. `["classifier."]` for a
   * sequence-classification checkpoint. {@link HF_DEFAULT_IGNORED} are always skipped.
   */
  readonly ignore?: readonly (string | RegExp)[];
}

/** Result of {@link hfWeightsFromTensors}. */
export interface HfMappedWeights {
  /** The typed weights. */
  readonly weights: HfWeights;
  /** Base-model prefix found (`""`, `"bert."` or `"roberta."`). */
  readonly prefix: string;
  /** Tensors skipped (defaults and `ignore`), sorted. */
  readonly ignored: readonly string[];
}

function legacyName(n: string): string {
  return n.replace(/LayerNorm\.gamma$/, "LayerNorm.weight").replace(
    /LayerNorm\.beta$/,
    "LayerNorm.bias",
  );
}

/** A float64 copy (memcpy for typed arrays). */
function copyF64(d: ArrayLike<number>): Float64Array {
  return d instanceof Float64Array ? d.slice() : new Float64Array(d);
}

/** `[out, in]` (nn.Linear) → `[in, out]`. */
export function transposeLinear(w: ArrayLike<number>, out: number, inp: number): Float64Array {
  const t = new Float64Array(out * inp);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inp; i++) t[i * out + o] = w[o * inp + i];
  }
  return t;
}

/**
 * Maps named tensors (HF names) onto {@link HfWeights} for `config`. Finds the base-model prefix,
 * accepts legacy `gamma`/`beta` names, loads the pooler and the MLM head when present (the MLM
 * decoder weight may be absent: tied to the word embeddings), and otherwise fails with an
 * {@link HfCheckpointError} naming every missing and unexpected tensor and every shape mismatch.
 */
export function hfWeightsFromTensors(
  config: HfConfig,
  tensors: ReadonlyMap<string, HfTensor>,
  opts: HfFromTensorsOptions = {},
): HfMappedWeights {
  const source = opts.source ?? "checkpoint";
  const basePrefix = hfBasePrefix(config);
  const names = [...tensors.keys()];
  const prefix = names.some((n) => n.startsWith(basePrefix)) ? basePrefix : "";
  const ignore = [...HF_DEFAULT_IGNORED, ...(opts.ignore ?? [])];
  const isIgnored = (n: string) =>
    ignore.some((p) => typeof p === "string" ? n.startsWith(p) : p.test(n));
  // canonical name (prefix + modern LayerNorm naming) → original name
  const byCanon = new Map<string, string>();
  const ignored: string[] = [];
  for (const n of names) {
    if (isIgnored(n)) {
      ignored.push(n);
      continue;
    }
    byCanon.set(legacyName(n), n);
  }
  const used = new Set<string>();
  const missing: string[] = [];
  const mismatched: HfShapeMismatch[] = [];
  const take = (canon: string, shape: number[], required = true): HfTensor | null => {
    const orig = byCanon.get(canon);
    if (orig === undefined) {
      if (required) missing.push(canon);
      return null;
    }
    used.add(canon);
    const t = tensors.get(orig)!;
    if (t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i])) {
      mismatched.push({ name: orig, expected: shape, got: [...t.shape] });
      return null;
    }
    return t;
  };
  const d = config.hiddenSize, f = config.intermediateSize, V = config.vocabSize;
  const vec = (canon: string, n: number) => {
    const t = take(canon, [n]);
    return t ? copyF64(t.data) : new Float64Array(n);
  };
  const table = (canon: string, rows: number) => {
    const t = take(canon, [rows, d]);
    return t ? copyF64(t.data) : new Float64Array(rows * d);
  };
  const linear = (canon: string, out: number, inp: number) => {
    const t = take(canon, [out, inp]);
    return t ? transposeLinear(t.data, out, inp) : new Float64Array(out * inp);
  };
  const p = prefix;
  const wordEmbeddings = table(`${p}embeddings.word_embeddings.weight`, V);
  const positionEmbeddings = table(
    `${p}embeddings.position_embeddings.weight`,
    config.maxPositionEmbeddings,
  );
  const tokenTypeEmbeddings = table(
    `${p}embeddings.token_type_embeddings.weight`,
    config.typeVocabSize,
  );
  const embLnGamma = vec(`${p}embeddings.LayerNorm.weight`, d);
  const embLnBeta = vec(`${p}embeddings.LayerNorm.bias`, d);
  const layers: RobertaLayerWeights[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const q = `${p}encoder.layer.${l}.`;
    const parts = ["query", "key", "value"].map((m) => ({
      w: linear(`${q}attention.self.${m}.weight`, d, d),
      b: vec(`${q}attention.self.${m}.bias`, d),
    }));
    const qkvW = new Float64Array(d * 3 * d);
    const qkvB = new Float64Array(3 * d);
    parts.forEach(({ w, b }, k) => {
      for (let i = 0; i < d; i++) qkvW.set(w.subarray(i * d, (i + 1) * d), i * 3 * d + k * d);
      qkvB.set(b, k * d);
    });
    layers.push({
      qkvW,
      qkvB,
      outW: linear(`${q}attention.output.dense.weight`, d, d),
      outB: vec(`${q}attention.output.dense.bias`, d),
      ln1G: vec(`${q}attention.output.LayerNorm.weight`, d),
      ln1B: vec(`${q}attention.output.LayerNorm.bias`, d),
      ffn1W: linear(`${q}intermediate.dense.weight`, f, d),
      ffn1B: vec(`${q}intermediate.dense.bias`, f),
      ffn2W: linear(`${q}output.dense.weight`, d, f),
      ffn2B: vec(`${q}output.dense.bias`, d),
      ln2G: vec(`${q}output.LayerNorm.weight`, d),
      ln2B: vec(`${q}output.LayerNorm.bias`, d),
    });
  }
  let pooler: HfPooler | null = null;
  if ([...byCanon.keys()].some((n) => n.startsWith(`${p}pooler.`))) {
    pooler = {
      w: linear(`${p}pooler.dense.weight`, d, d),
      b: vec(`${p}pooler.dense.bias`, d),
    };
  }
  let mlmHead: HfMlmHead | null = null;
  const hn = hfMlmHeadNames(config);
  if ([...byCanon.keys()].some((n) => n.startsWith(hn.prefix))) {
    const dec = take(hn.decoderW, [V, d], false);
    const biases = hn.bias.map((n) => take(n, [V], false));
    const bias = biases.find((b) => b !== null);
    if (!bias && !hn.bias.some((n) => byCanon.has(n))) missing.push(hn.bias.join(" or "));
    mlmHead = {
      denseW: linear(hn.denseW, d, d),
      denseB: vec(hn.denseB, d),
      lnGamma: vec(hn.lnW, d),
      lnBeta: vec(hn.lnB, d),
      decoder: dec ? copyF64(dec.data) : null,
      bias: bias ? copyF64(bias.data) : new Float64Array(V),
    };
  }
  const unexpected = [...byCanon.entries()].filter(([c]) => !used.has(c)).map(([, o]) => o);
  if (missing.length || unexpected.length || mismatched.length) {
    throw new HfCheckpointError(source, missing, unexpected.sort(), mismatched);
  }
  return {
    weights: {
      config,
      wordEmbeddings,
      positionEmbeddings,
      tokenTypeEmbeddings,
      embLnGamma,
      embLnBeta,
      layers,
      pooler,
      mlmHead,
    },
    prefix,
    ignored: ignored.sort(),
  };
}

/** Options of {@link hfWeightsToTensors}. */
export interface HfToTensorsOptions {
  /**
   * Base-model prefix to write (default: `bert.`/`roberta.` when there is an MLM head, as
   * `*ForMaskedLM` saves, else none, as `BertModel`/`RobertaModel` save).
   */
  readonly prefix?: string;
}

/**
 * The weights as HF-named tensors in HF layout (`[out, in]` linear weights), in the order
 * `transformers` writes them; a tied MLM decoder is not written (as `save_pretrained` drops
 * shared tensors).
 */
export function hfWeightsToTensors(
  w: HfWeights,
  opts: HfToTensorsOptions = {},
): { name: string; shape: number[]; data: Float64Array }[] {
  const c = w.config, d = c.hiddenSize, f = c.intermediateSize, V = c.vocabSize;
  const p = opts.prefix ?? (w.mlmHead ? hfBasePrefix(c) : "");
  const out: { name: string; shape: number[]; data: Float64Array }[] = [];
  const put = (name: string, shape: number[], data: Float64Array) =>
    out.push({ name, shape, data });
  const lin = (name: string, wt: Float64Array, inp: number, o: number) =>
    put(name, [o, inp], transposeLinear(wt, inp, o)); // [in, out] → [out, in]
  put(`${p}embeddings.word_embeddings.weight`, [V, d], w.wordEmbeddings);
  put(
    `${p}embeddings.position_embeddings.weight`,
    [c.maxPositionEmbeddings, d],
    w.positionEmbeddings,
  );
  put(`${p}embeddings.token_type_embeddings.weight`, [c.typeVocabSize, d], w.tokenTypeEmbeddings);
  put(`${p}embeddings.LayerNorm.weight`, [d], w.embLnGamma);
  put(`${p}embeddings.LayerNorm.bias`, [d], w.embLnBeta);
  w.layers.forEach((L, l) => {
    const q = `${p}encoder.layer.${l}.`;
    ["query", "key", "value"].forEach((m, k) => {
      const wk = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        wk.set(L.qkvW.subarray(i * 3 * d + k * d, i * 3 * d + (k + 1) * d), i * d);
      }
      lin(`${q}attention.self.${m}.weight`, wk, d, d);
      put(`${q}attention.self.${m}.bias`, [d], L.qkvB.slice(k * d, (k + 1) * d));
    });
    lin(`${q}attention.output.dense.weight`, L.outW, d, d);
    put(`${q}attention.output.dense.bias`, [d], L.outB);
    put(`${q}attention.output.LayerNorm.weight`, [d], L.ln1G);
    put(`${q}attention.output.LayerNorm.bias`, [d], L.ln1B);
    lin(`${q}intermediate.dense.weight`, L.ffn1W, d, f);
    put(`${q}intermediate.dense.bias`, [f], L.ffn1B);
    lin(`${q}output.dense.weight`, L.ffn2W, f, d);
    put(`${q}output.dense.bias`, [d], L.ffn2B);
    put(`${q}output.LayerNorm.weight`, [d], L.ln2G);
    put(`${q}output.LayerNorm.bias`, [d], L.ln2B);
  });
  if (w.pooler) {
    lin(`${p}pooler.dense.weight`, w.pooler.w, d, d);
    put(`${p}pooler.dense.bias`, [d], w.pooler.b);
  }
  if (w.mlmHead) {
    const h = w.mlmHead, hn = hfMlmHeadNames(c);
    lin(hn.denseW, h.denseW, d, d);
    put(hn.denseB, [d], h.denseB);
    put(hn.lnW, [d], h.lnGamma);
    put(hn.lnB, [d], h.lnBeta);
    if (h.decoder) put(hn.decoderW, [V, d], h.decoder);
    put(hn.bias[0], [V], h.bias);
  }
  return out;
}

/** Options of {@link randomHfWeights}. */
export interface RandomHfOptions {
  /**
   * Std of every weight, bias and embedding entry, and of LayerNorm γ around 1 (default 0.02,
   * BERT's `initializer_range`). Note that with 0.02 the embedding sum has variance ≈ 1.2e−3,
   * below the secure LayerNorm's documented domain (σ² ≥ 0.01): use ≥ 0.06 when checking accuracy
   * under MPC; costs do not depend on it.
   */
  readonly std?: number;
  /** Include a pooler (default false). */
  readonly pooler?: boolean;
  /** Include an MLM head with a decoder tied to the word embeddings (default false). */
  readonly mlmHead?: boolean;
}

/**
 * Seeded random weights of any shape (e.g. `makeHfConfig("roberta-large")` for cost runs: 355 M
 * parameters, 2.8 GB as float64). Layers come from `randomRobertaLayerWeights`; the padding row of
 * the word embeddings is zero, as `transformers` initialises it. Equal (config, seed) give equal
 * weights.
 */
export function randomHfWeights(
  config: HfConfig,
  seed = 0,
  opts: RandomHfOptions = {},
): HfWeights {
  const std = opts.std ?? 0.02;
  const d = config.hiddenSize, V = config.vocabSize;
  const rng = seededRng(`hf-random:${seed}`);
  const g = (n: number, mean = 0) => gaussianArray(rng, n, std, mean);
  const wordEmbeddings = g(V * d);
  wordEmbeddings.fill(0, config.padTokenId * d, (config.padTokenId + 1) * d);
  const w: HfWeights = {
    config,
    wordEmbeddings,
    positionEmbeddings: g(config.maxPositionEmbeddings * d),
    tokenTypeEmbeddings: g(config.typeVocabSize * d),
    embLnGamma: g(d, 1),
    embLnBeta: g(d),
    layers: Array.from(
      { length: config.numLayers },
      (_, l) =>
        randomRobertaLayerWeights(
          { hidden: d, heads: config.numHeads, ffn: config.intermediateSize },
          (seed * 1_000_003 + 7919 * (l + 1)) >>> 0,
          std,
        ),
    ),
    pooler: opts.pooler ? { w: g(d * d), b: g(d) } : null,
    mlmHead: opts.mlmHead
      ? {
        denseW: g(d * d),
        denseB: g(d),
        lnGamma: g(d, 1),
        lnBeta: g(d),
        decoder: null,
        bias: g(V),
      }
      : null,
  };
  return w;
}

/** Number of parameters (a tied decoder counted once), as `model.num_parameters()` reports. */
export function hfParamCount(w: HfWeights): number {
  let n = w.wordEmbeddings.length + w.positionEmbeddings.length + w.tokenTypeEmbeddings.length +
    w.embLnGamma.length + w.embLnBeta.length;
  for (const l of w.layers) for (const v of Object.values(l)) n += (v as Float64Array).length;
  if (w.pooler) n += w.pooler.w.length + w.pooler.b.length;
  if (w.mlmHead) {
    const h = w.mlmHead;
    n += h.denseW.length + h.denseB.length + h.lnGamma.length + h.lnBeta.length + h.bias.length +
      (h.decoder?.length ?? 0);
  }
  return n;
}
