/**
 * Class-prior weighting of the data owner's loss. BBT's few-shot protocol draws k texts per class,
 * so train and dev are balanced even when the data are not (SpamAssassin: 31 % spam). A loss
 * averaged over such a batch rewards moving the decision towards the rarer class more than the
 * data's own mix would. Weighting each text of class c by π_c / n_c (π the prior, n_c the texts of
 * class c in the batch) makes the loss Σ_c π_c · (mean loss of class c): the loss on a batch with
 * the data's class mix.
 *
 * @module
 */

/** Class prior from class counts (e.g. the labelled examples per class of the data owner's data). */
export function priorFromCounts(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let c = 0; c < counts.length; c++) {
    if (!(counts[c] >= 0) || !Number.isFinite(counts[c])) {
      throw new RangeError(`class count ${c} must be a finite number ≥ 0, got ${counts[c]}`);
    }
    total += counts[c];
  }
  if (!(total > 0)) throw new RangeError("class prior: the counts sum to 0");
  return Float64Array.from(counts, (n) => n / total);
}

/**
 * Per-class loss weights π_c / n_c for a batch with `labels` (classes absent from the batch get 0),
 * for {@link import("./loss.ts").crossEntropy} and `hingeLoss`.
 */
export function priorWeights(
  prior: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  if (prior.length !== numClasses) {
    throw new RangeError(`class prior has ${prior.length} entries, expected ${numClasses}`);
  }
  const n = new Float64Array(numClasses);
  for (let t = 0; t < labels.length; t++) n[labels[t]]++;
  return Float64Array.from(n, (k, c) => (k > 0 ? prior[c] / k : 0));
}
