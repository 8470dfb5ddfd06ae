/**
 * Task files: a small JSON file describing a classification task (data file(s), columns, the label
 * set, the readout per label for a sentence encoder or a masked LM, an optional template, the
 * metric), plus command-line overrides of it. The built-in tasks are task files too
 * (`task_files/*.json`), read by the same code. The schema is documented in the package README.
 *
 * Class ids are the label names in sorted order (numerically when every label is an integer, else
 * by code point), so they do not depend on the order of the file or of the task's label list.
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinRows } from "./data/builtin.ts";
import { DataError, type DataFormat, type LabelledRow, readLabelledFile } from "./data/files.ts";
import {
  checkTemplate,
  fillTemplate,
  parseLabelsFlag,
  parseMetric,
  type ReadoutKind,
  sortLabels,
} from "./readout.ts";
import { readTaskFile, type TaskFile } from "./task_schema.ts";
import { fewShotSplit, ShotsError, type Split, type SplitOptions } from "./splits.ts";
import type { Example, MetricName, Task } from "./types.ts";

const q = JSON.stringify;

/** Names of the built-in tasks (files in `task_files/`). */
export const TASK_NAMES = ["imdb", "yelp", "amazon", "spam"] as const;

/** One of {@link TASK_NAMES}. */
export type TaskName = typeof TASK_NAMES[number];

/** True when `name` is a built-in task name. */
export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

/** Command-line overrides of a task file (each names its flag in errors). */
export interface TaskOverrides {
  /** `--data FILE` (relative to the working directory). */
  data?: string;
  /** `--test FILE`. */
  test?: string;
  /** `--format`. */
  format?: DataFormat;
  /** `--text-column`. */
  textColumn?: string;
  /** `--label-column`. */
  labelColumn?: string;
  /** `--labels a=readout,b=readout` (raw flag value). */
  labels?: string;
  /** `--template`. */
  template?: string;
  /** `--metric`. */
  metric?: string;
}

/** Options of {@link loadTaskWith}. */
export interface LoadTaskWithOptions {
  /** Readout the model needs (default `sentence`, USE-lite). */
  readout?: ReadoutKind;
  /** Words kept per email of the `builtin:spamassassin` source (default 64). */
  maxWords?: number;
}

/** Per-label facts reported after loading (no texts). */
export interface LabelReport {
  /** Class id (index into `classNames`). */
  id: number;
  /** Label name. */
  name: string;
  /** The readout the model uses: its label sentence, or its verbalizer words joined by `|`. */
  readout: string;
  /** Rows with this label in the data file. */
  examples: number;
  /** Rows with this label in the separate test file (absent without one). */
  testExamples?: number;
}

/** What was loaded, for the run report: sources, counts and labels, never texts. */
export interface TaskReport {
  /** Task name. */
  name: string;
  /** Task file path (`builtin:<name>` for a built-in task, `flags` without one). */
  taskFile: string;
  /** Data source (path or `builtin:…`), format and row count. */
  data: { source: string; format: string; rows: number };
  /** Separate test source, if any. */
  test?: { source: string; format: string; rows: number };
  /** Rows whose text repeats an earlier row (the first is kept). */
  duplicateTexts: number;
  /** Rows of `data` whose text is also in the test file (kept out of train/dev). */
  overlapWithTest: number;
  /** Labels in class-id order. */
  labels: LabelReport[];
  /** Readout kind and where the readouts came from (`--labels`, the task file or `default`). */
  readout: { kind: ReadoutKind; source: string };
  /** Template, if any. */
  template: string | null;
  /** Metric and, for `f1`, the positive class name. */
  metric: MetricName;
  /** Positive class of `f1` (name), or null. */
  positiveClass: string | null;
}

/** A loaded task with its report. */
export interface LoadedTask {
  /** The task (examples, class names, readouts, template, metric). */
  task: Task;
  /** Sources, counts and labels for the run report. */
  report: TaskReport;
  /** Where the readouts came from: `--labels` or the task file path (for error messages). */
  readoutSource: string;
}

const BUILTIN_DIR = new URL("./task_files/", import.meta.url);

/** Path of a built-in task's file. */
export function builtinTaskFile(name: TaskName): string {
  return fileURLToPath(new URL(`${name}.json`, BUILTIN_DIR));
}

interface Source {
  source: string;
  format: string;
  rows: LabelledRow[];
}

async function readSource(
  spec: string,
  baseDir: string | null,
  o: {
    format?: DataFormat;
    textColumn: string;
    labelColumn: string;
    maxWords?: number;
    flags: { textColumn: string; labelColumn: string; format: string };
  },
): Promise<Source> {
  if (spec.startsWith("builtin:")) {
    const rows = await builtinRows(spec.slice("builtin:".length), { maxWords: o.maxWords });
    return { source: spec, format: "builtin", rows };
  }
  const path = baseDir === null || isAbsolute(spec) ? spec : join(baseDir, spec);
  const file = await readLabelledFile(path, {
    format: o.format,
    textColumn: o.textColumn,
    labelColumn: o.labelColumn,
    flags: o.flags,
  });
  return { source: path, format: file.format, rows: file.rows };
}

/**
 * Loads a task from a built-in name or a task-file path (or from flags alone when `task` is
 * undefined: then `overrides.data` is required), applying the command-line overrides, reading the
 * data and checking everything: columns, labels against the label set, readouts, template and
 * metric. Throws a one-line {@link DataError} on any bad input.
 */
export async function loadTaskWith(
  task: string | undefined,
  overrides: TaskOverrides = {},
  options: LoadTaskWithOptions = {},
): Promise<LoadedTask> {
  const kind = options.readout ?? "sentence";
  let file: TaskFile | undefined;
  let filePath = "flags";
  if (task !== undefined) {
    if (isTaskName(task)) {
      file = await readTaskFile(builtinTaskFile(task));
      filePath = `builtin:${task}`;
    } else if (task.endsWith(".json")) {
      file = await readTaskFile(task);
      filePath = task;
    } else {
      throw new DataError(
        `unknown task ${q(task)}; known: ${TASK_NAMES.join(", ")}, or a task file (.json)`,
      );
    }
  }
  const baseDir = file && task && !isTaskName(task) ? dirname(task) : null;
  const where = (flag: "template" | "metric") =>
    overrides[flag] !== undefined ? `--${flag}` : `task file ${filePath}: "${flag}"`;
  const dataSpec = overrides.data ?? file?.data;
  if (dataSpec === undefined) {
    throw new DataError("--data: required without --task (a CSV, TSV or JSONL file)");
  }
  // Where a column or format setting came from, for messages: the flag, else the task file's
  // field, else the flag to set.
  const origin = (flag: string, field: "textColumn" | "labelColumn" | "dataFormat") =>
    overrides[field === "dataFormat" ? "format" : field] === undefined &&
      file?.[field] !== undefined
      ? `"${field}" in task file ${filePath}`
      : flag;
  const columnFlags = {
    textColumn: origin("--text-column", "textColumn"),
    labelColumn: origin("--label-column", "labelColumn"),
    format: origin("--format", "dataFormat"),
  };
  const cols = {
    format: overrides.format ?? file?.dataFormat,
    textColumn: overrides.textColumn ?? file?.textColumn ?? "text",
    labelColumn: overrides.labelColumn ?? file?.labelColumn ?? "label",
    maxWords: options.maxWords,
  };
  const data = await readSource(dataSpec, overrides.data !== undefined ? null : baseDir, {
    ...cols,
    flags: columnFlags,
  });
  const testSpec = overrides.test ?? (overrides.data !== undefined ? undefined : file?.test);
  const test = testSpec === undefined
    ? undefined
    : await readSource(testSpec, overrides.test !== undefined ? null : baseDir, {
      ...cols,
      flags: columnFlags,
    });

  // The label set: the task file's, else --labels', else discovered from the data.
  const flagPairs = overrides.labels === undefined ? undefined : parseLabelsFlag(overrides.labels);
  const declared = file?.labels?.map((l) => l.name) ?? flagPairs?.map(([n]) => n);
  const setSource = file?.labels ? `task file ${filePath}` : flagPairs ? "--labels" : null;
  const discovered = sortLabels([...data.rows, ...(test?.rows ?? [])].map((r) => r.label!.trim()));
  const classNames = sortLabels(declared ?? discovered);
  if (classNames.length < 2) {
    throw new DataError(
      `${data.source}: only one label (${q(classNames[0])}) in column ${
        q(cols.labelColumn)
      }; a task needs at least two`,
    );
  }
  const id = new Map(classNames.map((n, i) => [n, i]));
  const toExamples = (src: Source): { examples: Example[]; counts: number[] } => {
    const counts = new Array(classNames.length).fill(0);
    const examples = src.rows.map((r) => {
      const name = r.label!.trim();
      const c = id.get(name);
      if (c === undefined) {
        throw new DataError(
          `${src.source}:${r.line}: label ${q(name)} in column ${
            q(cols.labelColumn)
          } is not in the task's label set (${classNames.map((n) => q(n)).join(", ")}${
            setSource ? `, from ${setSource}` : ""
          })`,
        );
      }
      counts[c]++;
      return { text: r.text, label: c };
    });
    return { examples, counts };
  };
  const train = toExamples(data);
  const held = test ? toExamples(test) : undefined;

  // Readouts.
  if (flagPairs && file?.labels) {
    for (const [n] of flagPairs) {
      if (!id.has(n)) {
        throw new DataError(
          `--labels: label ${q(n)} is not in the task's label set (${
            classNames.map((c) => q(c)).join(", ")
          })`,
        );
      }
    }
  }
  if (flagPairs) {
    const missing = classNames.find((n) => !flagPairs.some(([m]) => m === n));
    if (missing !== undefined) {
      throw new DataError(
        `--labels: no readout for label ${q(missing)} (give one per label: ${
          classNames.join(", ")
        })`,
      );
    }
  }
  const flagReadout = new Map(flagPairs ?? []);
  const fileLabel = new Map((file?.labels ?? []).map((l) => [l.name, l]));
  const readoutSource = flagPairs ? "--labels" : file?.labels ? `task file ${filePath}` : "default";
  const sentences = classNames.map((n) => {
    if (flagReadout.has(n)) return flagReadout.get(n)!;
    const s = fileLabel.get(n)?.sentence;
    if (s !== undefined) return s;
    if (kind === "sentence" && file?.labels) {
      throw new DataError(
        `task file ${filePath}: label ${
          q(n)
        } has no "sentence" for the sentence encoder (add one, or pass --labels)`,
      );
    }
    return `This is ${n}.`;
  });
  const words = classNames.map((n) => {
    if (flagReadout.has(n)) return flagReadout.get(n)!.split("|").map((w) => w.trim());
    const w = fileLabel.get(n)?.words;
    if (w !== undefined) return w;
    if (kind === "mlm" && file?.labels) {
      throw new DataError(
        `task file ${filePath}: label ${
          q(n)
        } has no "words" for the masked LM's verbalizer (add them, or pass --labels)`,
      );
    }
    return [n];
  });

  // Template.
  const templateText = overrides.template ?? file?.template;
  if (templateText !== undefined) checkTemplate(templateText, kind, where("template"));
  if (kind === "mlm" && templateText === undefined) {
    throw new DataError(
      `${
        file ? `task file ${filePath}` : "--template"
      }: a masked LM needs a template with {text} and {mask} (e.g. "{text} It was {mask}.")`,
    );
  }

  // Metric.
  const metricSpec = overrides.metric ?? file?.metric ?? "accuracy";
  const m = parseMetric(
    metricSpec,
    classNames,
    overrides.metric !== undefined ? undefined : file?.positiveClass,
    where("metric"),
  );
  if (m.positive === null && file?.positiveClass !== undefined) {
    parseMetric(
      `f1:${file.positiveClass}`,
      classNames,
      undefined,
      `task file ${filePath}: "positiveClass"`,
    );
  }

  const name = file?.name ??
    (task && !isTaskName(task)
      ? task.replace(/^.*[\\/]/, "").replace(/(\.task)?\.json$/, "")
      : task ?? dataSpec.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, ""));
  const loaded: Task = {
    name,
    description: `${
      file?.description ?? `labelled texts from ${data.source}`
    } (${data.rows.length} examples${test ? `, test ${test.rows.length}` : ""})`,
    classNames,
    // A masked LM gets its label words (several per class joined by `|`) and the template with
    // `{text}` filled and `{mask}` left for the model side, which knows its mask token.
    labelTexts: kind === "sentence" ? sentences : words.map((w) => w.join("|")),
    ...(templateText === undefined
      ? {}
      : { template: (t: string) => fillTemplate(templateText, t) }),
    ...(templateText === undefined ? {} : { templateText }),
    verbalizer: words,
    metric: m.metric,
    positiveClass: m.positive ?? 1,
    examples: train.examples,
    ...(held ? { test: held.examples } : {}),
  };
  const testTexts = new Set(held?.examples.map((e) => e.text) ?? []);
  const seen = new Set<string>();
  let duplicateTexts = 0;
  let overlapWithTest = 0;
  for (const e of train.examples) {
    if (testTexts.has(e.text)) overlapWithTest++;
    else if (seen.has(e.text)) duplicateTexts++;
    seen.add(e.text);
  }
  const report: TaskReport = {
    name,
    taskFile: filePath,
    data: { source: data.source, format: data.format, rows: data.rows.length },
    ...(test ? { test: { source: test.source, format: test.format, rows: test.rows.length } } : {}),
    duplicateTexts,
    overlapWithTest,
    labels: classNames.map((n, i) => ({
      id: i,
      name: n,
      readout: kind === "sentence" ? sentences[i] : words[i].join("|"),
      examples: train.counts[i],
      ...(held ? { testExamples: held.counts[i] } : {}),
    })),
    readout: { kind, source: readoutSource },
    template: templateText ?? null,
    metric: m.metric,
    positiveClass: m.metric === "f1" ? classNames[m.positive!] : null,
  };
  return {
    task: loaded,
    report,
    readoutSource: readoutSource === "default" ? "--labels" : readoutSource,
  };
}

/**
 * {@link fewShotSplit} of a loaded task, with a too-small class reported as a one-line
 * {@link DataError} naming `--shots` and the data source.
 */
export function splitTask(loaded: LoadedTask, options: SplitOptions): Split {
  try {
    return fewShotSplit(loaded.task, options);
  } catch (e) {
    if (!(e instanceof ShotsError)) throw e;
    const held = loaded.report.test ? "" : " outside the held-out test half";
    throw new DataError(
      `--shots ${options.shots}: class ${
        q(e.className)
      } has ${e.available} distinct examples in ${loaded.report.data.source}${held}, but ${e.needed} are needed (${options.shots} train + ${
        options.devShots ?? options.shots
      } dev)`,
    );
  }
}
