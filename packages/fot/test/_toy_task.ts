/** Synthetic sentiment task for loop tests (words decide the label). */
import { Rng } from "../rng.ts";
import type { Example, TaskSpec } from "../types.ts";

const POS = ["great", "lovely", "superb", "brilliant", "happy", "wonderful"];
const NEG = ["awful", "boring", "terrible", "dull", "sad", "horrible"];
const NEUTRAL = ["film", "plot", "actor", "scene", "story", "music", "the", "a", "was", "it"];

/** Task spec of the synthetic task. */
export const TOY_SPEC: TaskSpec = {
  name: "toy-sentiment",
  classNames: ["negative", "positive"],
  labelTexts: ["This is negative.", "This is positive."],
  metric: "accuracy",
};

/** `perClass` examples per class drawn with `seed`. */
export function toyExamples(perClass: number, seed: number): Example[] {
  const r = Rng.fromSeed(seed, "toy-task");
  const pick = (xs: string[]) => xs[r.uniformInt(xs.length)];
  const out: Example[] = [];
  for (let i = 0; i < perClass; i++) {
    for (const label of [0, 1]) {
      const words = [pick(label ? POS : NEG), pick(NEUTRAL), pick(NEUTRAL), pick(NEUTRAL)];
      out.push({ text: r.shuffle(words).join(" "), label });
    }
  }
  return out;
}
