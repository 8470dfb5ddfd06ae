/**
 * Task registry: few-shot classification tasks on real data available offline. Each task carries
 * its examples, class label texts (the verbalizer of a sentence-encoder model), an optional
 * template and the metric used for model selection.
 *
 * | name | data | classes | metric |
 * |---|---|---|---|
 * | `imdb`, `yelp`, `amazon` | UCI Sentiment Labelled Sentences, 1000 each, balanced | negative / positive | accuracy |
 * | `spam` | SpamAssassin, 6046 emails (subject + first 64 words), 31 % spam | ham / spam | F1 of spam |
 *
 * @module
 */

import { loadUciSentiment, type SentimentDomain } from "./data/sentiment.ts";
import { loadSpamAssassin } from "./data/spam.ts";
import type { Task } from "./types.ts";

/** Names accepted by {@link loadTask}. */
export const TASK_NAMES = ["imdb", "yelp", "amazon", "spam"] as const;

/** One of {@link TASK_NAMES}. */
export type TaskName = typeof TASK_NAMES[number];

/** Options of {@link loadTask}. */
export interface LoadTaskOptions {
  /** `spam` only: words kept per email (default 64). */
  maxWords?: number;
}

const SENTIMENT_SOURCE: Record<SentimentDomain, string> = {
  imdb: "IMDB movie-review sentences",
  yelp: "Yelp restaurant-review sentences",
  amazon: "Amazon product-review sentences",
};

/** True when `name` is a known task name. */
export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

/**
 * Loads task `name` with all its examples. Throws an `Error` listing the known names when `name` is
 * unknown.
 */
export async function loadTask(name: string, options: LoadTaskOptions = {}): Promise<Task> {
  if (!isTaskName(name)) {
    throw new Error(`unknown task '${name}'; known tasks: ${TASK_NAMES.join(", ")}`);
  }
  if (name === "spam") {
    const examples = await loadSpamAssassin({ maxWords: options.maxWords });
    return {
      name,
      description: `SpamAssassin public corpus (${examples.length} emails, subject + body ` +
        `words, ham 0 / spam 1)`,
      classNames: ["ham", "spam"],
      labelTexts: [
        "This is a normal personal or work email.",
        "This is spam: unsolicited advertising or a scam.",
      ],
      metric: "f1",
      positiveClass: 1,
      examples,
    };
  }
  const examples = await loadUciSentiment(name);
  return {
    name,
    description: `UCI Sentiment Labelled Sentences: ${SENTIMENT_SOURCE[name]} (${examples.length})`,
    classNames: ["negative", "positive"],
    labelTexts: ["This is negative.", "This is positive."],
    metric: "accuracy",
    positiveClass: 1,
    examples,
  };
}
