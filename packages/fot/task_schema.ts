/**
 * The task-file format: its JSON shape and {@link readTaskFile}, which checks the structure (the
 * data it names are read by `loadTaskWith`). The schema is documented in the package README.
 *
 * @module
 */

import { DATA_FORMATS, DataError, type DataFormat } from "./data/files.ts";

const q = JSON.stringify;

/** Format tag of a task file. */
export const TASK_FILE_FORMAT = "secp-tuning/task@1";

/** One entry of a task file's `labels`. */
export interface TaskFileLabel {
  /** The label as it appears in the data's label column. */
  name: string;
  /** Label sentence for a sentence encoder (USE-lite). */
  sentence?: string;
  /** Verbalizer word(s) for a masked LM; each must be one token of the model's tokenizer. */
  words?: string[];
}

/** The JSON contents of a task file. */
export interface TaskFile {
  /** Must be {@link TASK_FILE_FORMAT}. */
  format: string;
  /** Task name (default: the file name without `.json`). */
  name?: string;
  /** One-line description. */
  description?: string;
  /** Data file relative to the task file, or `builtin:<source>` for a bundled corpus. */
  data: string;
  /** Separate test file relative to the task file (default: a held-out half of `data`). */
  test?: string;
  /** `csv`, `tsv` or `jsonl` (default: from the extension). */
  dataFormat?: DataFormat;
  /** Text column (default `text`). */
  textColumn?: string;
  /** Label column (default `label`). */
  labelColumn?: string;
  /** The label set and each label's readouts (default: labels discovered from the data). */
  labels?: TaskFileLabel[];
  /** Input template with `{text}` (and `{mask}` for a masked LM). */
  template?: string;
  /** `accuracy` (default), `f1:<class>`, `f1` (with `positiveClass`) or `macro-f1`. */
  metric?: string;
  /** Positive class of `f1` (a label name). */
  positiveClass?: string;
}

function fail(path: string, what: string): never {
  throw new DataError(`task file ${path}: ${what}`);
}

/** Reads and checks a task file's JSON (structure only; data are read by {@link loadTaskWith}). */
export async function readTaskFile(path: string): Promise<TaskFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    fail(path, `cannot read (${e instanceof Deno.errors.NotFound ? "no such file" : String(e)})`);
  }
  let f: TaskFile;
  try {
    f = JSON.parse(text);
  } catch (e) {
    fail(path, `not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  if (f === null || typeof f !== "object" || Array.isArray(f)) fail(path, "not a JSON object");
  if (f.format !== TASK_FILE_FORMAT) {
    fail(path, `"format" is ${q(f.format)}, expected ${q(TASK_FILE_FORMAT)}`);
  }
  const known = new Set([
    "format",
    "name",
    "description",
    "data",
    "test",
    "dataFormat",
    "textColumn",
    "labelColumn",
    "labels",
    "template",
    "metric",
    "positiveClass",
  ]);
  for (const k of Object.keys(f)) if (!known.has(k)) fail(path, `unknown field ${q(k)}`);
  for (
    const k of [
      "name",
      "description",
      "data",
      "test",
      "textColumn",
      "labelColumn",
      "template",
      "metric",
      "positiveClass",
    ] as const
  ) {
    if (f[k] !== undefined && typeof f[k] !== "string") fail(path, `"${k}" must be a string`);
  }
  if (typeof f.data !== "string" || f.data === "") fail(path, `"data" (the data file) is required`);
  if (f.dataFormat !== undefined && !(DATA_FORMATS as readonly string[]).includes(f.dataFormat)) {
    fail(path, `"dataFormat" must be one of ${DATA_FORMATS.join(", ")}`);
  }
  if (f.labels !== undefined) {
    if (!Array.isArray(f.labels) || f.labels.length < 2) {
      fail(path, `"labels" must list at least two labels`);
    }
    const seen = new Set<string>();
    f.labels.forEach((l, i) => {
      const at = `"labels"[${i}]`;
      if (l === null || typeof l !== "object") fail(path, `${at} must be an object`);
      if (typeof l.name !== "string" || l.name.trim() === "") {
        fail(path, `${at}.name must be a non-empty string`);
      }
      if (seen.has(l.name)) fail(path, `label ${q(l.name)} listed twice`);
      seen.add(l.name);
      for (const k of Object.keys(l)) {
        if (!["name", "sentence", "words"].includes(k)) fail(path, `${at}: unknown field ${q(k)}`);
      }
      if (
        l.sentence !== undefined && (typeof l.sentence !== "string" || l.sentence.trim() === "")
      ) {
        fail(path, `${at}.sentence must be a non-empty string`);
      }
      if (
        l.words !== undefined &&
        (!Array.isArray(l.words) || l.words.length === 0 ||
          l.words.some((w) => typeof w !== "string" || w.trim() === ""))
      ) fail(path, `${at}.words must be a non-empty list of non-empty strings`);
    });
  }
  return f;
}
