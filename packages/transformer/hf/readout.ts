/**
 * BBT's readout on a masked LM, at the data owner: a templated text carries the literal `{mask}`
 * (the task template's placeholder), which becomes the tokenizer's mask token; each class's label
 * word must be one token of the vocabulary (the verbalizer). A text too long for the model (or for
 * `maxTokens`) loses tokens from the start of the part before the mask, then from the end of the
 * part after it, so the template's words next to the mask are kept.
 *
 * @module
 */
import type { HfConfig } from "./config.ts";
import type { HfTokenizer } from "./tokenizer.ts";

/** The task template's mask placeholder. */
export const MASK_PLACEHOLDER = "{mask}";

/** Token ids and mask slot of one templated text. */
export interface MaskedText {
  /** Token ids, special tokens included. */
  readonly ids: number[];
  /** Index of the mask token in `ids`. */
  readonly maskAt: number;
  /** Whether the text was clipped to fit. */
  readonly clipped: boolean;
}

/**
 * The verbalizer: one token id per label word. The rule: a word is looked up as a whole token,
 * first with a leading space (byte-level BPE's word-initial form, e.g. `Ġgreat`), then as is; a word
 * the tokenizer splits into several tokens is an error naming the word and its pieces.
 */
export function verbalizerIds(tokenizer: HfTokenizer, words: readonly string[]): number[] {
  return words.map((w, c) => {
    const several = w.split("|");
    if (several.length > 1) {
      throw new Error(
        `class ${c} has ${several.length} label words (${several.join(", ")}); the masked-LM ` +
          `readout scores one word per class: keep one`,
      );
    }
    const word = w.trim();
    for (const form of [` ${word}`, word]) {
      const ids = tokenizer.encode(form, { addSpecialTokens: false });
      if (ids.length === 1) return ids[0];
    }
    const pieces = tokenizer.encode(word, { addSpecialTokens: false });
    throw new Error(
      `label word ${JSON.stringify(w)} (class ${c}) is ${pieces.length} tokens [${
        pieces.join(", ")
      }] for this tokenizer; a masked-LM verbalizer needs one token per class: choose another word`,
    );
  });
}

/** Tokenises a templated text (with `{mask}`), clipping the text part to fit `room` tokens. */
export function encodeMasked(
  tokenizer: HfTokenizer,
  config: HfConfig,
  text: string,
  promptLength: number,
  maxTokens = 0,
): MaskedText {
  const mask = tokenizer.special.mask;
  if (mask === undefined) throw new Error("the tokenizer has no mask token ([MASK] / <mask>)");
  const at = text.indexOf(MASK_PLACEHOLDER);
  if (at < 0 || text.indexOf(MASK_PLACEHOLDER, at + 1) >= 0) {
    throw new Error(
      `a masked-LM input needs exactly one ${MASK_PLACEHOLDER} (give the task a template such as ` +
        `"{text} It was {mask}."): ${JSON.stringify(text.slice(0, 60))}`,
    );
  }
  const maxLen = config.maxPositionEmbeddings - (config.modelType === "roberta" ? 2 : 0);
  const room = Math.min(maxLen - promptLength, maxTokens > 0 ? maxTokens + 3 : Infinity);
  const before = tokenizer.encode(text.slice(0, at).trimEnd(), { addSpecialTokens: false });
  const after = tokenizer.encode(text.slice(at + MASK_PLACEHOLDER.length), {
    addSpecialTokens: false,
  });
  const full = tokenizer.encode("", { addSpecialTokens: true }); // [CLS] [SEP] or <s> </s>
  const head = full.slice(0, 1), tail = full.slice(1);
  const budget = room - head.length - tail.length - 1;
  if (budget < 0) throw new Error(`prompt length ${promptLength} leaves no room for the text`);
  let over = before.length + after.length - budget;
  const cutBefore = Math.min(Math.max(over, 0), before.length);
  over -= cutBefore;
  const keptAfter = after.slice(0, after.length - Math.max(over, 0));
  const ids = [...head, ...before.slice(cutBefore), mask, ...keptAfter, ...tail];
  return {
    ids,
    maskAt: head.length + before.length - cutBefore,
    clipped: cutBefore > 0 || over > 0,
  };
}

/** Tokens of a templated text with its mask and special tokens, before any clipping. */
export function maskedLength(tokenizer: HfTokenizer, text: string): number {
  const at = text.indexOf(MASK_PLACEHOLDER);
  if (at < 0) return tokenizer.encode(text).length;
  const part = (t: string) => tokenizer.encode(t, { addSpecialTokens: false }).length;
  const specials = tokenizer.encode("", { addSpecialTokens: true }).length;
  return part(text.slice(0, at).trimEnd()) + 1 + part(text.slice(at + MASK_PLACEHOLDER.length)) +
    specials;
}
