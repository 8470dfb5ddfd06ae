/**
 * The reference fitness oracle: the float64 reference model (exact softmax / RFA attention) run in
 * the clear by whoever holds the weights. `--backend reference`, zero-shot baselines, and the
 * reference the secure oracle is compared with. (`--backend plain` is different: the secure code
 * on `PlainBackend`, fixed-point, no parties.)
 *
 * @module
 */
import type { FitnessOracle, OracleBatch, OracleResult, PreparedBatch } from "@secp/fot";
import type { AttentionVariant } from "../use_lite/attention.ts";
import { embed } from "../use_lite/reference.ts";
import type { UseTokenizer } from "../use_lite/tokenizer.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";
import { useLitePromptWidths } from "../use_lite/steps.ts";
import { splitDeepPrompt } from "./deep.ts";
import { LOGIT_SCALE, tokenize } from "./tokens.ts";

/** A prepared batch: token ids and label embeddings. */
export interface ReferenceBatch extends PreparedBatch {
  /** Token ids of the texts. */
  ids: number[][];
  /** Label embeddings. */
  labels: Float64Array[];
}

/** Options of {@link ReferenceOracle}. */
export interface ReferenceOracleOptions {
  /** The model's weights. */
  weights: UseLiteWeights;
  /** Its tokenizer. */
  tokenizer: UseTokenizer;
  /** Soft-prompt tokens L. */
  promptLength: number;
  /** Clip texts to this many tokens (0: only the model's limit). */
  maxTokens?: number;
  /** Attention of the reference forward (default softmax). */
  attention?: AttentionVariant;
  /** Scale of the cosine logits (default {@link LOGIT_SCALE}). */
  logitScale?: number;
}

/** Logits = scale · cos(embedding of the prompted text, embedding of each label text). */
export class ReferenceOracle implements FitnessOracle<ReferenceBatch> {
  /** Soft-prompt tokens L. */
  readonly promptLength: number;
  /** Embedding width E. */
  readonly embedDim: number;
  /** Widths of a deep prompt's rows per layer (see `FitnessOracle.promptWidths`). */
  readonly promptWidths: readonly number[];
  readonly #o: ReferenceOracleOptions;

  /** An oracle over `o.weights`. */
  constructor(o: ReferenceOracleOptions) {
    this.#o = o;
    this.promptLength = o.promptLength;
    this.embedDim = o.weights.config.embedDim;
    this.promptWidths = useLitePromptWidths(o.weights.config);
  }

  /** Tokenises the texts and embeds the label texts. */
  prepare(batch: OracleBatch): Promise<ReferenceBatch> {
    const { weights, tokenizer, attention } = this.#o;
    const ids = tokenize(
      tokenizer,
      batch.texts,
      weights.config,
      this.promptLength,
      this.#o.maxTokens,
    );
    const labelIds = tokenize(tokenizer, batch.labelTexts, weights.config, 0);
    const labels = embed(weights, labelIds, { attention });
    return Promise.resolve({ size: ids.length, numClasses: labels.length, ids, labels });
  }

  /** Scaled cosine logits of every (prompt, text, class). */
  evaluate(prompts: Float64Array[], batch: ReferenceBatch): Promise<OracleResult> {
    const { weights, attention } = this.#o;
    const scale = this.#o.logitScale ?? LOGIT_SCALE;
    const T = batch.size, C = batch.numClasses;
    const logits = new Float64Array(prompts.length * T * C);
    prompts.forEach((prompt, p) => {
      const layers = splitDeepPrompt(prompt, this.promptLength, this.promptWidths);
      const embs = this.promptLength === 0
        ? embed(weights, batch.ids, { attention })
        : layers
        ? embed(weights, batch.ids, { prompt: layers[0], layerPrompts: layers.slice(1), attention })
        : embed(weights, batch.ids, { prompt, attention });
      embs.forEach((e, t) =>
        batch.labels.forEach((l, c) => {
          let dot = 0;
          for (let i = 0; i < e.length; i++) dot += e[i] * l[i];
          logits[(p * T + t) * C + c] = scale * dot;
        })
      );
    });
    return Promise.resolve({ logits });
  }
}
