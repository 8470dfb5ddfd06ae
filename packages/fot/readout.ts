/**
 * Readout rules shared by every task: class ids (sorted label names), templates with `{text}` and
 * `{mask}`, the verbalizer rule of a masked LM, and the `--labels` and `--metric` values. Every
 * violation is a one-line {@link DataError} naming the flag or file.
 *
 * @module
 */

import { DataError } from "./data/files.ts";
import type { MetricName, TaskSpec } from "./types.ts";

/** Which readout the model uses: a label sentence per class, or verbalizer words at `{mask}`. */
export type ReadoutKind = "sentence" | "mlm";

/** Sort order of label names: numeric when all are integers, else by code point. */
export function sortLabels(names: Iterable<string>): string[] {
  const all = [...new Set(names)];
  const numeric = all.every((n) => /^-?\d+$/.test(n));
  return all.sort((a, b) => numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);
}

const q = JSON.stringify;

/** Fields a template may use. */
const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Checks a template for a readout kind: it must contain `{text}` once; a masked LM needs exactly
 * one `{mask}`; a sentence encoder has no mask token, so `{mask}` is rejected; other `{…}` are
 * rejected. `where` names the flag or file in the message.
 */
export function checkTemplate(template: string, kind: ReadoutKind, where: string): void {
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
  const other = names.find((n) => n !== "text" && n !== "mask");
  if (other !== undefined) {
    throw new DataError(`${where}: unknown placeholder {${other}} (use {text} and {mask})`);
  }
  const count = (n: string) => names.filter((x) => x === n).length;
  if (count("text") !== 1) {
    throw new DataError(`${where}: the template must contain {text} exactly once`);
  }
  if (kind === "mlm" && count("mask") !== 1) {
    throw new DataError(
      `${where}: a masked LM needs {mask} exactly once in the template (e.g. "{text} It was {mask}.")`,
    );
  }
  if (kind === "sentence" && count("mask") > 0) {
    throw new DataError(
      `${where}: {mask} needs a masked LM; the sentence encoder scores label sentences (drop {mask})`,
    );
  }
}

/** The template with `{text}` (and `{mask}`, when given) filled in. */
export function fillTemplate(template: string, text: string, mask?: string): string {
  return template.replace(
    PLACEHOLDER,
    (m, n) => n === "text" ? text : n === "mask" && mask !== undefined ? mask : m,
  );
}

/**
 * The verbalizer rule of a masked-LM readout: every label word must be exactly one token of the
 * model's tokenizer, as the word appears after `{mask}` is replaced (the caller's `tokenize`
 * decides the form, e.g. with RoBERTa's leading space), and no word may serve two classes. (The
 * HF model side scores one word per class: a class with several words is rejected there.) Throws a
 * one-line {@link DataError} naming `loaded.readoutSource` (`--labels` or the task file).
 */
export function checkVerbalizer(
  loaded: { task: Pick<TaskSpec, "classNames" | "verbalizer">; readoutSource: string },
  tokenize: (word: string) => string[],
): void {
  const { task, readoutSource } = loaded;
  const words = task.verbalizer;
  if (!words) throw new DataError(`${readoutSource}: the task has no verbalizer words`);
  const owner = new Map<string, string>();
  words.forEach((ws, c) => {
    for (const w of ws) {
      const pieces = tokenize(w);
      if (pieces.length !== 1) {
        throw new DataError(
          `${readoutSource}: label word ${q(w)} of class ${q(task.classNames[c])} is ${
            pieces.length === 0
              ? "empty after tokenization"
              : `split by the tokenizer into ${pieces.length} tokens (${
                pieces.map((p) => q(p)).join(", ")
              })`
          }; each verbalizer word must be one token`,
        );
      }
      const prev = owner.get(pieces[0]);
      if (prev !== undefined && prev !== task.classNames[c]) {
        throw new DataError(
          `${readoutSource}: label word ${q(w)} serves both ${q(prev)} and ${
            q(task.classNames[c])
          }`,
        );
      }
      owner.set(pieces[0], task.classNames[c]);
    }
  });
}

/** Parses `--labels a=x,b=y` (a piece without `=` continues the previous readout, comma kept). */
export function parseLabelsFlag(value: string, flag = "--labels"): [string, string][] {
  const pairs: [string, string][] = [];
  for (const piece of value.split(",")) {
    const eq = piece.indexOf("=");
    if (eq < 0) {
      if (pairs.length === 0) {
        throw new DataError(`${flag}: expected label=readout pairs, got ${q(piece)}`);
      }
      pairs[pairs.length - 1][1] += "," + piece;
      continue;
    }
    const name = piece.slice(0, eq).trim();
    const readout = piece.slice(eq + 1).trim();
    if (name === "") throw new DataError(`${flag}: empty label name in ${q(piece)}`);
    if (pairs.some(([n]) => n === name)) {
      throw new DataError(`${flag}: label ${q(name)} given twice`);
    }
    pairs.push([name, readout]);
  }
  for (const [name, readout] of pairs) {
    if (readout.trim() === "") throw new DataError(`${flag}: empty readout for label ${q(name)}`);
  }
  if (pairs.length < 2) {
    throw new DataError(`${flag}: need at least two labels, got ${pairs.length}`);
  }
  return pairs;
}

/** Parses a metric spec against the label names (`where` names the flag or file). */
export function parseMetric(
  spec: string,
  classNames: readonly string[],
  positiveClass: string | undefined,
  where: string,
): { metric: MetricName; positive: number | null } {
  const cls = (name: string) => {
    const i = classNames.indexOf(name);
    if (i < 0) {
      throw new DataError(
        `${where}: class ${q(name)} is not in the task's label set (${
          classNames.map((c) => q(c)).join(", ")
        })`,
      );
    }
    return i;
  };
  if (spec === "accuracy") return { metric: "accuracy", positive: null };
  if (spec === "macro-f1") return { metric: "macro-f1", positive: null };
  if (spec.startsWith("f1:")) return { metric: "f1", positive: cls(spec.slice(3)) };
  if (spec === "f1") {
    if (positiveClass !== undefined) return { metric: "f1", positive: cls(positiveClass) };
    if (classNames.length === 2) return { metric: "f1", positive: 1 };
    throw new DataError(`${where}: f1 with ${classNames.length} classes needs a class: f1:<class>`);
  }
  throw new DataError(`${where}: unknown metric ${q(spec)} (accuracy, f1:<class>, macro-f1)`);
}
