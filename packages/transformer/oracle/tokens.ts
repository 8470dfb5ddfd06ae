/** Tokenisation of an oracle batch at the data owner: texts clipped so prompt + text fit the model. */
import type { UseTokenizer } from "../use_lite/tokenizer.ts";
import type { UseLiteConfig } from "../use_lite/config.ts";

/** Token ids of texts, each clipped to `maxSeqLen − promptLength` (and `maxTokens`, if > 0) tokens. */
export function tokenize(
  tokenizer: UseTokenizer,
  texts: readonly string[],
  config: UseLiteConfig,
  promptLength: number,
  maxTokens = 0,
): number[][] {
  const room = Math.min(config.maxSeqLen - promptLength, maxTokens > 0 ? maxTokens : Infinity);
  if (room < 1) {
    throw new RangeError(
      `prompt length ${promptLength} leaves no room for text (max ${config.maxSeqLen})`,
    );
  }
  return texts.map((t) => tokenizer.encode(t).slice(0, room));
}

/** Default scale applied to cosine logits before cross-entropy (cosines live in [−1, 1]). */
export const LOGIT_SCALE = 20;
