/**
 * Final prompt selection of a tuning run. The candidates are the untuned prompt (z = 0, i.e. the
 * projection's offset p₀) and every z scored on dev during the run; each carries its scores on the
 * train and dev batches. A criterion ranks them; ties keep the earlier candidate, and the untuned
 * prompt comes first, so a tuned prompt is chosen only when it is strictly better on the selection
 * data. Criteria:
 *
 * - `dev-metric`: dev metric, ties broken by dev loss (the classic early-stopping rule);
 * - `dev-loss`: dev loss (continuous, so less noisy than an 8-text accuracy);
 * - `all-loss`: loss over train ∪ dev (more texts, but the tuned candidates were fitted to train);
 * - `all-metric`: metric over train ∪ dev, ties broken by that loss.
 *
 * @module
 */

import type { Scores } from "./loss.ts";

/** How the final prompt is chosen among the candidates. */
export type SelectionCriterion = "dev-metric" | "dev-loss" | "all-loss" | "all-metric";

/** Every criterion, in the order reports list them. */
export const SELECTION_CRITERIA: readonly SelectionCriterion[] = [
  "dev-metric",
  "dev-loss",
  "all-loss",
  "all-metric",
];

/** True when `s` names a {@link SelectionCriterion}. */
export function isSelectionCriterion(s: string): s is SelectionCriterion {
  return (SELECTION_CRITERIA as readonly string[]).includes(s);
}

/** One candidate of the final selection. */
export interface Candidate {
  /** Generation whose dev evaluation produced it; 0 for the untuned prompt. */
  generation: number;
  /** Its point in the intrinsic space (zeros for the untuned prompt). */
  z: Float64Array;
  /** Scores on the train batch. */
  train: Scores;
  /** Scores on the dev batch, or null without a dev split. */
  dev: Scores | null;
  /** Texts in the train batch (weights train vs dev in the `all-*` criteria). */
  trainSize: number;
  /** Texts in the dev batch. */
  devSize: number;
}

/** The value a criterion compares: [primary, tie-break], higher is better for both. */
export function selectionKey(c: Candidate, criterion: SelectionCriterion): [number, number] {
  const dev = c.dev;
  const n = c.trainSize + (dev ? c.devSize : 0);
  const all = (f: (s: Scores) => number) =>
    (c.trainSize * f(c.train) + (dev ? c.devSize * f(dev) : 0)) / n;
  switch (criterion) {
    case "dev-metric":
      if (!dev) return [c.train.metric, -c.train.loss];
      return [dev.metric, -dev.loss];
    case "dev-loss":
      return dev ? [-dev.loss, 0] : [-c.train.loss, 0];
    case "all-loss":
      return [-all((s) => s.loss), 0];
    case "all-metric":
      return [all((s) => s.metric), -all((s) => s.loss)];
  }
}

/** Outcome of {@link selectCandidate}. */
export interface Selection {
  /** Criterion used. */
  criterion: SelectionCriterion;
  /** Index of the chosen candidate. */
  index: number;
  /** The chosen candidate's key (primary value). */
  selectedScore: number;
  /** The untuned candidate's key (primary value), or null if it was not among the candidates. */
  untunedScore: number | null;
  /** True when the untuned prompt was kept: no tuned candidate beat it on the selection data. */
  keptUntuned: boolean;
}

/** Picks the best candidate by `criterion`; ties keep the earlier one (list the untuned first). */
export function selectCandidate(
  candidates: readonly Candidate[],
  criterion: SelectionCriterion,
): Selection {
  if (candidates.length === 0) throw new RangeError("selectCandidate: no candidates");
  const keys = candidates.map((c) => selectionKey(c, criterion));
  let best = 0;
  for (let i = 1; i < keys.length; i++) {
    const [a, b] = keys[i];
    const [ba, bb] = keys[best];
    if (a > ba || (a === ba && b > bb)) best = i;
  }
  const u = candidates.findIndex((c) => c.generation === 0);
  return {
    criterion,
    index: best,
    selectedScore: keys[best][0],
    untunedScore: u < 0 ? null : keys[u][0],
    keptUntuned: u >= 0 && best === u,
  };
}
