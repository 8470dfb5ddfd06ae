/**
 * The bundled corpora a task file can name as `"data": "builtin:<source>"`, read in place from
 * `node_modules` and returned as rows with label names, like a data file's rows:
 *
 * | source | corpus | labels |
 * |---|---|---|
 * | `uci-sentiment/imdb`, `uci-sentiment/yelp`, `uci-sentiment/amazon` | UCI Sentiment Labelled Sentences | negative, positive |
 * | `spamassassin` | SpamAssassin public corpus (subject + first words) | ham, spam |
 *
 * @module
 */

import { DataError, type LabelledRow } from "./files.ts";
import { loadUciSentiment, type SentimentDomain } from "./sentiment.ts";
import { loadSpamAssassin } from "./spam.ts";

/** Names accepted after `builtin:`. */
export const BUILTIN_SOURCES = [
  "uci-sentiment/imdb",
  "uci-sentiment/yelp",
  "uci-sentiment/amazon",
  "spamassassin",
] as const;

/** Rows of a bundled corpus; `line` is the example's 1-based position in the corpus. */
export async function builtinRows(
  source: string,
  options: { maxWords?: number } = {},
): Promise<LabelledRow[]> {
  if (source.startsWith("uci-sentiment/")) {
    const domain = source.slice("uci-sentiment/".length);
    if (["imdb", "yelp", "amazon"].includes(domain)) {
      const names = ["negative", "positive"];
      return (await loadUciSentiment(domain as SentimentDomain)).map((e, i) => ({
        text: e.text,
        label: names[e.label],
        line: i + 1,
      }));
    }
  }
  if (source === "spamassassin") {
    const names = ["ham", "spam"];
    return (await loadSpamAssassin({ maxWords: options.maxWords })).map((e, i) => ({
      text: e.text,
      label: names[e.label],
      line: i + 1,
    }));
  }
  throw new DataError(
    `builtin:${source}: unknown built-in source; known: ${
      BUILTIN_SOURCES.map((s) => `builtin:${s}`).join(", ")
    }`,
  );
}
