import assert from "node:assert/strict";
import {
  learnedStudent,
  secureVsReference,
  seededSentences,
  SMALL_ADAPT_CONFIG,
  testCheckpointMeta,
} from "./adapt_fixtures.ts";
import * as tf from "@tensorflow/tfjs-core";
import { forward } from "../use_lite/reference.ts";
import { makeOrthogonalRfaFeatures } from "../use_lite/orthogonal_features.ts";
import { randomUseLiteWeights } from "../use_lite/random.ts";
import { makeUseLiteConfig } from "../use_lite/config.ts";
import {
  applyCheckpoint,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_LEARNED,
  type CheckpointAttention,
  encodeCheckpoint,
  initialFeatures,
} from "../adapt/checkpoint.ts";
import { useAdaptBackend } from "../adapt/tf_backend.ts";
import {
  exportFeatures,
  exportWeights,
  makeTfBatch,
  tfEmbedAll,
  tfForward,
} from "../adapt/tf_model.ts";
import { distill, distillLayers } from "../adapt/train.ts";

const small = SMALL_ADAPT_CONFIG;
const sentences = seededSentences("adapt-learned-test");
const attentionMeta: CheckpointAttention = {
  kind: "rfa",
  input: "raw",
  numFeatures: 12,
  sigma: 1,
  seed: 4,
  featureInit: "orthogonal",
  tau: null,
  denominatorFloor: 1 / 16,
};
const meta = testCheckpointMeta(attentionMeta);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

Deno.test("orthogonal features: rows orthogonal within each block of headDim, seeded", () => {
  const config = makeUseLiteConfig({
    vocabRows: 10,
    embedDim: 8,
    layers: [{ modelDim: 8, heads: 1, headDim: 16, ffnDim: 8 }],
    outputDim: 4,
    maxSeqLen: 8,
  });
  const f = makeOrthogonalRfaFeatures(config, { numFeatures: 40, seed: 1 });
  const W = f.matrices[0][0];
  const n = 16;
  const row = (i: number) => W.subarray(i * n, (i + 1) * n);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  let sumSq = 0;
  for (let i = 0; i < 40; i++) {
    sumSq += dot(row(i), row(i));
    for (let j = i + 1; j < 40; j++) {
      const sameBlock = Math.floor(i / n) === Math.floor(j / n);
      const cos = dot(row(i), row(j)) / Math.sqrt(dot(row(i), row(i)) * dot(row(j), row(j)));
      if (sameBlock) assert.ok(Math.abs(cos) < 1e-12, `rows ${i}, ${j}: cos ${cos}`);
    }
  }
  // Row norms are chi(16)-distributed: mean square 16 (σ = 1); loose bound for 40 rows.
  assert.ok(Math.abs(sumSq / 40 - 16) < 4, `mean squared norm ${sumSq / 40}`);
  assert.deepEqual(makeOrthogonalRfaFeatures(config, { numFeatures: 40, seed: 1 }), f);
  assert.notDeepEqual(makeOrthogonalRfaFeatures(config, { numFeatures: 40, seed: 2 }), f);
  assert.throws(() => makeOrthogonalRfaFeatures(config, { numFeatures: 0, seed: 1 }), /positive/);
});

/** Learned frequencies: the orthogonal draw plus a deterministic perturbation. */
function learnedFeatures() {
  const init = initialFeatures(small, attentionMeta);
  return {
    ...init,
    matrices: init.matrices.map((hs, l) =>
      hs.map((W, h) => W.map((v, i) => v + 0.05 * Math.sin(i + 3 * l + h)))
    ),
  };
}

Deno.test("checkpoint: learned frequencies round trip (format @2); corrupt ones are rejected", async () => {
  const base = randomUseLiteWeights(small, "learned-ckpt");
  const learned = learnedFeatures();
  const ckpt = await encodeCheckpoint(base, base, { ...meta, features: learned });
  assert.equal(ckpt.format, CHECKPOINT_FORMAT_LEARNED);
  assert.deepEqual(ckpt.frequencies!.map((t) => t.name), ["layers.0.rfaW", "layers.1.rfaW"]);
  assert.deepEqual(ckpt.frequencies![1].shape, [2 * 12, 8]);
  const { attention } = await applyCheckpoint(base, JSON.parse(JSON.stringify(ckpt)));
  for (const [l, hs] of learned.matrices.entries()) {
    for (const [h, W] of hs.entries()) {
      // float16 deltas of size ≤ 0.05: error ≤ 2^-11 · 0.05.
      assert.ok(maxAbs(attention.features.matrices[l][h], W) < 3e-5, `layer ${l} head ${h}`);
    }
  }
  // Without stored frequencies: the seeded orthogonal draw itself, format @1.
  const plain = await encodeCheckpoint(base, base, meta);
  assert.equal(plain.format, CHECKPOINT_FORMAT);
  const init = await applyCheckpoint(base, plain);
  assert.deepEqual(init.attention.features, initialFeatures(small, attentionMeta));
  // Gaussian format-1 checkpoints (no featureInit) keep their meaning.
  const { featureInit: _f, ...old } = attentionMeta;
  const gauss = await applyCheckpoint(
    base,
    await encodeCheckpoint(base, base, {
      ...meta,
      attention: old,
    }),
  );
  assert.deepEqual(gauss.attention.features, initialFeatures(small, old));
  assert.notDeepEqual(gauss.attention.features, init.attention.features);
  const f0 = ckpt.frequencies![0];
  const flipped = f0.data[7] === "A" ? "B" : "A";
  const corrupt = {
    ...ckpt,
    frequencies: [
      { ...f0, data: f0.data.slice(0, 7) + flipped + f0.data.slice(8) },
      ckpt
        .frequencies![1],
    ],
  };
  await assert.rejects(() => applyCheckpoint(base, corrupt), /sha256 mismatch/);
  const missing = { ...ckpt, frequencies: [ckpt.frequencies![1]] };
  await assert.rejects(() => applyCheckpoint(base, missing), /frequencies has 1 entries/);
  const noFreq = { ...ckpt, frequencies: undefined };
  await assert.rejects(() => applyCheckpoint(base, noFreq), /needs frequencies/);
  const badInit = {
    ...ckpt,
    attention: { ...attentionMeta, featureInit: "uniform" as "gaussian" },
  };
  await assert.rejects(() => applyCheckpoint(base, badInit), /featureInit/);
});

Deno.test("learned frequencies: stage 1 and stage 2 train W; exported model equals the float64 reference", async () => {
  await useAdaptBackend();
  const weights = randomUseLiteWeights(small, "learned-train");
  const init = initialFeatures(small, attentionMeta);
  const { attention, teacherModel, teacher, model } = learnedStudent(weights, sentences, init, {
    v: true,
    out: true,
  });
  assert.deepEqual(exportFeatures(model, init).matrices.map((hs) => hs.length), [2, 2]);
  assert.ok(maxAbs(exportFeatures(model, init).matrices[1][1], init.matrices[1][1]) < 1e-6);
  const opts = { attention, seed: 0, lr: 1e-2, tokensPerBatch: 200 };
  const s1: number[] = [];
  distillLayers(model, teacherModel, weights, sentences, {
    ...opts,
    steps: 20,
    onStep: (s) => s1.push(s.loss),
  });
  assert.ok(s1.at(-1)! < s1[0], `stage-1 loss ${s1[0]} → ${s1.at(-1)}`);
  const before = tfEmbedAll(model, sentences, attention).embeddings;
  distill(model, weights, { ids: sentences, teacher }, { ...opts, lr: 2e-3, steps: 20 });
  const after = tfEmbedAll(model, sentences, attention).embeddings;
  const dot = (e: Float32Array) => e.reduce((s, x, i) => s + x * teacher[i], 0);
  assert.ok(dot(after) > dot(before), `${dot(after)} > ${dot(before)}`);
  const learned = exportFeatures(model, init);
  assert.ok(maxAbs(learned.matrices[0][0], init.matrices[0][0]) > 1e-3, "W did not move");
  // The tfjs model with its learned W equals the float64 reference run on the exported W.
  const batch = makeTfBatch(weights, sentences);
  const got = tf.tidy(() => tfForward(model, batch, attention).embeddings.dataSync());
  tf.dispose([batch.h0, batch.mask]);
  const ex = exportWeights(model, "raw");
  const ref = forward(ex.weights, sentences, {
    attention: { kind: "rfa", features: learned, input: "raw", denominatorFloor: 1 / 16 },
  });
  assert.ok(maxAbs(got, ref.embeddings.flatMap((e) => [...e])) < 1e-4);
});

for (const kind of ["plain", "2pc", "3pc"] as const) {
  Deno.test(`secure RFA with a learned-W checkpoint (${kind}) equals its float64 reference`, async () => {
    const base = randomUseLiteWeights(small, "learned-secure");
    const ckpt = await encodeCheckpoint(base, base, { ...meta, features: learnedFeatures() });
    const { weights, attention } = await applyCheckpoint(base, ckpt);
    const fixed = initialFeatures(small, attentionMeta);
    assert.notDeepEqual(attention.features.matrices, fixed.matrices);
    const ids = sentences.slice(1, 4);
    const err = await secureVsReference(kind, weights, attention, ids, "adapt-learned-secure");
    assert.ok(err < 1e-3, `${kind}: max abs error ${err}`);
    // The secure forward follows the stored W: the reference with the initial W differs more.
    const other = forward(weights, ids, { attention: { ...attention, features: fixed } });
    const own = forward(weights, ids, { attention }).embeddings;
    assert.ok(
      maxAbs(other.embeddings.flatMap((e) => [...e]), own.flatMap((e) => [...e])) > 1e-3,
      "learned and initial W give the same embeddings: the test cannot tell them apart",
    );
  });
}
