import assert from "node:assert/strict";
import { join } from "node:path";
import { CheckpointError } from "../checkpoint.ts";
import { priorFromCounts, priorWeights } from "../class_prior.ts";
import { crossEntropy, hingeLoss, populationLosses, scoreLogits } from "../loss.ts";
import { tune } from "../loop.ts";
import { RandomProjection } from "../projection.ts";
import { ToyOracle } from "../toy_oracle.ts";
import { TOY_SPEC, toyExamples } from "./_toy_task.ts";

const near = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("class prior: from counts, and weights π_c / n_c per batch", () => {
  assert.deepEqual(Array.from(priorFromCounts([4150, 1896])), [4150 / 6046, 1896 / 6046]);
  assert.throws(() => priorFromCounts([0, 0]), /sum to 0/);
  assert.throws(() => priorFromCounts([1, -1]), /class count 1/);
  // 3 texts of class 0, 1 of class 1, none of class 2.
  assert.deepEqual(Array.from(priorWeights([0.5, 0.3, 0.2], [0, 1, 0, 0], 3)), [0.5 / 3, 0.3, 0]);
  assert.throws(() => priorWeights([0.5, 0.5], [0], 3), /2 entries, expected 3/);
});

Deno.test("class prior: weighted losses are Σ_c π_c · (mean loss of class c)", () => {
  // Four texts, C = 2: three of class 0, one of class 1.
  const logits = new Float64Array([2, 0, 0.5, 0.2, -1, 1, 0.3, 0.9]);
  const labels = [0, 0, 0, 1];
  const ce = (t: number) => crossEntropy(logits.subarray(2 * t, 2 * t + 2), [labels[t]], 2);
  const hi = (t: number) => hingeLoss(logits.subarray(2 * t, 2 * t + 2), [labels[t]], 2);
  const prior = [0.2, 0.8];
  const w = priorWeights(prior, labels, 2);
  near(
    crossEntropy(logits, labels, 2, 0, w),
    0.2 * (ce(0) + ce(1) + ce(2)) / 3 + 0.8 * ce(3),
  );
  near(hingeLoss(logits, labels, 2, 2, 0, w), 0.2 * (hi(0) + hi(1) + hi(2)) / 3 + 0.8 * hi(3));
  // Equal weights are the plain mean; the batch's mix (here 3:1) is the unweighted loss.
  near(crossEntropy(logits, labels, 2, 0, [1, 1]), crossEntropy(logits, labels, 2));
  near(
    crossEntropy(logits, labels, 2, 0, priorWeights([0.75, 0.25], labels, 2)),
    crossEntropy(logits, labels, 2),
  );
  const s = scoreLogits(logits, labels, 2, { loss: "hinge", classWeights: w });
  near(s.loss, hingeLoss(logits, labels, 2, 2, 0, w));
  assert.equal(s.accuracy, scoreLogits(logits, labels, 2).accuracy, "metrics stay unweighted");
  const pop = populationLosses(new Float64Array([...logits, ...logits]), labels, 2, 2, "ce", 2, w);
  near(pop[1], crossEntropy(logits, labels, 2, 0, w));
  assert.throws(() => crossEntropy(logits, labels, 2, 0, [1]), /classWeights has 1 entries/);
  assert.throws(() => hingeLoss(logits, labels, 2, 2, 0, [1, NaN]), /classWeights\[1\]/);
});

Deno.test("tune: classPrior weights the search and the selection, and enters the fingerprint", async () => {
  const split = { train: toyExamples(8, 1), dev: toyExamples(8, 2) };
  const run = (classPrior?: number[], more: { checkpointPath?: string; resume?: boolean } = {}) =>
    tune({
      oracle: new ToyOracle({ promptLength: 2, embedDim: 16 }),
      task: TOY_SPEC,
      split,
      projection: new RandomProjection({
        promptLength: 2,
        embedDim: 16,
        intrinsicDim: 10,
        seed: 5,
        std: 0.5,
      }),
      cma: { seed: 1 },
      budget: { maxGenerations: 6 },
      evalEvery: 2,
      ...(classPrior ? { classPrior } : {}),
      ...more,
    });
  const plain = await run();
  const skewed = await run([0.9, 0.1]);
  assert.notDeepEqual(
    plain.history.map((h) => h.bestLoss),
    skewed.history.map((h) => h.bestLoss),
    "a skewed prior changes the losses CMA-ES sees",
  );
  const balanced = await run([0.5, 0.5]); // the toy split is balanced: the plain mean again
  plain.history.forEach((h, i) => near(balanced.history[i].bestLoss, h.bestLoss, 1e-12));
  const dir = await Deno.makeTempDir();
  try {
    const checkpointPath = join(dir, "ck.json");
    await run([0.9, 0.1], { checkpointPath });
    await assert.rejects(() => run(undefined, { checkpointPath, resume: true }), CheckpointError);
    await assert.rejects(() => run([0.8, 0.2], { checkpointPath, resume: true }), CheckpointError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
