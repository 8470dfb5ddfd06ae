/**
 * The plaintext fitness oracle: the float64 reference model (exact softmax / RFA attention) run by
 * the data owner itself. Used for `--backend plain`, zero-shot baselines, and as the reference the
 * secure oracle is compared with.
 */
import type { FitnessOracle, OracleBatch, OracleResult, PreparedBatch } from "@secp/fot";
import {
  type AttentionVariant,
  embed,
  type UseLiteWeights,
  type UseTokenizer,
} from "@secp/transformer";
import { LOGIT_SCALE, tokenize } from "./tokens.ts";

interface PlainBatch extends PreparedBatch {
  ids: number[][];
  labels: Float64Array[];
}

/** Options of {@link PlainOracle}. */
export interface PlainOracleOptions {
  weights: UseLiteWeights;
  tokenizer: UseTokenizer;
  promptLength: number;
  /** Clip texts to this many tokens (0: only the model's limit). */
  maxTokens?: number;
  attention?: AttentionVariant;
  logitScale?: number;
}

/** Logits = scale · cos(embedding of the prompted text, embedding of each label text). */
export class PlainOracle implements FitnessOracle<PlainBatch> {
  readonly promptLength: number;
  readonly embedDim: number;
  readonly #o: PlainOracleOptions;

  constructor(o: PlainOracleOptions) {
    this.#o = o;
    this.promptLength = o.promptLength;
    this.embedDim = o.weights.config.embedDim;
  }

  prepare(batch: OracleBatch): Promise<PlainBatch> {
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

  evaluate(prompts: Float64Array[], batch: PlainBatch): Promise<OracleResult> {
    const { weights, attention } = this.#o;
    const scale = this.#o.logitScale ?? LOGIT_SCALE;
    const T = batch.size, C = batch.numClasses;
    const logits = new Float64Array(prompts.length * T * C);
    prompts.forEach((prompt, p) => {
      const embs = this.promptLength > 0
        ? embed(weights, batch.ids, { prompt, attention })
        : embed(weights, batch.ids, { attention });
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
