/**
 * The task flags shared by `tune`, `compare` and `predict`: which task (a built-in name or a task
 * file), the data owner's own data file(s) and columns, and overrides of the task's labels,
 * template and metric. Parsing and checking of the files themselves lives in `@secp/fot`
 * (`loadTaskWith`); this module only collects the flag values.
 */
import { DATA_FORMATS, type DataFormat, TASK_NAMES, type TaskOverrides } from "@secp/fot";

/** Task flag values (all optional; `task` defaults to imdb when there is no `--data`). */
export interface TaskFlags extends TaskOverrides {
  /** `--task NAME|FILE`: a built-in task or a task file (.json). */
  task?: string;
}

/** `parseArgs` options of the task flags. */
export const TASK_FLAG_OPTIONS = {
  task: { type: "string" },
  data: { type: "string" },
  test: { type: "string" },
  format: { type: "string" },
  "text-column": { type: "string" },
  "label-column": { type: "string" },
  labels: { type: "string" },
  template: { type: "string" },
  metric: { type: "string" },
} as const;

/** Help lines of the task flags. */
export const TASK_FLAGS_HELP = `  --task NAME|FILE          ${
  TASK_NAMES.join(" | ")
} (default imdb without --data), or a task file
                            (.json: data, columns, labels and readouts, template, metric)
  --data FILE               your labelled texts: CSV, TSV or JSON Lines (overrides the task's data)
  --test FILE               a separate test set (default: a fixed held-out half of --data)
  --format csv|tsv|jsonl    data format (default: from the file extension)
  --text-column NAME        text column or JSON key (default text)
  --label-column NAME       label column or JSON key (default label)
  --labels A=X,B=Y          label=readout pairs: a label sentence per class for USE-lite
                            (default "This is <label>."); class ids are the sorted label names
  --template T              input template with {text}, e.g. "Review: {text}"
  --metric M                accuracy | f1:<class> | macro-f1 (default accuracy)`;

type Values = { [K in keyof typeof TASK_FLAG_OPTIONS]?: string };

/** Collects and checks the task flags of parsed `values`; one-line Error naming the flag. */
export function taskFlagsFrom(values: Values): TaskFlags {
  const out: TaskFlags = {};
  const task = values.task ?? (values.data === undefined ? "imdb" : undefined);
  if (task !== undefined) {
    if (!(TASK_NAMES as readonly string[]).includes(task) && !task.endsWith(".json")) {
      throw new Error(
        `--task: unknown task ${JSON.stringify(task)}; known: ${
          TASK_NAMES.join(", ")
        }, or a task file (.json)`,
      );
    }
    out.task = task;
  }
  if (values.format !== undefined) {
    if (!(DATA_FORMATS as readonly string[]).includes(values.format)) {
      throw new Error(
        `--format: expected one of ${DATA_FORMATS.join(", ")}, got ${
          JSON.stringify(values.format)
        }`,
      );
    }
    out.format = values.format as DataFormat;
  }
  for (
    const [flag, key] of [
      ["data", "data"],
      ["test", "test"],
      ["text-column", "textColumn"],
      ["label-column", "labelColumn"],
      ["labels", "labels"],
      ["template", "template"],
      ["metric", "metric"],
    ] as const
  ) {
    const v = values[flag];
    if (v === undefined) continue;
    if (v.trim() === "") throw new Error(`--${flag}: empty value`);
    out[key] = v;
  }
  return out;
}

/** The overrides `loadTaskWith` takes, from task flags. */
export function taskOverrides(f: TaskFlags): TaskOverrides {
  return {
    data: f.data,
    test: f.test,
    format: f.format,
    textColumn: f.textColumn,
    labelColumn: f.labelColumn,
    labels: f.labels,
    template: f.template,
    metric: f.metric,
  };
}
