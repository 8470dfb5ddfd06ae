/**
 * Test/measurement helper: the UCI "Sentiment Labelled Sentences" shipped in the npm package
 * `sentiment@5.0.2` (test/fixtures/{imdb,yelp,amazon}.json), read from node_modules.
 *
 * @module
 */
import { createRequire } from "node:module";

/** One labelled sentence (label 1 = positive, 0 = negative). */
export interface LabelledSentence {
  /** The sentence. */
  readonly text: string;
  /** 1 positive, 0 negative. */
  readonly label: 0 | 1;
}

/** The three fixture files. */
export type SentimentSet = "imdb" | "yelp" | "amazon";

/** Reads one fixture file (1000 rows; the trailing empty `{text: "", class: null}` is dropped). */
export async function loadSentimentFixture(set: SentimentSet): Promise<LabelledSentence[]> {
  const pkg = createRequire(import.meta.url).resolve("sentiment/package.json");
  const path = `${pkg.slice(0, pkg.lastIndexOf("/"))}/test/fixtures/${set}.json`;
  const rows = JSON.parse(await Deno.readTextFile(path)) as {
    text: string;
    class: number | null;
  }[];
  return rows
    .filter((r) => r.text !== "" && (r.class === 0 || r.class === 1))
    .map((r) => ({ text: r.text, label: r.class as 0 | 1 }));
}
