/**
 * Scoring a fixed prompt on a labelled set (e.g. the held-out test split) through an oracle, in
 * batches of bounded size.
 *
 * @module
 */

import { type LossName, scoreLogits, type Scores } from "./loss.ts";
import { checkOracleResult, type FitnessOracle, type OracleCost } from "./oracle.ts";
import { applyTemplate, type Example, type TaskSpec } from "./types.ts";

/** Options of {@link evaluatePrompt}. */
export interface EvaluateOptions {
  /** Texts per oracle call (default 64). */
  batchSize?: number;
  /** Loss to report (default "ce"). */
  loss?: LossName;
  /** Hinge margin (default 2). */
  margin?: number;
}

/** Scores of a prompt on a set, plus the summed numeric cost of all oracle calls. */
export interface EvaluateResult extends Scores {
  /** Number of examples scored. */
  count: number;
  /** Oracle calls made. */
  oracleCalls: number;
  /** Field-wise sum of the costs the oracle reported. */
  cost: OracleCost;
  /** The logits, `[count, C]` row-major, as the oracle returned them. */
  logits: Float64Array;
}

/** Adds every numeric field of `b` into `a` (in place) and returns `a`. */
export function addCosts(a: OracleCost, b: OracleCost | undefined): OracleCost {
  if (b) {
    for (const [k, v] of Object.entries(b)) {
      if (typeof v === "number") a[k] = (a[k] ?? 0) + v;
    }
  }
  return a;
}

/** Evaluates one prompt (length L·E) on `examples` with the task's template, labels and metric. */
export async function evaluatePrompt(
  oracle: FitnessOracle<any>,
  task: TaskSpec,
  examples: Example[],
  prompt: Float64Array,
  options: EvaluateOptions = {},
): Promise<EvaluateResult> {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be ≥ 1");
  const C = task.labelTexts.length;
  const logits = new Float64Array(examples.length * C);
  const cost: OracleCost = {};
  let calls = 0;
  for (let start = 0; start < examples.length; start += batchSize) {
    const part = examples.slice(start, start + batchSize);
    const handle = await oracle.prepare({
      texts: part.map((e) => applyTemplate(task, e.text)),
      labelTexts: task.labelTexts,
    });
    try {
      const res = await oracle.evaluate([prompt], handle);
      calls++;
      checkOracleResult(res, 1, part.length, C);
      logits.set(res.logits, start * C);
      addCosts(cost, res.cost);
    } finally {
      await oracle.release?.(handle);
    }
  }
  const scores = scoreLogits(logits, examples.map((e) => e.label), C, {
    loss: options.loss,
    margin: options.margin,
    metric: task.metric,
    positiveClass: task.positiveClass,
  });
  return { ...scores, count: examples.length, oracleCalls: calls, cost, logits };
}
