/**
 * Shared plain data types of the package.
 *
 * @module
 */

/** One labelled input: raw text and class index in [0, C). */
export interface Example {
  /** Input text (before the task template is applied). */
  text: string;
  /** Class index. */
  label: number;
}

/**
 * Which task metric selects the best prompt: accuracy, F1 of the positive class (one against the
 * rest), or macro F1 over the classes.
 */
export type MetricName = "accuracy" | "f1" | "macro-f1";

/**
 * What the tuning loop needs to know about a task (a {@link Task} without its examples): class
 * label texts used as the verbalizer, optional template, and the model-selection metric.
 */
export interface TaskSpec {
  /** Task name. */
  name: string;
  /** Short class names, e.g. `["negative", "positive"]`. */
  classNames: string[];
  /**
   * One natural-language description per class; the sentence-encoder model classifies by cosine
   * between the (prompted) input embedding and the embedding of each label text.
   */
  labelTexts: string[];
  /** Turns an input text into the model input text; identity when absent. */
  template?: (text: string) => string;
  /** Metric for model selection and reporting. */
  metric: MetricName;
  /** Positive class for the `f1` metric (default 1). */
  positiveClass?: number;
  /**
   * The template as text with `{text}` (and `{mask}` for a masked LM), when the task has one;
   * `template` is the function a sentence encoder applies.
   */
  templateText?: string;
  /** Verbalizer word(s) per class, in class order, for a masked-LM readout (not used by USE-lite). */
  verbalizer?: string[][];
}

/** A task: its spec plus all labelled examples. */
export interface Task extends TaskSpec {
  /** One-line description (data source, size). */
  description: string;
  /** All examples; use `fewShotSplit` to get train/dev/test. */
  examples: Example[];
  /** A separate test set (from its own file); when absent the test set is held out of `examples`. */
  test?: Example[];
}

/** Applies the task template (identity when the task has none). */
export function applyTemplate(task: TaskSpec, text: string): string {
  return task.template ? task.template(text) : text;
}
