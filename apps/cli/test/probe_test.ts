import assert from "node:assert/strict";
import { fitLogistic, logisticLogits } from "../bench/probe.ts";

/** Points around ±mu in 6 dimensions; the class is the sign along the first axis. */
function blobs(n: number, seed: number): { xs: Float64Array[]; ys: number[] } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  const xs: Float64Array[] = [], ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    xs.push(Float64Array.from({ length: 6 }, (_, f) => (f === 0 ? (y ? 1 : -1) : 0) + rnd()));
    ys.push(y);
  }
  return { xs, ys };
}

Deno.test("probe: logistic regression separates separable classes on unseen points", () => {
  const train = blobs(16, 1), test = blobs(40, 2);
  const m = fitLogistic(train.xs, train.ys, 2);
  const logits = logisticLogits(m, test.xs);
  let ok = 0;
  test.ys.forEach((y, i) => (ok += Number((logits[2 * i + 1] > logits[2 * i]) === (y === 1))));
  assert.equal(ok, test.ys.length);
  assert.throws(() => fitLogistic([], [], 2), /one label per row/);
});
