import assert from "node:assert/strict";
import {
  secureVsReference,
  seededSentences,
  SMALL_ADAPT_CONFIG,
  testCheckpointMeta,
} from "./adapt_fixtures.ts";
import * as tf from "@tensorflow/tfjs-core";
import { loadUseLite } from "../use_lite/assets.ts";
import { embed, forward } from "../use_lite/reference.ts";
import { makeRfaFeatures } from "../use_lite/attention.ts";
import { cosine } from "../common/linalg.ts";
import { seededRng } from "../common/rng.ts";
import { randomUseLiteWeights } from "../use_lite/random.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";
import {
  AdaptedCheckpointError,
  applyCheckpoint,
  type CheckpointAttention,
  DEFAULT_ADAPTED_CHECKPOINT,
  DEFAULT_ADAPTED_FEATURES,
  encodeCheckpoint,
  listAdaptedCheckpoints,
  loadAdaptedUseLite,
  readCheckpoint,
  useLiteWeightsSha256,
} from "../adapt/checkpoint.ts";
import { buildDistillationSets, loadSotuSpeeches, splitSentences } from "../adapt/data.ts";
import { secureRfaAttention } from "../adapt/secure.ts";
import { broadcastBinary, transposeFast, useAdaptBackend } from "../adapt/tf_backend.ts";
import {
  buildTfModel,
  exportWeights,
  makeTfBatch,
  tfEmbedAll,
  tfForward,
} from "../adapt/tf_model.ts";
import { distill, epochBatches, relationalLoss } from "../adapt/train.ts";

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const small = SMALL_ADAPT_CONFIG;
const sentences = seededSentences("adapt-test");

Deno.test("adapt backend: BatchMatMul, Transpose and broadcast binaries equal tfjs-backend-cpu", async () => {
  await useAdaptBackend();
  const r = seededRng("kernels");
  const rand = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => r.gaussian()),
      shape,
    );
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 9], false, false],
    [[7, 5], [7, 9], true, false],
    [[5, 7], [9, 7], false, true],
    [[3, 4, 6, 5], [3, 4, 5, 10], false, false],
    [[3, 4, 6, 5], [1, 4, 5, 10], false, false],
    [[2, 17, 300], [300, 19], false, false],
    [[6, 3, 2], [6, 4, 3], true, true],
  ];
  for (const wasm of [true, false]) {
    await useAdaptBackend({ wasm });
    for (const [as, bs, ta, tb] of cases) {
      const a = rand(as), b = rand(bs);
      const fast = tf.matMul(a, b, ta, tb);
      await tf.setBackend("cpu");
      const stock = tf.matMul(a, b, ta, tb);
      await useAdaptBackend({ wasm });
      assert.deepEqual(fast.shape, stock.shape);
      assert.ok(maxAbs(fast.dataSync(), stock.dataSync()) < 1e-4, `${as}×${bs} wasm=${wasm}`);
    }
  }
  await useAdaptBackend();
  const shapes: [number[], number[]][] = [
    [[4, 5], [5]],
    [[4, 5], [4, 1]],
    [[2, 1, 3], [1, 4, 3]],
    [[], [3, 2]],
    [[], []],
    [[3, 2], [3, 2]],
  ];
  const r2 = seededRng("bin");
  for (const [as, bs] of shapes) {
    const n = (s: number[]) => s.reduce((p, d) => p * d, 1);
    const av = Float32Array.from({ length: n(as) }, () => r2.gaussian());
    const bv = Float32Array.from({ length: n(bs) }, () => r2.gaussian() + 3);
    for (
      const [kind, op] of [["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div], [
        "max",
        tf.maximum,
      ]] as const
    ) {
      const got = broadcastBinary(kind, as, av, bs, bv)!;
      const want = op(tf.tensor(av, as), tf.tensor(bv, bs));
      assert.deepEqual(got.shape, want.shape, `${kind} ${as} ${bs}`);
      assert.ok(maxAbs(got.values, want.dataSync()) < 1e-6);
    }
  }
  const x = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i);
  for (const perm of [[1, 0, 2, 3], [3, 2, 1, 0], [0, 2, 3, 1]]) {
    const got = transposeFast(x, [2, 3, 4, 5], perm);
    await tf.setBackend("cpu");
    const want = tf.transpose(tf.tensor(x, [2, 3, 4, 5]), perm);
    await useAdaptBackend();
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(Array.from(got.values), Array.from(want.dataSync()));
  }
});

Deno.test("tfjs forward equals the float64 reference (softmax, RFA raw and normalised)", async () => {
  await useAdaptBackend();
  const { weights, tokenizer } = await loadUseLite();
  const ids = [
    "I love this movie, it was wonderful.",
    "The stock market fell sharply today.",
    "Our nation is strong, and we will remain strong for many years to come.",
    "Ok.",
  ].map((t) => tokenizer.encode(t));
  const features = makeRfaFeatures(weights.config, { numFeatures: 32, seed: 7 });
  // Per-head scalars that keep the RFA denominators healthy, so the comparison is meaningful.
  const model = buildTfModel(weights, {
    initLogA: [[-1.5, -1.3, -1.2, -1.4], [-1.2, -1.3, -1.1, -1.6]],
    initLogB: [[-1.1, -1.6, -1.4, -1.4], [-1.3, -1.2, -1.5, -1.3]],
  });
  const batch = makeTfBatch(weights, ids);
  const softmax = tf.tidy(() => tfForward(model, batch, { kind: "softmax" }).embeddings.dataSync());
  const ref = embed(weights, ids);
  assert.ok(maxAbs(softmax, ref.flatMap((e) => [...e])) < 1e-4);
  for (const input of ["raw", "normalised"] as const) {
    const got = tf.tidy(() =>
      tfForward(model, batch, { kind: "rfa", input, features, floor: 1 / 16 }).embeddings.dataSync()
    );
    const ex = exportWeights(model, input);
    const r = forward(ex.weights, ids, {
      attention: {
        kind: "rfa",
        features,
        input,
        ...(ex.tau ? { tau: ex.tau } : {}),
        denominatorFloor: 1 / 16,
      },
    });
    assert.ok(maxAbs(got, r.embeddings.flatMap((e) => [...e])) < 1e-4, input);
    const all = tfEmbedAll(model, ids, { kind: "rfa", input, features, floor: 1 / 16 }, 64);
    assert.ok(maxAbs(all.embeddings, got) < 1e-5);
    assert.equal(all.denominators, r.stats.denominators);
    assert.equal(all.guardFired, r.stats.guardFired);
  }
  tf.dispose([batch.h0, batch.mask]);
});

Deno.test("distill: a few steps raise the cosine to the teacher (small random model)", async () => {
  await useAdaptBackend();
  const weights = randomUseLiteWeights(small, "distill-test");
  const features = makeRfaFeatures(small, { numFeatures: 16, seed: 1 });
  const model = buildTfModel(weights, { initLogA: [[-1, -1], [-1, -1]] });
  const teacher = tfEmbedAll(model, sentences, { kind: "softmax" }).embeddings;
  const attention = { kind: "rfa", input: "raw", features, floor: 1 / 16 } as const;
  const before = tfEmbedAll(model, sentences, attention).embeddings;
  const dot = (e: Float32Array) => {
    let s = 0;
    for (let i = 0; i < e.length; i++) s += e[i] * teacher[i];
    return s / sentences.length;
  };
  const res = distill(model, weights, { ids: sentences, teacher }, {
    attention,
    steps: 30,
    seed: 0,
    lr: 1e-2,
    tokensPerBatch: 200,
  });
  assert.equal(res.steps, 30);
  const after = tfEmbedAll(model, sentences, attention).embeddings;
  assert.ok(dot(after) > dot(before), `${dot(after)} > ${dot(before)}`);
});

Deno.test("distill: stopAtStep replays the first K steps of a longer schedule exactly", async () => {
  await useAdaptBackend();
  const weights = randomUseLiteWeights(small, "distill-test");
  const features = makeRfaFeatures(small, { numFeatures: 16, seed: 1 });
  const attention = { kind: "rfa", input: "raw", features, floor: 1 / 16 } as const;
  const teacher = tfEmbedAll(buildTfModel(weights, { frozen: true }), sentences, {
    kind: "softmax",
  }).embeddings;
  const run = (stopAtStep?: number) => {
    const model = buildTfModel(weights, { initLogA: [[-1, -1], [-1, -1]] });
    const losses: number[] = [];
    const res = distill(model, weights, { ids: sentences, teacher }, {
      attention,
      steps: 8,
      seed: 0,
      lr: 1e-2,
      tokensPerBatch: 200,
      ...(stopAtStep === undefined ? {} : { stopAtStep }),
      onStep: (s) => losses.push(s.loss),
    });
    return { steps: res.steps, losses };
  };
  const full = run(), part = run(5);
  assert.equal(full.steps, 8);
  assert.equal(part.steps, 5);
  assert.deepEqual(part.losses, full.losses.slice(0, 5));
});

Deno.test("relationalLoss: 0 for equal or rotated embeddings, the pairwise-cosine MSE otherwise", async () => {
  await useAdaptBackend();
  const r = seededRng("relational");
  const unit = (n: number, d: number) => {
    const x = Float32Array.from({ length: n * d }, () => r.gaussian());
    for (let i = 0; i < n; i++) {
      const row = x.subarray(i * d, (i + 1) * d);
      const norm = Math.hypot(...row);
      for (let j = 0; j < d; j++) row[j] /= norm;
    }
    return x;
  };
  const n = 5, d = 4;
  const tv = unit(n, d);
  const sv = unit(n, d);
  const t = tf.tensor2d(tv, [n, d]);
  const s = tf.tensor2d(sv, [n, d]);
  const rotated = tf.tensor2d(
    Float32Array.from(tv, (_, k) => {
      const [i, j] = [Math.floor(k / d), k % d];
      return j < 2 ? tv[i * d + (1 - j)] * (j === 0 ? -1 : 1) : tv[k];
    }),
    [n, d],
  );
  assert.ok(relationalLoss(t, t).dataSync()[0] < 1e-12);
  assert.ok(relationalLoss(rotated, t).dataSync()[0] < 1e-12);
  const dot = (a: Float32Array, i: number, j: number) => {
    let v = 0;
    for (let c = 0; c < d; c++) v += a[i * d + c] * a[j * d + c];
    return v;
  };
  let want = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) want += (dot(sv, i, j) - dot(tv, i, j)) ** 2;
  }
  want /= n * (n - 1);
  const got = relationalLoss(s, t).dataSync()[0];
  assert.ok(want > 0.01 && Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  assert.equal(relationalLoss(tf.slice(s, 0, 1), tf.slice(t, 0, 1)).dataSync()[0], 0);
  tf.dispose([t, s, rotated]);
});

Deno.test("distill: the relational term with anchor phrases is logged and lowered", async () => {
  await useAdaptBackend();
  const weights = randomUseLiteWeights(small, "distill-test");
  const features = makeRfaFeatures(small, { numFeatures: 16, seed: 1 });
  const model = buildTfModel(weights, { initLogA: [[-1, -1], [-1, -1]] });
  const teacher = tfEmbedAll(model, sentences, { kind: "softmax" }).embeddings;
  const anchorIds = [[1, 2, 3], [4, 5], [6, 7, 8, 9]];
  const anchors = {
    ids: anchorIds,
    teacher: tfEmbedAll(model, anchorIds, { kind: "softmax" }).embeddings,
  };
  const attention = { kind: "rfa", input: "raw", features, floor: 1 / 16 } as const;
  const rel: number[] = [];
  const opts = { attention, seed: 0, lr: 1e-2, tokensPerBatch: 200, relationalWeight: 10, anchors };
  distill(model, weights, { ids: sentences, teacher }, { ...opts, steps: 1 }); // tfjs caches
  const before = tf.memory().numTensors;
  distill(model, weights, { ids: sentences, teacher }, {
    attention,
    steps: 30,
    seed: 0,
    lr: 1e-2,
    tokensPerBatch: 200,
    relationalWeight: 10,
    anchors,
    onStep: (s) => rel.push(s.relational),
  });
  assert.equal(tf.memory().numTensors, before, "no leaked tensors");
  assert.ok(rel.every((x) => x >= 0) && rel[0] > 0);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(mean(rel.slice(-5)) < mean(rel.slice(0, 5)), `${rel.slice(-5)} < ${rel.slice(0, 5)}`);
  assert.throws(
    () =>
      distill(model, weights, { ids: sentences, teacher }, {
        attention,
        steps: 1,
        seed: 0,
        relationalWeight: 1,
        anchors: { ids: anchorIds, teacher: new Float32Array(3) },
      }),
    /anchor teacher has 3 values/,
  );
});

Deno.test("epochBatches: a seeded partition under the token budget", () => {
  const lengths = Array.from({ length: 50 }, (_, i) => 1 + ((i * 7) % 23));
  const batches = epochBatches(lengths, 60, 8, seededRng("b"));
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  for (const b of batches) {
    assert.ok(b.length <= 8);
    assert.ok(b.length === 1 || b.length * Math.max(...b.map((i) => lengths[i])) <= 60);
  }
  assert.deepEqual(batches, epochBatches(lengths, 60, 8, seededRng("b")));
});

const attentionMeta: CheckpointAttention = {
  kind: "rfa",
  input: "raw",
  numFeatures: 8,
  sigma: 1,
  seed: 3,
  tau: null,
  denominatorFloor: 1 / 16,
};

function perturbed(base: UseLiteWeights): UseLiteWeights {
  const lw = base.layers[1];
  const qkvW = Float64Array.from(lw.qkvW);
  const A = 16, I = 24;
  for (let r = 0; r < I; r++) {
    for (let c = 0; c < 2 * A; c++) qkvW[r * 3 * A + c] += 1e-4 * (r - c + 0.5);
  }
  const outB = lw.outB.map((v, i) => v + 0.001 * i);
  return { ...base, layers: [base.layers[0], { ...lw, qkvW, outB }] };
}

async function tinyCheckpoint(base: UseLiteWeights) {
  return await encodeCheckpoint(base, perturbed(base), testCheckpointMeta(attentionMeta));
}

Deno.test("checkpoint: round trip applies only the changed tensors", async () => {
  const base = randomUseLiteWeights(small, "ckpt");
  const ckpt = await tinyCheckpoint(base);
  assert.deepEqual(ckpt.tensors.map((t) => t.name), ["layers.1.qkvW", "layers.1.outB"]);
  assert.deepEqual(ckpt.tensors[0].columns, [0, 32]);
  const { weights, attention } = await applyCheckpoint(base, JSON.parse(JSON.stringify(ckpt)));
  const want = perturbed(base);
  assert.ok(maxAbs(weights.layers[1].qkvW, want.layers[1].qkvW) < 1e-5);
  assert.ok(maxAbs(weights.layers[1].outB, want.layers[1].outB) < 1e-5);
  assert.equal(weights.layers[0], base.layers[0]);
  assert.equal(weights.layers[1].ffn1W, base.layers[1].ffn1W);
  assert.deepEqual(
    weights.layers[1].qkvW.subarray(32, 48),
    base.layers[1].qkvW.subarray(32, 48),
  ); // v columns of row 0 untouched
  assert.equal(attention.kind, "rfa");
  assert.equal(attention.features.numFeatures, 8);
  assert.deepEqual(attention.features, makeRfaFeatures(small, { numFeatures: 8, seed: 3 }));
});

Deno.test("checkpoint: base hash mismatch, corrupt payload and bad files are rejected", async () => {
  const base = randomUseLiteWeights(small, "ckpt");
  const ckpt = await tinyCheckpoint(base);
  const other = randomUseLiteWeights(small, "other");
  await assert.rejects(
    () => applyCheckpoint(other, ckpt),
    (e: Error) => e instanceof AdaptedCheckpointError && /base weights mismatch/.test(e.message),
  );
  const t0 = ckpt.tensors[0];
  const flipped = t0.data[5] === "A" ? "B" : "A";
  const corrupt = {
    ...ckpt,
    tensors: [{ ...t0, data: t0.data.slice(0, 5) + flipped + t0.data.slice(6) }],
  };
  await assert.rejects(() => applyCheckpoint(base, corrupt), /sha256 mismatch/);
  const short = { ...ckpt, tensors: [{ ...t0, data: t0.data.slice(0, 40) }] };
  await assert.rejects(() => applyCheckpoint(base, short), /payload has/);
  const unknown = { ...ckpt, tensors: [{ ...t0, name: "layers.9.qkvW" }] };
  await assert.rejects(() => applyCheckpoint(base, unknown), /unknown tensor/);
  await assert.rejects(() => applyCheckpoint(base, { ...ckpt, format: "x" }), /format/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{not json");
    await assert.rejects(() => readCheckpoint(`${dir}/bad.json`), /not valid JSON/);
    await assert.rejects(() => readCheckpoint(`${dir}/missing.json`), /cannot read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.notEqual(await useLiteWeightsSha256(base), await useLiteWeightsSha256(other));
});

Deno.test("data: SOTU sentences, fixed held-out set disjoint from the pool", async () => {
  assert.deepEqual(
    splitSentences("Thank you. (Applause.) We did it! \u201cYes,\u201d he said. 3 cats."),
    ["Thank you.", "We did it!", "\u201cYes,\u201d he said.", "3 cats."],
  );
  const { tokenizer } = await loadUseLite();
  const speeches = (await loadSotuSpeeches()).slice(-3);
  const a = buildDistillationSets(speeches, tokenizer, { heldOut: 50 });
  const b = buildDistillationSets(speeches, tokenizer, { heldOut: 50 });
  assert.deepEqual(a.heldOut.map((s) => s.text), b.heldOut.map((s) => s.text));
  const pool = new Set(a.train.map((s) => s.text));
  assert.ok(a.heldOut.every((s) => !pool.has(s.text)));
  const ex = buildDistillationSets(speeches, tokenizer, {
    heldOut: 50,
    exclude: new Set([a.train[0].text]),
  });
  assert.equal(ex.excluded, 1);
});

Deno.test({
  name: "committed checkpoint: loads and reproduces its reported held-out cosine (first 24)",
  fn: async () => {
    const { weights, tokenizer } = await loadUseLite();
    const adapted = await loadAdaptedUseLite(weights);
    const reported = adapted.checkpoint.metrics.heldOutCosineFirst24 as number;
    assert.equal(typeof reported, "number");
    const sets = buildDistillationSets(await loadSotuSpeeches(), tokenizer);
    const ids = sets.heldOut.slice(0, 24).map((s) => s.ids);
    const ref = embed(weights, ids);
    const got = forward(adapted.weights, ids, { attention: adapted.attention });
    const cos = got.embeddings.reduce((s, e, i) => s + cosine(e, ref[i]), 0) / ids.length;
    assert.ok(Math.abs(cos - reported) < 1e-9, `held-out cosine ${cos}, reported ${reported}`);
  },
});

Deno.test("secure normalised attention (τ per layer and head) equals the float64 reference", async () => {
  const weights = randomUseLiteWeights(small, "secure-normalised");
  const ids = sentences.slice(1, 4);
  const normalised = { kind: "normalised", tau: [[2, 6], [4, 8]] } as const;
  for (const kind of ["plain", "2pc"] as const) {
    const err = await secureVsReference(kind, weights, normalised, ids, "adapt-secure");
    assert.ok(err < 1e-3, `${kind}: max abs error ${err}`);
  }
});

Deno.test("secure RFA (raw and normalised, plain backend) equals the float64 reference", async () => {
  const weights = randomUseLiteWeights(small, "secure-rfa");
  const features = makeRfaFeatures(small, { numFeatures: 8, seed: 5 });
  const ids = sentences.slice(1, 4);
  const raw = { kind: "rfa", features, input: "raw", denominatorFloor: 1 / 16 } as const;
  assert.ok(await secureVsReference("plain", weights, raw, ids, "adapt-secure") < 1e-3);
  const normalised = {
    kind: "rfa",
    features,
    input: "normalised",
    tau: [[0.5, 1.5], [1, 2]],
    denominatorFloor: 1 / 16,
  } as const;
  assert.ok(await secureVsReference("plain", weights, normalised, ids, "adapt-secure") < 1e-3);
  assert.throws(
    () => secureRfaAttention(small, { ...raw, denominatorFloor: 1e-6 }),
    /clamps at/,
  );
});

const committedRaw = listAdaptedCheckpoints().filter((c) => c.input === "raw");
for (const file of committedRaw) {
  for (const kind of ["plain", "2pc", "3pc"] as const) {
    Deno.test({
      name: `committed checkpoint D=${file.numFeatures}: the ${kind} secure forward matches ` +
        `its float64 forward`,
      fn: async () => {
        const { weights: base, tokenizer } = await loadUseLite();
        const { weights, attention } = await loadAdaptedUseLite(base, file.url);
        const ids = [
          "I love this movie, it was wonderful.",
          "The stock market fell sharply today.",
          "Terrible acting and a boring plot, I want my money back.",
        ].map((t) => tokenizer.encode(t));
        const err = await secureVsReference(kind, weights, attention, ids, "adapt-secure");
        assert.ok(err <= 1e-3, `max abs error of the normalised embedding ${err}`);
      },
    });
  }
}

Deno.test("committed checkpoints: the default D is among them", () => {
  assert.ok(committedRaw.some((c) => c.numFeatures === DEFAULT_ADAPTED_FEATURES));
  assert.ok(committedRaw.some((c) => c.url.href === DEFAULT_ADAPTED_CHECKPOINT.href));
});

Deno.test({
  name: "committed checkpoint: hashes verify; a corrupt or missing file is named in the error",
  fn: async () => {
    const { weights } = await loadUseLite();
    const ckpt = await readCheckpoint(DEFAULT_ADAPTED_CHECKPOINT);
    assert.equal(ckpt.base.weightsSha256, await useLiteWeightsSha256(weights));
    assert.equal(ckpt.licence.startsWith("Apache-2.0"), true);
    assert.equal(ckpt.attention.numFeatures, DEFAULT_ADAPTED_FEATURES);
    const dir = await Deno.makeTempDir();
    try {
      const t = ckpt.tensors[0];
      const i = Math.floor(t.data.length / 2);
      const flipped = t.data[i] === "A" ? "B" : "A";
      const bad = {
        ...ckpt,
        tensors: [{ ...t, data: t.data.slice(0, i) + flipped + t.data.slice(i + 1) }],
      };
      await Deno.writeTextFile(`${dir}/corrupt.json`, JSON.stringify(bad));
      await assert.rejects(
        () => loadAdaptedUseLite(weights, `${dir}/corrupt.json`),
        (e: Error) =>
          e instanceof AdaptedCheckpointError && e.message.includes(`${dir}/corrupt.json`) &&
          /sha256 mismatch/.test(e.message),
      );
      await assert.rejects(
        () => loadAdaptedUseLite(weights, `${dir}/missing.json`),
        (e: Error) =>
          e instanceof AdaptedCheckpointError && e.message.includes(`${dir}/missing.json`) &&
          /cannot read/.test(e.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
