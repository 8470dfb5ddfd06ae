import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { type BackendKind, runLocal } from "@secp/sharing";
import {
  embedSecure,
  forward,
  type HfBatchSpec,
  hfEvaluatePrompts,
  hfForward,
  hfMlmLogits,
  hfPrepareBatch,
  loadHfCheckpoint,
  loadUseLite,
  promptFromTokenIds,
  protocolOps,
  shareHfModel,
  shareUseLite,
  useLitePromptWidths,
  writeTinyHfCheckpoint,
} from "../mod.ts";
import { openOracle, positionMajor } from "../oracle/mod.ts";

const texts = [
  "I love this movie, it was wonderful.",
  "The stock market fell sharply today.",
  "Terrible acting and a boring plot, I want my money back.",
];

/** Fixed pseudo-random rows (tests only). */
const rowsOf = (n: number, scale: number, phase: number) =>
  new Float64Array(n).map((_, i) => scale * Math.sin(0.37 * i + phase));

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
};

for (const kind of ["plain", "2pc", "3pc"] as BackendKind[]) {
  Deno.test(`deep prompt (USE-lite, softmax): secure forward on ${kind} = float64 reference`, async () => {
    const { weights, tokenizer } = await loadUseLite();
    const ids = texts.map((t) => tokenizer.encode(t));
    const L = 2;
    const prompt = promptFromTokenIds(weights, tokenizer.encode("movie review").slice(0, L));
    const widths = useLitePromptWidths(weights.config);
    const later = widths.slice(1).map((w, l) => rowsOf(L * w, 0.8, l + 1));
    const ref = forward(weights, ids, { prompt, layerPrompts: later }).embeddings;
    // The deep rows matter: the shallow prompt gives other embeddings.
    const shallow = forward(weights, ids, { prompt }).embeddings;
    assert.ok(maxAbs(ref.flatMap((r) => [...r]), shallow.flatMap((r) => [...r])) > 1e-2);
    const lengths = ids.map((r) => r.length);
    const layout = { batch: ids.length, seq: Math.max(...lengths), lengths };
    const deepRows = positionMajor([prompt, ...later], L);
    const W = widths.reduce((a, w) => a + w, 0);
    const { results, roles } = await runLocal(kind, async (be) => {
      const model = await shareUseLite(
        be,
        weights.config,
        weights.invTimescales,
        be.is("modelOwner") ? weights : undefined,
      );
      const dO = be.is("dataOwner");
      return await embedSecure(
        be,
        model,
        layout,
        dO ? ids : undefined,
        protocolOps({ kind: "softmax" }),
        { length: L, rows: dO ? new FloatTensor(deepRows, [L, W]) : undefined, deep: true },
      );
    }, { insecureSeed: `deep-use-lite-${kind}` }); // fixed seed: tests only
    const got = results.get(roles.dataOwner)!;
    const err = maxAbs(ref.flatMap((r) => [...r]), got.data);
    assert.ok(err <= 1e-3, `max abs error of the normalised embedding ${err}`);
  });
}

for (
  const [kind, modelType] of [["plain", "bert"], ["2pc", "roberta"], ["3pc", "bert"]] as const
) {
  Deno.test(`deep prompt (HF ${modelType}, mlm head): secure evaluation on ${kind} = float64 reference`, async () => {
    const dir = await Deno.makeTempDir({ prefix: `hf_deep_${modelType}_` });
    let ck;
    try {
      await writeTinyHfCheckpoint(dir, { modelType, seed: 21 });
      ck = await loadHfCheckpoint(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    const { weights: w } = ck;
    const tok = ck.tokenizer!;
    const d = w.config.hiddenSize, K = w.config.numLayers, P = 2, L = 2;
    assert.ok(K >= 2, "the tiny checkpoint needs ≥ 2 layers for a deep prompt");
    const mk = modelType === "bert" ? "[MASK]" : "<mask>";
    const textIds = [`good film . it was ${mk} .`, `boring plot . it was ${mk} .`]
      .map((t) => tok.encode(t));
    const verbalizer = ["great", "terrible"].map((x) => tok.tokenToId(x)!);
    const maskAt = textIds.map((r) => r.indexOf(tok.special.mask!));
    const textLengths = textIds.map((r) => r.length);
    const spec: HfBatchSpec = {
      texts: 2,
      textSeq: Math.max(...textLengths),
      textLengths,
      head: { kind: "mlm", maskAt, verbalizer },
      deep: true,
    };
    // Layer-major deep prompts (what fot produces), sent position-major.
    const layerMajor = Array.from(
      { length: P },
      (_, p) => Array.from({ length: K }, (_, l) => rowsOf(L * d, l === 0 ? 0.05 : 0.8, 3 * p + l)),
    );
    const flat = new Float64Array(P * L * K * d);
    layerMajor.forEach((layers, p) => flat.set(positionMajor(layers, L), p * L * K * d));
    const { results, roles } = await runLocal(kind, async (be) => {
      const model = await shareHfModel(be, w.config, be.is("modelOwner") ? w : undefined, {
        mlmHead: true,
      });
      const dO = be.is("dataOwner");
      const state = await hfPrepareBatch(be, model, spec, dO ? { textIds } : undefined);
      return await hfEvaluatePrompts(
        be,
        model,
        state,
        [P, L],
        dO ? new FloatTensor(flat, [P, L, K * d]) : undefined,
      );
    }, { insecureSeed: `hf-deep-${kind}` }); // fixed seed: tests only
    const got = results.get(roles.dataOwner)!;
    let err = 0, moved = 0;
    layerMajor.forEach((layers, p) => {
      const opts = { gelu: "accurate" as const, expIters: 8 };
      const ref = hfForward(w, textIds, {
        prompt: layers[0],
        layerPrompts: layers.slice(1),
        ...opts,
      });
      const shallow = hfForward(w, textIds, { prompt: layers[0], ...opts });
      textIds.forEach((_, t) => {
        const at = (maskAt[t] + L) * d;
        const want = hfMlmLogits(w, ref.hidden[t].subarray(at, at + d), verbalizer, "accurate");
        const flatOnly = hfMlmLogits(
          w,
          shallow.hidden[t].subarray(at, at + d),
          verbalizer,
          "accurate",
        );
        moved = Math.max(moved, maxAbs(want, flatOnly));
        want.forEach((v, c) => (err = Math.max(err, Math.abs(v - got.data[(p * 2 + t) * 2 + c]))));
      });
    });
    assert.ok(moved > 1e-3, `the deep rows change the logits (${moved})`);
    assert.ok(err <= 1e-3, `logits max |Δ| ${err}`);
  });
}

Deno.test("deep prompt oracles: plain = reference, and a mixed shallow + deep call = separate calls", async () => {
  const o = { attention: "softmax" as const, promptLength: 2, maxTokens: 8 };
  const ref = await openOracle({ ...o, backend: "reference" });
  const sec = await openOracle({ ...o, backend: "plain", insecureSeed: "deep-oracle" });
  try {
    const widths = ref.oracle.promptWidths!;
    assert.deepEqual([...widths], [...sec.oracle.promptWidths!]);
    const deep = new Float64Array(2 * widths.reduce((a, w) => a + w, 0));
    deep.set(ref.init);
    deep.set(rowsOf(deep.length - ref.init.length, 0.8, 1), ref.init.length);
    const batch = { texts: texts.slice(0, 2), labelTexts: ["a good review", "a bad review"] };
    const hr = await ref.oracle.prepare(batch), hs = await sec.oracle.prepare(batch);
    const mixed = await ref.oracle.evaluate([ref.init, deep], hr);
    const alone = await ref.oracle.evaluate([deep], hr);
    assert.deepEqual(mixed.logits.subarray(4), alone.logits);
    assert.ok(maxAbs(mixed.logits.subarray(0, 4), alone.logits) > 1e-3, "deep ≠ shallow");
    const secure = await sec.oracle.evaluate([ref.init, deep], hs);
    const err = maxAbs(secure.logits, mixed.logits);
    assert.ok(err <= 2e-3 * 20, `plain vs reference logits (scale 20) max |Δ| ${err}`);
    assert.throws(() => ref.oracle.evaluate([new Float64Array(7)], hr), /expected L·E/);
  } finally {
    await ref.close();
    await sec.close();
  }
});
