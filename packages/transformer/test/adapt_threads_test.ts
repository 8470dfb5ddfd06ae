import assert from "node:assert/strict";
import { learnedStudent, seededSentences, SMALL_ADAPT_CONFIG } from "./adapt_fixtures.ts";
import { seededRng } from "../common/rng.ts";
import { randomUseLiteWeights } from "../use_lite/random.ts";
import { initialFeatures } from "../adapt/checkpoint.ts";
import { WasmMatmul } from "../adapt/wasm_matmul.ts";
import { adaptMatmulThreads, useAdaptBackend } from "../adapt/tf_backend.ts";
import { distill, distillLayers } from "../adapt/train.ts";

function randomValues(n: number, label: string): Float32Array {
  const rng = seededRng(label);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

Deno.test("two-thread WebAssembly matmul equals the one-thread kernel bitwise", async () => {
  const one = await WasmMatmul.create();
  const two = await WasmMatmul.create({ threads: 2, minParallelWork: 1 });
  try {
    // [batchA, batchB, batch, n, k, m]: one block (rows split, with a remainder row block and
    // scalar columns), batches split, a broadcast operand on either side, k above one 256-block.
    const shapes = [
      [1, 1, 1, 37, 300, 21],
      [5, 5, 5, 9, 16, 24],
      [1, 4, 4, 12, 20, 8],
      [3, 1, 3, 8, 7, 13],
      [1, 1, 1, 3, 5, 9],
    ];
    for (const [ba, bb, batch, n, k, m] of shapes) {
      const a = randomValues(ba * n * k, `mm-a-${n}-${k}`);
      const b = randomValues(bb * k * m, `mm-b-${k}-${m}`);
      const want = one.matmul(a, ba, b, bb, batch, n, k, m);
      const got = two.matmul(a, ba, b, bb, batch, n, k, m);
      assert.deepEqual(got, want, `shape ${[ba, bb, batch, n, k, m]}`);
    }
    assert.ok(two.splitCalls >= 4, `only ${two.splitCalls} products were split`);
  } finally {
    two.close();
  }
  await assert.rejects(() => WasmMatmul.create({ threads: 3 }), /threads must be 1 or 2/);
});

/** Stage 1 then stage 2 (3 steps each) from the same start: every variable before and after. */
function trainSteps(): { before: Float32Array[]; after: Float32Array[] } {
  const weights = randomUseLiteWeights(SMALL_ADAPT_CONFIG, "threads-train");
  const sentences = seededSentences("adapt-threads-test");
  const init = initialFeatures(SMALL_ADAPT_CONFIG, {
    kind: "rfa",
    input: "raw",
    numFeatures: 12,
    sigma: 1,
    seed: 2,
    tau: null,
    denominatorFloor: 1 / 16,
  });
  const { attention, teacherModel, teacher, model } = learnedStudent(weights, sentences, init, {
    v: true,
    out: true,
    ln1: true,
  });
  const values = () => model.variables.map((v) => (v.dataSync() as Float32Array).slice());
  const before = values();
  const opts = { attention, seed: 0, lr: 1e-2, tokensPerBatch: 200, steps: 3 };
  distillLayers(model, teacherModel, weights, sentences, opts);
  distill(model, weights, { ids: sentences, teacher }, opts);
  return { before, after: values() };
}

Deno.test("training steps on two matmul threads equal the one-thread steps", async () => {
  try {
    await useAdaptBackend({ threads: 1 });
    const serial = trainSteps();
    await useAdaptBackend({ threads: 2, minParallelWork: 1 });
    const parallel = trainSteps();
    const { threads, splitCalls } = adaptMatmulThreads();
    assert.equal(threads, 2);
    assert.ok(splitCalls > 100, `only ${splitCalls} products were split`);
    assert.equal(parallel.after.length, serial.after.length);
    const worst = (x: Float32Array[], y: Float32Array[]) =>
      x.reduce((w, v, i) => v.reduce((u, a, j) => Math.max(u, Math.abs(a - y[i][j])), w), 0);
    assert.equal(worst(serial.before, parallel.before), 0);
    const diff = worst(serial.after, parallel.after);
    assert.ok(diff <= 1e-6, `parameters differ by ${diff}`);
    // The steps moved the parameters (equal untrained models would prove nothing).
    assert.ok(worst(serial.before, serial.after) > 1e-3, "the steps did not train");
  } finally {
    await useAdaptBackend({ threads: 1 });
  }
});
