/**
 * The built-in tasks: few-shot classification on real data available offline. Each is a task file
 * in `task_files/` read by {@link loadTaskWith}, the same code that reads a data owner's own task
 * file.
 *
 * | name | data | classes | metric |
 * |---|---|---|---|
 * | `imdb`, `yelp`, `amazon` | UCI Sentiment Labelled Sentences, 1000 each, balanced | negative / positive | accuracy |
 * | `spam` | SpamAssassin, 6046 emails (subject + first 64 words), 31 % spam | ham / spam | F1 of spam |
 *
 * @module
 */

import { loadTaskWith } from "./task_file.ts";
import type { Task } from "./types.ts";

export { isTaskName, TASK_NAMES, type TaskName } from "./task_file.ts";

/** Options of {@link loadTask}. */
export interface LoadTaskOptions {
  /** `spam` only: words kept per email (default 64). */
  maxWords?: number;
}

/**
 * Loads a built-in task by name (or a task file by path) with all its examples, for a sentence
 * encoder's readout. Throws a `DataError` listing the known names when `name` is unknown.
 */
export async function loadTask(name: string, options: LoadTaskOptions = {}): Promise<Task> {
  return (await loadTaskWith(name, {}, { maxWords: options.maxWords })).task;
}
