/**
 * Temperature calibration for the `normalised` and `rfa` attention variants: per layer and head,
 * τ = median|q'| · median|k'| over all tokens of a sample, where q' = √scale·q and k' = √scale·k
 * are the original model's scaled queries and keys (so q'·k' is its logit). With q̂·k̂ = cos θ this
 * makes τ·q̂·k̂ match the typical logit magnitude |q'||k'| cos θ.
 *
 * @module
 */
import { forward } from "./reference.ts";
import type { UseLiteWeights } from "./weights.ts";

/** Median of a numeric array (average of the middle two for even length; NaN if empty). */
export function median(values: ArrayLike<number>): number {
  const a = Float64Array.from(values).sort();
  const n = a.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

/** Per layer and head: the scaled norms |q'| and |k'| of every token of the sample. */
export interface ScaledNorms {
  /** `[layer][head]` → |q'| of every token. */
  readonly q: Float64Array[][];
  /** `[layer][head]` → |k'| of every token. */
  readonly k: Float64Array[][];
}

/** Collects |q'|, |k'| per layer/head with the original softmax model on `tokenIds`. */
export function scaledNorms(
  weights: UseLiteWeights,
  tokenIds: readonly (readonly number[])[],
): ScaledNorms {
  const res = forward(weights, tokenIds, { intermediates: true });
  const layers = res.intermediates!.layers;
  const pick = (l: number, which: "qNorm" | "kNorm") => {
    const { heads, scale } = weights.config.layers[l];
    const s = Math.sqrt(scale);
    const perHead = Array.from({ length: heads }, () => [] as number[]);
    for (const sent of layers[l][which]) {
      for (let i = 0; i < sent.length; i++) perHead[i % heads].push(sent[i] * s);
    }
    return perHead.map((v) => Float64Array.from(v));
  };
  return {
    q: layers.map((_, l) => pick(l, "qNorm")),
    k: layers.map((_, l) => pick(l, "kNorm")),
  };
}

/** τ[layer][head] = median|q'| · median|k'| on `tokenIds` (see module doc). */
export function calibrateTemperatures(
  weights: UseLiteWeights,
  tokenIds: readonly (readonly number[])[],
): number[][] {
  const norms = scaledNorms(weights, tokenIds);
  return norms.q.map((heads, l) => heads.map((q, h) => median(q) * median(norms.k[l][h])));
}
