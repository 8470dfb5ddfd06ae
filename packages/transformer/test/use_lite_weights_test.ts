import assert from "node:assert/strict";
import { loadUseLite } from "../use_lite/assets.ts";
import { randomUseLiteWeights } from "../use_lite/random.ts";
import type { NamedTensors } from "../use_lite/tfjs.ts";
import {
  checkUseLiteWeights,
  UseLiteCheckpointError,
  useLiteParamCount,
  useLiteWeightsFromTensors,
  useLiteWeightsToTensors,
} from "../use_lite/weights.ts";
import { defaultInvTimescales, makeUseLiteConfig, USE_LITE_CONFIG } from "../use_lite/config.ts";
import { GLOBAL_NAMES, layerParamNames, useLiteTensorSpec } from "../use_lite/spec.ts";

const small = makeUseLiteConfig({
  vocabRows: 40,
  embedDim: 16,
  layers: [
    { modelDim: 24, heads: 2, headDim: 4, ffnDim: 32 },
    { modelDim: 24, heads: 2, headDim: 6, ffnDim: 32 },
  ],
  outputDim: 12,
});

const clone = (t: NamedTensors): NamedTensors => new Map(t);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UseLiteCheckpointError, String(e));
    return [...e.problems];
  }
  assert.fail("expected a UseLiteCheckpointError");
}

Deno.test("real checkpoint: all 61 tensors map onto USE_LITE_CONFIG", async () => {
  const { weights, modelJson, shards } = await loadUseLite();
  const names = modelJson.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
  assert.equal(names.length, 61);
  assert.deepEqual(
    new Set(useLiteTensorSpec(USE_LITE_CONFIG).map((s) => s.name)),
    new Set(names),
  );
  assert.equal(weights.config.layers[0].scale, 0.125);
  assert.equal(weights.config.layers[1].scale, Math.fround(1 / Math.sqrt(128)));
  assert.equal(weights.config.layerNormEps, Math.fround(1e-6));
  assert.equal(weights.config.paddingBias, -1e9);
  assert.equal(weights.config.maxSeqLen, 128);
  // 6,975,914 stored scalars (27,903,656 bytes) = 6,975,744 learned parameters (embedding table
  // of 8002 rows included) + 128 timescales + 42 scalar/shape constants.
  const bytes = [...shards.values()].reduce((s, b) => s + b.length, 0);
  assert.equal(bytes, 27_903_656);
  assert.equal(useLiteParamCount(weights), 6_975_744);
  // Timing constant = tensor2tensor's formula (1 … 1e-4, log-spaced) up to float32 arithmetic (≤ 1e-6 relative).
  const inv = defaultInvTimescales(USE_LITE_CONFIG);
  weights.invTimescales.forEach((v, i) => assert.ok(Math.abs(v - inv[i]) <= 1e-6 * inv[i], `${i}`));
  assert.equal(weights.layers[0].residualW?.length, 256 * 512);
  assert.equal(weights.layers[1].residualW, null);
  checkUseLiteWeights(weights);
});

Deno.test("random weights: deterministic per seed, round-trip through tfjs tensors", () => {
  const a = randomUseLiteWeights(small, 7);
  const b = randomUseLiteWeights(small, 7);
  const c = randomUseLiteWeights(small, 8);
  assert.deepEqual(a.layers[1].qkvW, b.layers[1].qkvW);
  assert.notDeepEqual(a.layers[1].qkvW, c.layers[1].qkvW);
  checkUseLiteWeights(a);
  const tensors = useLiteWeightsToTensors(a);
  const back = useLiteWeightsFromTensors(tensors, { expected: small });
  assert.deepEqual(
    back.config.layers,
    small.layers.map((l) => ({ ...l, scale: Math.fround(l.scale) })),
  );
  const f32 = (x: Float64Array) => Float64Array.from(Float32Array.from(x));
  assert.deepEqual(back.embeddings, f32(a.embeddings));
  assert.deepEqual(back.layers[0].residualW, f32(a.layers[0].residualW!));
  assert.equal(back.layers[1].residualW, null);
  assert.deepEqual(back.layers[1].ffn2W, f32(a.layers[1].ffn2W));
  assert.deepEqual(back.poolB, f32(a.poolB));
});

Deno.test("checkpoint mismatches are all reported with names and shapes", () => {
  const good = useLiteWeightsToTensors(randomUseLiteWeights(small, 1));
  const n0 = layerParamNames(0);

  // Missing tensor.
  const missing = clone(good);
  missing.delete(n0.ffn2B);
  const p1 = problemsOf(() => useLiteWeightsFromTensors(missing));
  assert.deepEqual(p1, [
    `missing tensor "${n0.ffn2B}" (layer 0 FFN conv2 bias), expected shape [24]`,
  ]);

  // Wrong shape, extra tensor and wrong constant together.
  const bad = clone(good);
  bad.set(n0.ln1Beta, {
    name: n0.ln1Beta,
    shape: [17],
    dtype: "float32",
    data: new Float32Array(17),
  });
  bad.set("junk", { name: "junk", shape: [2], dtype: "float32", data: new Float32Array(2) });
  bad.set(GLOBAL_NAMES.padId, {
    name: GLOBAL_NAMES.padId,
    shape: [],
    dtype: "int32",
    data: Int32Array.of(0),
  });
  const p2 = problemsOf(() => useLiteWeightsFromTensors(bad));
  assert.equal(p2.length, 3, p2.join("\n"));
  assert.ok(p2.some((p) => p.includes(n0.ln1Beta) && p.includes("expected shape [16], got [17]")));
  assert.ok(p2.some((p) => p === 'unexpected tensor "junk" [2]'));
  assert.ok(
    p2.some((p) => p.includes(GLOBAL_NAMES.padId) && p.includes("expected value [-1], got [0]")),
  );
  // allowExtra accepts the unknown tensor only.
  const onlyExtra = clone(good);
  onlyExtra.set("junk", bad.get("junk")!);
  assert.doesNotThrow(() => useLiteWeightsFromTensors(onlyExtra, { allowExtra: true }));

  // Wrong dtype.
  const dtype = clone(good);
  dtype.set(n0.headDim, {
    name: n0.headDim,
    shape: [],
    dtype: "float32",
    data: Float32Array.of(4),
  });
  const p3 = problemsOf(() => useLiteWeightsFromTensors(dtype));
  assert.ok(p3.some((p) => p.includes("expected dtype int32, got float32")), p3.join("\n"));

  // A checkpoint of another shape fails against an expected config.
  const p4 = problemsOf(() => useLiteWeightsFromTensors(good, { expected: USE_LITE_CONFIG }));
  assert.ok(p4.includes("config vocabRows: expected 8002, got 40"), p4.join("\n"));
  assert.ok(p4.includes("config layers[0].headDim: expected 64, got 4"), p4.join("\n"));

  // Missing embeddings is caught while deriving the config.
  const noEmb = clone(good);
  noEmb.delete(GLOBAL_NAMES.embeddings);
  const p5 = problemsOf(() => useLiteWeightsFromTensors(noEmb));
  assert.ok(p5[0].startsWith(`missing tensor "${GLOBAL_NAMES.embeddings}"`), p5.join("\n"));
});

Deno.test("checkUseLiteWeights and config validation reject inconsistent shapes", () => {
  const w = randomUseLiteWeights(small, 2);
  const broken = { ...w, poolB: new Float64Array(3) };
  assert.throws(() => checkUseLiteWeights(broken), /poolB: expected 12 values, got 3/);
  assert.throws(
    () =>
      makeUseLiteConfig({
        vocabRows: 10,
        embedDim: 15,
        layers: [],
        outputDim: 4,
      }),
    /embedDim must be even/,
  );
  const differing = makeUseLiteConfig({
    vocabRows: 10,
    embedDim: 8,
    layers: [
      { modelDim: 8, heads: 2, headDim: 4, ffnDim: 16 },
      { modelDim: 8, heads: 4, headDim: 2, ffnDim: 16 },
    ],
    outputDim: 4,
  });
  assert.throws(() => useLiteTensorSpec(differing), /heads\/ffnDim\/modelDim/);
  // Such a model still runs (random weights need no tfjs layout).
  checkUseLiteWeights(randomUseLiteWeights(differing, 0));
});
