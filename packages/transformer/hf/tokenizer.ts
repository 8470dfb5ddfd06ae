/**
 * Hugging Face tokenizers for the BERT/RoBERTa path: a local `tokenizer.json` (and optional
 * `tokenizer_config.json`) run by `@huggingface/tokenizers` (pure JS, the tokenizer of
 * transformers.js), which applies the file's normalizer, pre-tokenizer, model (WordPiece, BPE,
 * Unigram) and post-processor, so ids come with the model's special tokens (`[CLS] … [SEP]`,
 * `<s> … </s>`). Also a builder of small WordPiece `tokenizer.json` files for tests and demos.
 *
 * @module
 */
import { Tokenizer } from "@huggingface/tokenizers";

/** Ids of the special tokens a model uses (undefined when the tokenizer has none). */
export interface HfSpecialIds {
  /** First token of every input: `[CLS]` (BERT) or `<s>` (RoBERTa). */
  readonly cls?: number;
  /** Separator / end token: `[SEP]` or `</s>`. */
  readonly sep?: number;
  /** Padding token. */
  readonly pad?: number;
  /** Mask token (`[MASK]` / `<mask>`). */
  readonly mask?: number;
  /** Unknown token. */
  readonly unk?: number;
}

/** Options of {@link HfTokenizer.encode}. */
export interface HfEncodeOptions {
  /** Second segment (sentence pairs). */
  readonly pair?: string;
  /** Add the model's special tokens (default true). */
  readonly addSpecialTokens?: boolean;
  /**
   * Longest output in tokens: longer texts lose tokens from the end of the text while the special
   * tokens stay (what `truncation=True, max_length=…` does for a single text).
   */
  readonly maxLength?: number;
}

function tokenString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") {
    return (v as { content: string }).content;
  }
  return undefined;
}

/** A `tokenizer.json` tokenizer with the model's special tokens. */
export class HfTokenizer {
  /** The underlying `@huggingface/tokenizers` tokenizer. */
  readonly #tok: Tokenizer;
  /** Special token ids (from tokenizer_config.json, else the usual BERT/RoBERTa names). */
  readonly special: HfSpecialIds;
  /** Number of ids (vocabulary plus added tokens; the largest id + 1). */
  readonly vocabSize: number;

  /**
   * Builds the tokenizer from the parsed `tokenizer.json` and (optional) `tokenizer_config.json`
   * objects. Fails with the library's message if the file uses a component it lacks.
   */
  constructor(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown> = {}) {
    if (tokenizerJson === null || typeof tokenizerJson !== "object") {
      throw new TypeError("HfTokenizer: tokenizer.json must be a JSON object");
    }
    const tj = tokenizerJson as Record<string, unknown>;
    // The library reads `added_tokens` unconditionally; older files may omit it.
    const json = { added_tokens: [], ...tj };
    this.#tok = new Tokenizer(json, tokenizerConfig);
    const vocab = this.#tok.get_vocab(true);
    let max = -1;
    for (const id of vocab.values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    const find = (key: string, names: string[]): number | undefined => {
      const fromConfig = tokenString(tokenizerConfig[key]);
      for (const n of fromConfig === undefined ? names : [fromConfig]) {
        const id = this.#tok.token_to_id(n);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    this.special = {
      cls: find("cls_token", ["[CLS]", "<s>"]) ?? find("bos_token", ["<s>"]),
      sep: find("sep_token", ["[SEP]", "</s>"]) ?? find("eos_token", ["</s>"]),
      pad: find("pad_token", ["[PAD]", "<pad>"]),
      mask: find("mask_token", ["[MASK]", "<mask>"]),
      unk: find("unk_token", ["[UNK]", "<unk>"]),
    };
  }

  /** Reads `dir/tokenizer.json` and, if present, `dir/tokenizer_config.json`. */
  static async load(dir: string): Promise<HfTokenizer> {
    const path = `${dir}/tokenizer.json`;
    let json: unknown;
    try {
      json = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      throw new Error(`${path}: cannot read tokenizer: ${(e as Error).message}`);
    }
    let config: Record<string, unknown> = {};
    try {
      config = JSON.parse(await Deno.readTextFile(`${dir}/tokenizer_config.json`));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new Error(`${dir}/tokenizer_config.json: ${(e as Error).message}`);
      }
    }
    try {
      return new HfTokenizer(json, config);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }

  /** Token ids of `text` (with the special tokens unless `addSpecialTokens: false`). */
  encode(text: string, opts: HfEncodeOptions = {}): number[] {
    return this.encodeWithTypes(text, opts).ids;
  }

  /** Token ids and token-type (segment) ids of `text` (and `opts.pair`). */
  encodeWithTypes(
    text: string,
    opts: HfEncodeOptions = {},
  ): { ids: number[]; tokenTypeIds: number[] } {
    const add = opts.addSpecialTokens ?? true;
    const enc = this.#tok.encode(text, {
      text_pair: opts.pair ?? null,
      add_special_tokens: add,
      return_token_type_ids: true,
    });
    let ids = enc.ids;
    let types = enc.token_type_ids ?? new Array(ids.length).fill(0);
    const max = opts.maxLength;
    if (max !== undefined && ids.length > max) {
      if (opts.pair !== undefined) {
        throw new RangeError(
          `HfTokenizer: pair of ${ids.length} tokens exceeds maxLength ${max} (pairs are not truncated)`,
        );
      }
      // Locate the text inside the special tokens, keep the specials, cut the text's end.
      const body = this.#tok.encode(text, { add_special_tokens: false }).ids;
      const extra = ids.length - body.length;
      let start = 0;
      for (; start <= extra; start++) {
        if (body.every((v, i) => ids[start + i] === v)) break;
      }
      if (start > extra || max < extra) {
        throw new RangeError(`HfTokenizer: cannot truncate to ${max} tokens`);
      }
      const keep = max - extra;
      const pick = (a: number[]) => [
        ...a.slice(0, start + keep),
        ...a.slice(start + body.length),
      ];
      ids = pick(ids);
      types = pick(types);
    }
    return { ids, tokenTypeIds: types };
  }

  /** Ids of several texts. */
  encodeBatch(texts: readonly string[], opts: HfEncodeOptions = {}): number[][] {
    return texts.map((t) => this.encode(t, opts));
  }

  /** Token strings of `text` (no special tokens). */
  tokenize(text: string): string[] {
    return this.#tok.tokenize(text);
  }

  /** Text of `ids` (special tokens skipped by default). */
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.#tok.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /** Id of a token string, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#tok.token_to_id(token);
  }

  /** Token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.#tok.id_to_token(id);
  }
}

/** Options of {@link wordPieceTokenizerJson}. */
export interface WordPieceJsonOptions {
  /**
   * Special tokens and post-processor: `bert` puts `[PAD] [UNK] [CLS] [SEP] [MASK]` at ids 0–4
   * and wraps texts as `[CLS] … [SEP]`; `roberta` puts `<s> <pad> </s> <unk>` at 0–3 and `<mask>`
   * last, and wraps as `<s> … </s>` (RoBERTa's layout, though real RoBERTa uses byte-level BPE).
   */
  readonly style?: "bert" | "roberta";
  /** Lowercase and strip accents (default true). */
  readonly lowercase?: boolean;
}

/**
 * A complete WordPiece `tokenizer.json` object (BertNormalizer, BertPreTokenizer, WordPiece with
 * `##` continuations) over the given pieces, after the special tokens. Pieces starting with `##`
 * continue a word. Used by the tests and by `writeTinyHfCheckpoint`.
 */
export function wordPieceTokenizerJson(
  pieces: readonly string[],
  opts: WordPieceJsonOptions = {},
): Record<string, unknown> {
  const style = opts.style ?? "bert";
  const specials = style === "bert"
    ? { head: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], tail: [] as string[] }
    : { head: ["<s>", "<pad>", "</s>", "<unk>"], tail: ["<mask>"] };
  const all = [...specials.head, ...pieces, ...specials.tail];
  const vocab: Record<string, number> = {};
  all.forEach((p, i) => {
    if (Object.hasOwn(vocab, p)) throw new RangeError(`wordPieceTokenizerJson: duplicate "${p}"`);
    vocab[p] = i;
  });
  const added = [...specials.head, ...specials.tail].map((content) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: content === "<mask>",
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const [cls, sep, unk] = style === "bert" ? ["[CLS]", "[SEP]", "[UNK]"] : ["<s>", "</s>", "<unk>"];
  const lower = opts.lowercase ?? true;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: lower,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: style === "bert"
      ? { type: "BertProcessing", sep: [sep, vocab[sep]], cls: [cls, vocab[cls]] }
      : {
        type: "RobertaProcessing",
        sep: [sep, vocab[sep]],
        cls: [cls, vocab[cls]],
        trim_offsets: true,
        add_prefix_space: false,
      },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: unk,
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/** A `tokenizer_config.json` object naming the special tokens of {@link wordPieceTokenizerJson}. */
export function wordPieceTokenizerConfig(
  style: "bert" | "roberta" = "bert",
): Record<string, unknown> {
  return style === "bert"
    ? {
      tokenizer_class: "BertTokenizerFast",
      do_lower_case: true,
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      pad_token: "[PAD]",
      mask_token: "[MASK]",
      unk_token: "[UNK]",
    }
    : {
      tokenizer_class: "PreTrainedTokenizerFast",
      bos_token: "<s>",
      eos_token: "</s>",
      cls_token: "<s>",
      sep_token: "</s>",
      pad_token: "<pad>",
      mask_token: "<mask>",
      unk_token: "<unk>",
    };
}
