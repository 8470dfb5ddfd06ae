/**
 * The UCI "Sentiment Labelled Sentences" (Kotzias et al., KDD 2015) as shipped in the npm package
 * `sentiment@5.0.2` (`test/fixtures/{imdb,yelp,amazon}.json`): 1000 sentences per domain, 500
 * negative (label 0) and 500 positive (label 1), plus one trailing empty entry that is dropped.
 *
 * @module
 */

import type { Example } from "../types.ts";
import { packageFile } from "./resolve.ts";

/** The three domains of the UCI sentiment sentences. */
export type SentimentDomain = "imdb" | "yelp" | "amazon";

/** Loads one domain: whitespace-normalised sentences with labels 0 (negative) / 1 (positive). */
export async function loadUciSentiment(domain: SentimentDomain): Promise<Example[]> {
  const path = packageFile("sentiment", `test/fixtures/${domain}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (cause) {
    throw new Error(`cannot read UCI sentiment data '${path}'`, { cause });
  }
  if (!Array.isArray(raw)) throw new Error(`'${path}': expected a JSON array`);
  const out: Example[] = [];
  for (const item of raw) {
    const text = typeof item?.text === "string" ? item.text.replace(/\s+/g, " ").trim() : "";
    if (text === "" || (item.class !== 0 && item.class !== 1)) continue;
    out.push({ text, label: item.class });
  }
  return out;
}
