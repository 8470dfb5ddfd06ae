import assert from "node:assert/strict";
import type { Scores } from "../loss.ts";
import {
  type Candidate,
  isSelectionCriterion,
  selectCandidate,
  selectionKey,
} from "../selection.ts";

const sc = (loss: number, metric: number): Scores => ({
  loss,
  metric,
  accuracy: metric,
  f1: 0,
  macroF1: 0,
});
const cand = (generation: number, train: Scores, dev: Scores | null): Candidate => ({
  generation,
  z: new Float64Array(2).fill(generation),
  train,
  dev,
  trainSize: 8,
  devSize: 8,
});

Deno.test("selection: each criterion ranks by its own data; ties keep the untuned prompt", () => {
  const untuned = cand(0, sc(0.7, 0.5), sc(0.6, 0.75));
  const fitted = cand(3, sc(0.2, 1.0), sc(0.65, 0.75)); // better on train, worse dev loss
  const devBest = cand(6, sc(0.5, 0.75), sc(0.55, 0.625)); // lowest dev loss, lower dev accuracy
  const cs = [untuned, fitted, devBest];
  assert.equal(selectCandidate(cs, "dev-loss").index, 2);
  // dev-metric: untuned and fitted tie at 0.75; the tie-break (dev loss) keeps the untuned one.
  const dm = selectCandidate(cs, "dev-metric");
  assert.equal(dm.index, 0);
  assert.equal(dm.keptUntuned, true);
  assert.equal(dm.untunedScore, 0.75);
  // all-loss: (8·0.2 + 8·0.65)/16 = 0.425 beats 0.65 (untuned) and 0.525.
  const al = selectCandidate(cs, "all-loss");
  assert.equal(al.index, 1);
  assert.ok(Math.abs(al.selectedScore + 0.425) < 1e-12);
  assert.equal(al.keptUntuned, false);
  assert.equal(selectCandidate(cs, "all-metric").index, 1);
  // An exact tie on every key keeps the earliest candidate, the untuned prompt.
  const same = cand(9, untuned.train, untuned.dev);
  for (const c of ["dev-metric", "dev-loss", "all-loss", "all-metric"] as const) {
    assert.equal(selectCandidate([untuned, same], c).keptUntuned, true, c);
  }
});

Deno.test("selection: without dev the criteria fall back to train; bad input is rejected", () => {
  const a = cand(0, sc(0.5, 0.5), null), b = cand(2, sc(0.4, 0.5), null);
  assert.deepEqual(selectionKey(b, "dev-loss"), [-0.4, 0]);
  assert.equal(selectCandidate([a, b], "dev-metric").index, 1);
  assert.equal(selectCandidate([b], "dev-loss").untunedScore, null);
  assert.throws(() => selectCandidate([], "dev-loss"), /no candidates/);
  assert.ok(isSelectionCriterion("all-loss") && !isSelectionCriterion("dev"));
});
