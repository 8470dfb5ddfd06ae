import assert from "node:assert/strict";
import { DeepProjection, splitIntrinsicDim } from "../deep_projection.ts";
import { tune } from "../loop.ts";
import type { FitnessOracle, OracleBatch } from "../oracle.ts";
import { RandomProjection } from "../projection.ts";
import { type ToyBatch, ToyOracle } from "../toy_oracle.ts";
import { TOY_SPEC, toyExamples } from "./_toy_task.ts";

Deno.test("deep projection: d split over the layers, ⌈d/K⌉ first", () => {
  assert.deepEqual(splitIntrinsicDim(10, 3), [4, 3, 3]);
  assert.deepEqual(splitIntrinsicDim(500, 2), [250, 250]);
  assert.deepEqual(splitIntrinsicDim(7, 7), [1, 1, 1, 1, 1, 1, 1]);
});

Deno.test("deep projection: layer-major, each layer its own A of its own part of z", () => {
  const init = Float64Array.from({ length: 2 * 4 }, (_, i) => i / 10);
  const o = { promptLength: 2, layerWidths: [4, 6], intrinsicDim: 5, seed: "s", embeddingStd: 1 };
  const p = new DeepProjection({ ...o, init });
  assert.equal(p.outputDim, 2 * 4 + 2 * 6);
  assert.deepEqual(p.layers.map((l) => l.intrinsicDim), [3, 2]);
  // z = 0: layer 0 is the shallow initial prompt, later layers start at zero.
  const zero = p.apply(new Float64Array(5));
  assert.deepEqual(zero.subarray(0, 8), init);
  assert.deepEqual(zero.subarray(8), new Float64Array(12));
  const z = [0.3, -1, 2, 0.5, -0.25];
  const out = p.apply(z);
  assert.deepEqual(out.subarray(0, 8), p.layers[0].apply(z.slice(0, 3)));
  assert.deepEqual(out.subarray(8), p.layers[1].apply(z.slice(3)));
  // A differs between the layers' streams and is a function of the seed.
  const layer1 = new RandomProjection({ ...o, embedDim: 6, intrinsicDim: 2 });
  assert.notDeepEqual(p.layers[1].matrix, layer1.matrix.subarray(0, p.layers[1].matrix.length));
  assert.equal(new DeepProjection({ ...o, init }).fingerprint(), p.fingerprint());
  assert.notEqual(new DeepProjection({ ...o, init, seed: "t" }).fingerprint(), p.fingerprint());
  assert.deepEqual(p.applyBatch([z, z])[1], out);
  assert.throws(() => p.apply([1, 2]), /expected 5/);
  assert.throws(() => new DeepProjection({ ...o, layerWidths: [4] }), /≥ 2 layers/);
  assert.throws(() => new DeepProjection({ ...o, intrinsicDim: 1 }), /≥ the 2 layers/);
});

/** The toy oracle taking deep prompts [L×E | L×E]: a deep prompt acts as the sum of its layers. */
class DeepToy implements FitnessOracle<ToyBatch> {
  readonly promptLength: number;
  readonly embedDim: number;
  readonly promptWidths: readonly number[];
  readonly #toy: ToyOracle;
  seenLengths: number[] = [];
  constructor(L: number, E: number, scale?: number) {
    this.#toy = new ToyOracle({ promptLength: L, embedDim: E, scale });
    this.promptLength = L;
    this.embedDim = E;
    this.promptWidths = [E, E];
  }
  prepare(b: OracleBatch) {
    return this.#toy.prepare(b);
  }
  evaluate(prompts: Float64Array[], b: ToyBatch) {
    const n = this.promptLength * this.embedDim;
    this.seenLengths.push(...prompts.map((p) => p.length));
    const flat = prompts.map((p) =>
      p.length === n ? p : p.subarray(0, n).map((v, i) => v + p[n + i])
    );
    return this.#toy.evaluate(flat, b);
  }
}

Deno.test("tune with a deep projection: deep candidates, the given untuned prompt kept when nothing beats it", async () => {
  const L = 2, E = 16, d = 12;
  const split = { train: toyExamples(8, 1), dev: toyExamples(8, 2) };
  const init = new Float64Array(L * E).fill(0.1);
  const projection = new DeepProjection({
    promptLength: L,
    layerWidths: [E, E],
    intrinsicDim: d,
    seed: 3,
    embeddingStd: 2,
    init,
  });
  const run = (oracle: DeepToy, gens: number) =>
    tune({
      oracle,
      task: TOY_SPEC,
      split,
      projection,
      untunedPrompt: init,
      cma: { seed: 1 },
      budget: { maxGenerations: gens },
      evalEvery: 1,
    });
  // scale 0: no prompt matters, so the untuned (shallow) prompt is kept and returned as given.
  const flatOracle = new DeepToy(L, E, 0);
  const flat = await run(flatOracle, 3);
  assert.equal(flat.selection!.keptUntuned, true);
  assert.deepEqual(flat.bestPrompt, init);
  assert.ok(flatOracle.seenLengths.includes(L * E), "the untuned prompt went in shallow");
  assert.ok(flatOracle.seenLengths.includes(2 * L * E), "the candidates went in deep");
  // A prompt that matters: a tuned deep prompt wins and is returned deep.
  const res = await run(new DeepToy(L, E), 20);
  assert.equal(res.selection!.keptUntuned, false);
  assert.equal(res.bestPrompt.length, 2 * L * E);
  assert.deepEqual(res.bestPrompt, projection.apply(res.bestZ));
});
