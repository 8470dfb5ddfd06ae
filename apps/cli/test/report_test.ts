import assert from "node:assert/strict";
import { learnedBy } from "../report/build.ts";
import { reproduceCommand } from "../report/provenance.ts";
import {
  bootstrapF1,
  confusionMatrix,
  DEV_HALF_WIDTH_LIMIT,
  metricWithInterval,
  wilson,
  worstHalfWidth,
} from "../report/stats.ts";
import { niceTicks } from "../report/svg.ts";
import { fmtBytes, fmtRounds, fmtSeconds, fmtWithInterval } from "../report/units.ts";

const close = (a: number, b: number, tol = 5e-4) =>
  assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

Deno.test("stats: Wilson intervals match the textbook values", () => {
  // Newcombe (1998), 8 successes of 10: 0.4902 to 0.9433.
  const [lo, hi] = wilson(8, 10);
  close(lo, 0.4902);
  close(hi, 0.9433);
  assert.equal(wilson(0, 10)[0], 0);
  assert.equal(wilson(10, 10)[1], 1);
  // 21 of 32 (the 0.656): about ±16 points.
  const [a, b] = wilson(21, 32);
  assert.ok(b - a > 0.3 && b - a < 0.34, `${a}..${b}`);
});

Deno.test("stats: the dev note fires for few-shot dev sets, not for large ones", () => {
  assert.ok(worstHalfWidth(8) > DEV_HALF_WIDTH_LIMIT);
  assert.ok(worstHalfWidth(32) > DEV_HALF_WIDTH_LIMIT);
  assert.ok(worstHalfWidth(100) < DEV_HALF_WIDTH_LIMIT);
});

Deno.test("stats: confusion matrix and metric intervals from logits", () => {
  // 4 texts, 2 classes: predictions 1, 0, 1, 1 against labels 1, 0, 0, 1.
  const logits = [0, 1, 1, 0, 0.2, 0.3, -1, 2];
  const labels = [1, 0, 0, 1];
  assert.deepEqual(confusionMatrix(logits, labels, 2), [[1, 1], [0, 2]]);
  const acc = metricWithInterval("accuracy", logits, labels, 2, { seed: "t" });
  assert.equal(acc.value, 0.75);
  assert.deepEqual(acc.ci95, wilson(3, 4));
  const f1 = metricWithInterval("f1", logits, labels, 2, { seed: "t" });
  close(f1.value, 0.8, 1e-12); // precision 2/3, recall 1
  assert.equal(f1.ci_method, "bootstrap");
  assert.ok(f1.ci95[0] <= f1.value && f1.value <= f1.ci95[1]);
});

Deno.test("stats: the F1 bootstrap is reproducible and narrows with more texts", () => {
  const make = (n: number) => {
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const pred = labels.map((l, i) => (i % 5 === 0 ? 1 - l : l)); // 80 % correct
    return { labels, pred };
  };
  const small = make(20), big = make(400);
  const a = bootstrapF1(small.pred, small.labels, "f1", { seed: "s" });
  assert.deepEqual(a, bootstrapF1(small.pred, small.labels, "f1", { seed: "s" }));
  const b = bootstrapF1(big.pred, big.labels, "f1", { seed: "s" });
  assert.ok(b[1] - b[0] < (a[1] - a[0]) / 2, `${a} vs ${b}`);
  assert.ok(b[0] < 0.8 && b[1] > 0.8);
});

Deno.test("units: bytes, seconds and rounds in human units", () => {
  assert.equal(fmtBytes(683514000), "683.5 MB");
  assert.equal(fmtBytes(4_310_000_000), "4.31 GB");
  assert.equal(fmtBytes(512), "512 B");
  assert.equal(fmtRounds(474.3333333333333), "474.3");
  assert.equal(fmtRounds(474), "474");
  assert.equal(fmtSeconds(12.34), "12.3 s");
  assert.equal(fmtSeconds(245), "4 min 05 s");
  assert.equal(fmtSeconds(3725), "1 h 02 min");
  assert.equal(fmtWithInterval(0.65625, [0.483, 0.796]), "0.656 [0.483, 0.796]");
});

Deno.test("svg: round ticks cover the range", () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(1, 6, 5, true), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(niceTicks(1, 2, 1, true), [1, 2]);
});

Deno.test("provenance: the reproducing command spells out every flag", () => {
  const cmd = reproduceCommand({
    backend: "2pc",
    promptLen: 4,
    seed: "a b",
    resume: true,
    json: true,
    parties: undefined,
  });
  assert.equal(cmd, "./denow task tune --backend 2pc --prompt-len 4 --seed 'a b'");
});

Deno.test("privacy: the reveal log summarised per receiver in words", () => {
  const rows = learnedBy(
    [
      {
        path: "evaluate/reveal/open",
        receiver: 3,
        mask: "cleartext-output",
        elements: 96,
        width: 2,
        openings: 6,
      },
      {
        path: "evaluate/mul",
        receiver: 0,
        mask: "uniform-ring",
        elements: 1000,
        width: 10,
        openings: 4,
      },
    ],
    { 0: "computing party", 3: "data owner" },
    2,
  );
  assert.equal(rows.length, 2);
  const doRow = rows.find((r) => r.party === 3)!;
  assert.match(doRow.statement, /^2 logits × 48 \(prompt, text\) queries in the clear/);
  assert.match(rows.find((r) => r.party === 0)!.statement, /perfectly hiding/);
});
