/**
 * Hugging Face checkpoint directories: `config.json` + `model.safetensors` (or sharded
 * `model.safetensors.index.json` + shards) + `tokenizer.json` (+ `tokenizer_config.json`), as
 * `save_pretrained` writes them and the Hub serves them, read into typed float64 weights and a
 * tokenizer; and written, e.g. a tiny random checkpoint for tests and demos.
 *
 * @module
 */
import { type HfConfig, hfConfigToJson, makeHfConfig, readHfConfig } from "./config.ts";
import {
  type OpenSafetensors,
  openSafetensors,
  type SafeTensor,
  type SafetensorsWriteDtype,
  writeSafetensors,
} from "./safetensors.ts";
import { HfTokenizer, wordPieceTokenizerConfig, wordPieceTokenizerJson } from "./tokenizer.ts";
import {
  type HfFromTensorsOptions,
  type HfMappedWeights,
  type HfWeights,
  hfWeightsFromTensors,
  hfWeightsToTensors,
  randomHfWeights,
} from "./weights.ts";

/** A loaded checkpoint. */
export interface HfCheckpoint {
  /** The directory read. */
  readonly dir: string;
  /** Parsed config.json. */
  readonly config: HfConfig;
  /** Typed weights. */
  readonly weights: HfWeights;
  /** The tokenizer, or null when the directory has no tokenizer.json (or `tokenizer: false`). */
  readonly tokenizer: HfTokenizer | null;
  /** Tensors present but skipped (see `HF_DEFAULT_IGNORED` and `ignore`). */
  readonly ignored: readonly string[];
  /** The safetensors `__metadata__` (of the first shard). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options of {@link loadHfCheckpoint}. */
export interface LoadHfOptions extends Pick<HfFromTensorsOptions, "ignore"> {
  /** Load the tokenizer (default true; absent tokenizer.json gives null). */
  readonly tokenizer?: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Reads a checkpoint directory: config.json, the weights (single file or sharded; each checked
 * against the config, every missing/unexpected/misshapen tensor named) and the tokenizer (whose
 * ids must fit the config's `vocab_size`).
 */
export async function loadHfCheckpoint(
  dir: string,
  opts: LoadHfOptions = {},
): Promise<HfCheckpoint> {
  const config = await readHfConfig(`${dir}/config.json`);
  const single = `${dir}/model.safetensors`;
  const index = `${dir}/model.safetensors.index.json`;
  const tensors = new Map<string, SafeTensor>();
  const open: OpenSafetensors[] = [];
  let metadata: Readonly<Record<string, string>> = {};
  let source = single;
  let mapped: HfMappedWeights;
  try {
    if (await exists(single)) {
      const f = openSafetensors(single);
      open.push(f);
      for (const [k, v] of f.tensors) tensors.set(k, v);
      metadata = f.metadata;
    } else if (await exists(index)) {
      source = index;
      let map: Record<string, string>;
      try {
        map = JSON.parse(await Deno.readTextFile(index)).weight_map;
        if (!map || typeof map !== "object") throw new Error(`no "weight_map" object`);
      } catch (e) {
        throw new Error(`${index}: ${(e as Error).message}`);
      }
      const shards = [...new Set(Object.values(map))];
      for (const [i, shard] of shards.entries()) {
        const f = openSafetensors(`${dir}/${shard}`);
        open.push(f);
        if (i === 0) metadata = f.metadata;
        for (const [k, v] of f.tensors) {
          if (tensors.has(k)) throw new Error(`${dir}/${shard}: tensor "${k}" is in two shards`);
          tensors.set(k, v);
        }
      }
    } else {
      const bin = await exists(`${dir}/pytorch_model.bin`);
      throw new Error(
        `${dir}: no model.safetensors or model.safetensors.index.json` +
          (bin ? " (pytorch_model.bin is a pickle: convert it to safetensors first)" : ""),
      );
    }
    // Tensors are read and converted one at a time (lazy `data`).
    mapped = hfWeightsFromTensors(config, tensors, { source, ignore: opts.ignore });
  } finally {
    for (const f of open) f.close();
  }
  const { weights, ignored } = mapped;
  let tokenizer: HfTokenizer | null = null;
  if ((opts.tokenizer ?? true) && await exists(`${dir}/tokenizer.json`)) {
    tokenizer = await HfTokenizer.load(dir);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(
        `${dir}/tokenizer.json: ids reach ${
          tokenizer.vocabSize - 1
        } but config.json "vocab_size" is ${config.vocabSize}`,
      );
    }
  }
  return { dir, config, weights, tokenizer, ignored, metadata };
}

/** Options of {@link writeHfCheckpoint}. */
export interface WriteHfOptions {
  /** Element type of the weights (default F32, what `save_pretrained` writes for fp32 models). */
  readonly dtype?: SafetensorsWriteDtype;
  /** `tokenizer.json` object to write alongside. */
  readonly tokenizerJson?: unknown;
  /** `tokenizer_config.json` object to write alongside. */
  readonly tokenizerConfig?: Record<string, unknown>;
  /** Base-model tensor prefix (default: see `hfWeightsToTensors`). */
  readonly prefix?: string;
}

/** Writes `weights` as a checkpoint directory (created if needed) that `transformers` can load. */
export async function writeHfCheckpoint(
  dir: string,
  weights: HfWeights,
  opts: WriteHfOptions = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const json = hfConfigToJson(weights.config);
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(json, null, 2) + "\n");
  await writeSafetensors(
    `${dir}/model.safetensors`,
    hfWeightsToTensors(weights, { prefix: opts.prefix }),
    { dtype: opts.dtype ?? "F32", metadata: { format: "pt" } },
  );
  if (opts.tokenizerJson !== undefined) {
    await Deno.writeTextFile(`${dir}/tokenizer.json`, JSON.stringify(opts.tokenizerJson) + "\n");
  }
  if (opts.tokenizerConfig !== undefined) {
    await Deno.writeTextFile(
      `${dir}/tokenizer_config.json`,
      JSON.stringify(opts.tokenizerConfig, null, 2) + "\n",
    );
  }
}

/** The word pieces of the tiny checkpoint's tokenizer (after the special tokens). */
export const TINY_HF_PIECES: readonly string[] = Object.freeze([
  ".",
  ",",
  "!",
  "?",
  "a",
  "the",
  "this",
  "it",
  "is",
  "was",
  "i",
  "movie",
  "film",
  "good",
  "great",
  "bad",
  "terrible",
  "love",
  "hate",
  "not",
  "very",
  "and",
  "plot",
  "acting",
  "fun",
  "boring",
  "play",
  "##ing",
  "##ed",
  "##s",
  "##ly",
  "wonder",
  "##ful",
  "review",
  "positive",
  "negative",
  "sentiment",
  "of",
  "to",
  "what",
]);

/** Options of {@link writeTinyHfCheckpoint}. */
export interface TinyHfOptions {
  /** `bert` (WordPiece `[CLS] … [SEP]`) or `roberta` (`<s> … </s>`, position offset 2). */
  readonly modelType?: "bert" | "roberta";
  /** Weight seed (default 0). */
  readonly seed?: number;
  /** Weight std (default 0.2: keeps every LayerNorm input inside the secure protocol's domain). */
  readonly std?: number;
  /** Layers (default 2). */
  readonly layers?: number;
  /** Hidden size (default 32). */
  readonly hidden?: number;
  /** Heads (default 4). */
  readonly heads?: number;
  /** Include a tied MLM head (default true). */
  readonly mlmHead?: boolean;
  /** Element type on disk (default F32). */
  readonly dtype?: SafetensorsWriteDtype;
}

/**
 * Writes a complete tiny random checkpoint (2 layers, d 32, 4 heads, FFN 64, 64 positions, a
 * 45-token WordPiece vocabulary) to `dir` and returns its config and weights as written (F32
 * rounding applied by reading back is the caller's business). For tests and for trying the HF
 * path without downloading a model.
 */
export async function writeTinyHfCheckpoint(
  dir: string,
  opts: TinyHfOptions = {},
): Promise<{ config: HfConfig; weights: HfWeights }> {
  const style = opts.modelType ?? "bert";
  const tokenizerJson = wordPieceTokenizerJson(TINY_HF_PIECES, { style });
  const vocab = TINY_HF_PIECES.length + 5;
  const d = opts.hidden ?? 32;
  const config = makeHfConfig(
    style === "bert"
      ? {
        model_type: "bert",
        architectures: ["BertForMaskedLM"],
        layer_norm_eps: 1e-12,
        type_vocab_size: 2,
        pad_token_id: 0,
      }
      : {
        model_type: "roberta",
        architectures: ["RobertaForMaskedLM"],
        layer_norm_eps: 1e-5,
        type_vocab_size: 1,
        pad_token_id: 1,
        bos_token_id: 0,
        eos_token_id: 2,
      },
    {
      hidden_size: d,
      num_hidden_layers: opts.layers ?? 2,
      num_attention_heads: opts.heads ?? 4,
      intermediate_size: 2 * d,
      hidden_act: "gelu",
      max_position_embeddings: style === "bert" ? 64 : 66,
      vocab_size: vocab,
    },
  );
  const weights = randomHfWeights(config, opts.seed ?? 0, {
    std: opts.std ?? 0.2,
    mlmHead: opts.mlmHead ?? true,
  });
  await writeHfCheckpoint(dir, weights, {
    dtype: opts.dtype,
    tokenizerJson,
    tokenizerConfig: wordPieceTokenizerConfig(style),
  });
  return { config, weights };
}
