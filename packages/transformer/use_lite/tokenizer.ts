/**
 * SentencePiece-unigram tokenizer of Universal Sentence Encoder lite: a faithful, faster port of
 * `Tokenizer.encode` from `@tensorflow-models/universal-sentence-encoder@1.3.3` (which is what the
 * USE-lite tfjs model is fed), with no tfjs dependency.
 *
 * Algorithm (identical ids to the reference, quirks included — checked by the golden test):
 * 1. `text.normalize("NFKC")`; if non-empty, prefix "▁" (U+2581) and replace every ASCII space by
 *    "▁". Other whitespace is kept as is.
 * 2. Work on UTF-16 code units (the reference's compiled `stringToChars` iterates code units).
 * 3. Lattice: at each start position, every vocabulary piece (ids ≥ 6; ids 0–5 are
 *    unk, `<s>`, `</s>`, extra tokens and never produced except 0) that is a prefix of the rest; if
 *    none, a one-unit unknown edge with id 0 and score 0. `null` scores count as 0.
 * 4. Viterbi, end position ascending, start ascending: `best[e]` takes `score + best[s]` when
 *    `best[e] === 0` (the reference's "unset" sentinel) or the new score is `>=` (ties → later
 *    start). Unreached positions keep best 0.
 * 5. Backtrack from the end by the winning piece's string length; merge runs of id 0.
 *
 * No start/end tokens are added and ids are not offset: id i is embedding row i.
 *
 * @module
 */

/** A vocabulary entry as stored in USE's `vocab.json`: [piece, log-probability score or null]. */
export type VocabEntry = readonly [string, number | null];

/** The separator that marks word starts. */
export const WORD_BOUNDARY = "\u2581";

/** Number of reserved ids (unk, `<s>`, `</s>`, extra_token_id_1..3) in USE-lite's vocab. */
export const RESERVED_IDS = 6;

/** Normalisation step of the tokenizer: NFKC, then "▁" prefix and ASCII spaces → "▁". */
export function normalizeForUse(text: string): string {
  const n = text.normalize("NFKC");
  return n.length > 0 ? WORD_BOUNDARY + n.replaceAll(" ", WORD_BOUNDARY) : n;
}

/** Tokenizer for USE-lite (see the module doc for the exact algorithm). */
export class UseTokenizer {
  /** The vocabulary, index = id. */
  readonly vocab: readonly VocabEntry[];
  /** Trie children: key `node * 65536 + codeUnit` → child node. Node 0 is the root. */
  readonly #children = new Map<number, number>();
  /** Piece id ending at each trie node, or −1. */
  readonly #pieceId: number[] = [-1];
  /** Score of each piece id (null → 0). */
  readonly #score: Float64Array;
  /** String length (UTF-16 units) of each piece id, as the reference backtracks by it. */
  readonly #length: Int32Array;

  /** Builds the trie over pieces with id ≥ `reservedIds`; later duplicates win, as in the reference. */
  constructor(vocab: readonly VocabEntry[], reservedIds = RESERVED_IDS) {
    if (vocab.length === 0 || !Array.isArray(vocab[0])) {
      throw new TypeError("UseTokenizer: vocab must be a non-empty array of [piece, score] pairs");
    }
    this.vocab = vocab;
    this.#score = new Float64Array(vocab.length);
    this.#length = new Int32Array(vocab.length);
    for (let id = 0; id < vocab.length; id++) {
      const [piece, score] = vocab[id];
      this.#score[id] = score ?? 0;
      this.#length[id] = piece.length;
      if (id < reservedIds || piece.length === 0) continue;
      let node = 0;
      for (let i = 0; i < piece.length; i++) {
        const key = node * 65536 + piece.charCodeAt(i);
        let child = this.#children.get(key);
        if (child === undefined) {
          child = this.#pieceId.length;
          this.#pieceId.push(-1);
          this.#children.set(key, child);
        }
        node = child;
      }
      this.#pieceId[node] = id;
    }
  }

  /** Number of ids (vocabulary size). */
  get size(): number {
    return this.vocab.length;
  }

  /** Token ids of `text` (may be empty for an empty string). */
  encode(text: string): number[] {
    const s = normalizeForUse(text);
    const n = s.length;
    // Edges grouped by end position, starts ascending: flat arrays of (start, id) per end.
    const edgeStart: number[][] = Array.from({ length: n + 1 }, () => []);
    const edgeId: number[][] = Array.from({ length: n + 1 }, () => []);
    for (let i = 0; i < n; i++) {
      let node = 0;
      let found = false;
      for (let j = i; j < n; j++) {
        const child = this.#children.get(node * 65536 + s.charCodeAt(j));
        if (child === undefined) break;
        node = child;
        const id = this.#pieceId[node];
        if (id >= 0) {
          edgeStart[j + 1].push(i);
          edgeId[j + 1].push(id);
          found = true;
        }
      }
      if (!found) {
        edgeStart[i + 1].push(i);
        edgeId[i + 1].push(0);
      }
    }
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let e = 0; e <= n; e++) {
      const starts = edgeStart[e];
      const ids = edgeId[e];
      for (let k = 0; k < starts.length; k++) {
        const id = ids[k];
        const score = this.#score[id] + best[starts[k]];
        if (best[e] === 0 || score >= best[e]) {
          best[e] = score;
          words[e] = id;
        }
      }
    }
    const reversed: number[] = [];
    for (let at = n; at > 0; at -= this.#length[words[at]]) reversed.push(words[at]);
    const out: number[] = [];
    let previousUnk = false;
    for (const id of reversed) {
      if (!(previousUnk && id === 0)) out.push(id);
      previousUnk = id === 0;
    }
    return out.reverse();
  }

  /** Ids of many texts. */
  encodeBatch(texts: readonly string[]): number[][] {
    return texts.map((t) => this.encode(t));
  }

  /** Pieces of `ids` joined, with "▁" shown as spaces (a debugging aid, not an exact inverse). */
  decode(ids: readonly number[]): string {
    return ids.map((id) => this.vocab[id]?.[0] ?? "�").join("").replaceAll(WORD_BOUNDARY, " ")
      .trimStart();
  }
}
