/** Tokenisation of an oracle batch at the data owner: texts clipped so prompt + text fit the model. */
import type { UseLiteConfig, UseTokenizer } from "@secp/transformer";

/** Token ids of texts, each clipped to `maxSeqLen − promptLength` tokens. */
export function tokenize(
  tokenizer: UseTokenizer,
  texts: readonly string[],
  config: UseLiteConfig,
  promptLength: number,
): number[][] {
  const room = config.maxSeqLen - promptLength;
  if (room < 1) {
    throw new RangeError(
      `prompt length ${promptLength} leaves no room for text (max ${config.maxSeqLen})`,
    );
  }
  return texts.map((t) => tokenizer.encode(t).slice(0, room));
}

/** Default scale applied to cosine logits before cross-entropy (cosines live in [−1, 1]). */
export const LOGIT_SCALE = 20;
