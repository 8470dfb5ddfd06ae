/**
 * Deep prompts at the data owner: a candidate of the tuning loop is either shallow (L·E numbers)
 * or deep (L·ΣW, layer-major: layer 0's L×W₀ rows, then layer 1's, …; see `FitnessOracle`). The
 * secure jobs take a deep prompt position-major, `[L, ΣW]` (every layer's row of a position side
 * by side), in a batch announced with `deep: true`.
 *
 * @module
 */

/**
 * The per-layer rows of `p` (subarrays, layer 0 first) when it is deep (L·ΣW numbers), null when
 * it is shallow (L·W₀, or any length without `widths`: the caller checks a shallow prompt).
 */
export function splitDeepPrompt(
  p: Float64Array,
  L: number,
  widths: readonly number[] | undefined,
): Float64Array[] | null {
  if (widths === undefined || widths.length < 2 || p.length === L * widths[0]) return null;
  const total = widths.reduce((a, w) => a + w, 0);
  if (p.length !== L * total) {
    throw new RangeError(
      `prompt of ${p.length} numbers: expected L·E = ${L * widths[0]} (shallow) or ` +
        `L·ΣW = ${L * total} (deep)`,
    );
  }
  const out: Float64Array[] = [];
  let off = 0;
  for (const w of widths) {
    out.push(p.subarray(off, off + L * w));
    off += L * w;
  }
  return out;
}

/** A deep prompt's layer-major rows as one position-major `[L × ΣW]` array (the jobs' layout). */
export function positionMajor(layers: readonly Float64Array[], L: number): Float64Array {
  const widths = layers.map((r) => r.length / L);
  const W = widths.reduce((a, w) => a + w, 0);
  const out = new Float64Array(L * W);
  let col = 0;
  layers.forEach((rows, l) => {
    const w = widths[l];
    for (let t = 0; t < L; t++) out.set(rows.subarray(t * w, (t + 1) * w), t * W + col);
    col += w;
  });
  return out;
}

/**
 * Indices of the shallow and of the deep prompts of a population (each group keeps its order),
 * so an oracle can score each group in its own call and put the logits back in order.
 */
export function groupByDepth(
  prompts: readonly Float64Array[],
  L: number,
  widths: readonly number[] | undefined,
): { shallow: number[]; deep: number[] } {
  const shallow: number[] = [], deep: number[] = [];
  prompts.forEach((p, i) => (splitDeepPrompt(p, L, widths) ? deep : shallow).push(i));
  return { shallow, deep };
}
