/**
 * Counting the texts a run clips: each text is cut to the room the model leaves after the prompt
 * (`maxSeqLen − L`) and to `--max-tokens`, if set. The counts go in the run report; the texts do not.
 */
import { applyTemplate, type Example, type TaskSpec } from "@secp/fot";

/** Clipping counts of a run's texts. */
export interface ClipCounts {
  /** Texts scored (train + dev + test). */
  texts: number;
  /** Token limit applied: min(maxSeqLen − L, maxTokens if > 0). */
  limitTokens: number;
  /** The model's own room for text: maxSeqLen − L. */
  modelTokens: number;
  /** Texts longer than `limitTokens` (clipped). */
  clipped: number;
  /** Texts longer than `modelTokens` (clipped whatever --max-tokens says). */
  longerThanModel: number;
  /** Clipped texts per set. */
  bySet: Record<string, number>;
}

/** Counts the templated texts of `sets` longer than the limits, with `length` tokens each. */
export function clippedCounts(
  length: (text: string) => number,
  sets: Record<string, Example[]>,
  task: TaskSpec,
  o: { maxSeqLen: number; promptLen: number; maxTokens: number },
): ClipCounts {
  const modelTokens = o.maxSeqLen - o.promptLen;
  const limitTokens = Math.min(modelTokens, o.maxTokens > 0 ? o.maxTokens : Infinity);
  const out: ClipCounts = {
    texts: 0,
    limitTokens,
    modelTokens,
    clipped: 0,
    longerThanModel: 0,
    bySet: {},
  };
  for (const [name, examples] of Object.entries(sets)) {
    out.bySet[name] = 0;
    for (const e of examples) {
      const n = length(applyTemplate(task, e.text));
      out.texts++;
      if (n > limitTokens) {
        out.clipped++;
        out.bySet[name]++;
      }
      if (n > modelTokens) out.longerThanModel++;
    }
  }
  return out;
}
