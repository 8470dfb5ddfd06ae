import assert from "node:assert/strict";
import {
  accuracy,
  crossEntropy,
  f1Binary,
  hingeLoss,
  macroF1,
  populationLosses,
  predictions,
  scoreLogits,
} from "../loss.ts";

const near = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("loss: cross-entropy values and numerical stability", () => {
  near(crossEntropy(new Float64Array([0, 0]), [1], 2), Math.LN2);
  near(
    crossEntropy(new Float64Array([1, 2, 3]), [2], 3),
    Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3,
  );
  near(crossEntropy(new Float64Array([1000, 0, 0, 1000]), [0, 0], 2), 500);
  near(crossEntropy(new Float64Array([9, 9, 0, 5]), [0], 2, 2), 5 + Math.log1p(Math.exp(-5)));
  assert.equal(crossEntropy(new Float64Array([-Infinity, 0]), [0], 2), Infinity);
  assert.throws(() => crossEntropy(new Float64Array([0, 0]), [2], 2), RangeError);
  assert.throws(() => crossEntropy(new Float64Array([0]), [0], 2), RangeError);
});

Deno.test("loss: hinge loss as BBT (sum over wrong classes, mean over texts)", () => {
  // text 0: y=0, logits [1, 0.5, -3] → max(0, 0.5-1+2) + max(0, -3-1+2) = 1.5
  // text 1: y=2, logits [0, 0, 5] → 0
  near(hingeLoss(new Float64Array([1, 0.5, -3, 0, 0, 5]), [0, 2], 3), 0.75);
  near(hingeLoss(new Float64Array([1, 0.5, -3]), [0], 3, 1), 0.5);
});

Deno.test("loss: predictions, accuracy, binary and macro F1", () => {
  const logits = new Float64Array([0.1, 0.9, 0.8, 0.2, 0.5, 0.5, 0.3, 0.7]);
  const pred = predictions(logits, 4, 2);
  assert.deepEqual([...pred], [1, 0, 0, 1]); // ties pick the lowest class
  const y = [1, 1, 0, 0];
  near(accuracy(pred, y), 0.5);
  near(f1Binary(pred, y), 0.5); // tp=1 fp=1 fn=1
  near(f1Binary([0, 0, 0], [1, 1, 0]), 0);
  // sklearn: f1_score([0,1,2,2,1], [0,2,2,1,1], average="macro") = (1 + 0.5 + 0.5) / 3
  near(macroF1([0, 2, 2, 1, 1], [0, 1, 2, 2, 1]), 2 / 3);
  assert.throws(() => accuracy([1], [1, 0]), RangeError);
});

Deno.test("loss: population losses and score summary", () => {
  const logits = new Float64Array([
    2,
    0,
    0,
    2, // prompt 0: both right
    0,
    2,
    2,
    0, // prompt 1: both wrong
  ]);
  const losses = populationLosses(logits, [0, 1], 2, 2);
  near(losses[0], crossEntropy(logits, [0, 1], 2, 0));
  near(losses[1], crossEntropy(logits, [0, 1], 2, 4));
  assert.ok(losses[0] < losses[1]);
  const hinge = populationLosses(logits, [0, 1], 2, 2, "hinge", 1);
  assert.deepEqual([...hinge], [0, 3]);
  const s = scoreLogits(logits, [0, 1], 2, { offset: 4, metric: "f1" });
  assert.equal(s.accuracy, 0);
  assert.equal(s.f1, 0);
  assert.equal(s.metric, 0);
  assert.equal(scoreLogits(logits, [0, 1], 2).metric, 1);
  assert.throws(() => populationLosses(logits, [0, 1], 3, 2), RangeError);
});
