import assert from "node:assert/strict";
import {
  hfForward,
  hfMlmLogits,
  hfPromptFromTokenIds,
  loadHfCheckpoint,
  makeHfConfig,
  randomHfWeights,
  readSafetensors,
  writeTinyHfCheckpoint,
} from "../mod.ts";

/** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7): independent of the code under test. */
function erfAS(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 -
    (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t * Math.exp(-a * a);
  return s * y;
}

type Raw = Map<string, { shape: readonly number[]; data: Float64Array }>;

/**
 * A deliberately naive HF encoder written from the raw tensors in HF layout (nn.Linear `[out,
 * in]`, separate q/k/v), one scalar loop at a time, for comparison with `hfForward`.
 */
function naiveForward(
  raw: Raw,
  p: string,
  cfg: { d: number; heads: number; layers: number; eps: number; roberta: boolean; pad: number },
  ids: number[],
  types: number[] = ids.map(() => 0),
): number[][] {
  const T = (n: string) => raw.get(p + n)!.data;
  const { d, heads, eps } = cfg;
  const linear = (x: number[], name: string) => {
    const w = T(`${name}.weight`), b = T(`${name}.bias`), out = b.length, inp = x.length;
    return Array.from({ length: out }, (_, o) => {
      let s = b[o];
      for (let i = 0; i < inp; i++) s += w[o * inp + i] * x[i];
      return s;
    });
  };
  const ln = (x: number[], name: string) => {
    const g = T(`${name}.weight`), b = T(`${name}.bias`);
    const mu = x.reduce((a, v) => a + v, 0) / x.length;
    const vr = x.reduce((a, v) => a + (v - mu) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mu) / Math.sqrt(vr + eps)) * g[i] + b[i]);
  };
  let h = ids.map((id, t) => {
    const pos = cfg.roberta ? cfg.pad + 1 + t : t;
    const row = Array.from(
      { length: d },
      (_, j) =>
        T("embeddings.word_embeddings.weight")[id * d + j] +
        T("embeddings.position_embeddings.weight")[pos * d + j] +
        T("embeddings.token_type_embeddings.weight")[types[t] * d + j],
    );
    return ln(row, "embeddings.LayerNorm");
  });
  const dh = d / heads;
  for (let l = 0; l < cfg.layers; l++) {
    const q = `encoder.layer.${l}.`;
    const Q = h.map((x) => linear(x, `${q}attention.self.query`));
    const K = h.map((x) => linear(x, `${q}attention.self.key`));
    const V = h.map((x) => linear(x, `${q}attention.self.value`));
    const ctx = h.map(() => new Array(d).fill(0));
    for (let hd = 0; hd < heads; hd++) {
      for (let i = 0; i < h.length; i++) {
        const sc = K.map((k) => {
          let s = 0;
          for (let c = 0; c < dh; c++) s += Q[i][hd * dh + c] * k[hd * dh + c];
          return s / Math.sqrt(dh);
        });
        const m = Math.max(...sc);
        const e = sc.map((s) => Math.exp(s - m));
        const z = e.reduce((a, v) => a + v, 0);
        for (let j = 0; j < h.length; j++) {
          for (let c = 0; c < dh; c++) ctx[i][hd * dh + c] += (e[j] / z) * V[j][hd * dh + c];
        }
      }
    }
    h = h.map((x, i) => {
      const a = linear(ctx[i], `${q}attention.output.dense`);
      const h1 = ln(x.map((v, j) => v + a[j]), `${q}attention.output.LayerNorm`);
      const f = linear(h1, `${q}intermediate.dense`).map((v) =>
        0.5 * v * (1 + erfAS(v / Math.SQRT2))
      );
      const o = linear(f, `${q}output.dense`);
      return ln(h1.map((v, j) => v + o[j]), `${q}output.LayerNorm`);
    });
  }
  return h;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const modelType of ["bert", "roberta"] as const) {
  Deno.test(`hf reference (${modelType}): hfForward = a naive encoder written from the raw HF tensors`, async () => {
    const dir = await Deno.makeTempDir({ prefix: `hf_ref_${modelType}_` });
    try {
      await writeTinyHfCheckpoint(dir, { modelType, seed: 11 });
      const { weights: w, tokenizer } = await loadHfCheckpoint(dir);
      const raw: Raw = (await readSafetensors(`${dir}/model.safetensors`)).tensors;
      const c = w.config;
      const cfg = {
        d: c.hiddenSize,
        heads: c.numHeads,
        layers: c.numLayers,
        eps: c.layerNormEps,
        roberta: modelType === "roberta",
        pad: c.padTokenId,
      };
      const texts = ["I love this movie, it was wonderful.", "boring plot", "what a great film!"];
      const ids = texts.map((t) => tokenizer!.encode(t));
      const types = ids.map((r) => r.map(() => 0));
      if (modelType === "bert") {
        const pair = tokenizer!.encodeWithTypes("good acting", { pair: "bad plot" });
        ids.push(pair.ids);
        types.push(pair.tokenTypeIds);
      }
      const out = hfForward(w, ids, { tokenTypeIds: types });
      ids.forEach((row, b) => {
        const ref = naiveForward(raw, `${modelType}.`, cfg, row, types[b]);
        const err = maxAbs(out.hidden[b], ref.flat());
        assert.ok(err < 1e-6, `text ${b}: max |Δ| ${err}`);
        const mean = Array.from(
          { length: c.hiddenSize },
          (_, j) => ref.reduce((s, r) => s + r[j], 0) / ref.length,
        );
        assert.ok(maxAbs(out.pooled[b], mean) < 1e-6);
        assert.equal(out.lengths[b], row.length);
      });
      // The MLM head (tied decoder) on the first text's hidden rows, restricted to 3 tokens.
      const words = [5, 17, 20];
      const logits = hfMlmLogits(w, out.hidden[0], words);
      const all = hfMlmLogits(w, out.hidden[0]);
      const h = raw.get(modelType === "bert" ? "cls.predictions.bias" : "lm_head.bias")!.data;
      assert.equal(all.length, ids[0].length * c.vocabSize);
      for (let r = 0; r < ids[0].length; r++) {
        words.forEach((id, k) => {
          assert.ok(Math.abs(logits[r * 3 + k] - all[r * c.vocabSize + id]) < 1e-12);
        });
      }
      assert.ok(h.length === c.vocabSize);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("hf reference: a one-token input computed by hand (attention = value projection)", () => {
  const cfg = makeHfConfig("bert-base", {
    hidden_size: 4,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 4,
    max_position_embeddings: 4,
    vocab_size: 6,
  });
  const w = randomHfWeights(cfg, 2, { std: 0.5 });
  const d = 4, id = 3;
  const ln = (x: number[], g: Float64Array, b: Float64Array) => {
    const mu = (x[0] + x[1] + x[2] + x[3]) / 4;
    const v = x.reduce((a, y) => a + (y - mu) ** 2, 0) / 4;
    return x.map((y, i) => ((y - mu) / Math.sqrt(v + 1e-12)) * g[i] + b[i]);
  };
  const mv = (x: number[], W: Float64Array, b: Float64Array, cols: number, off = 0, n = cols) =>
    Array.from(
      { length: n },
      (_, j) => x.reduce((s, xi, i) => s + xi * W[i * cols + off + j], b[off + j]),
    );
  const x = ln(
    [0, 1, 2, 3].map((j) =>
      w.wordEmbeddings[id * d + j] + w.positionEmbeddings[j] + w.tokenTypeEmbeddings[j]
    ),
    w.embLnGamma,
    w.embLnBeta,
  );
  const L = w.layers[0];
  const v = mv(x, L.qkvW, L.qkvB, 3 * d, 2 * d, d); // one key: softmax weight 1 → output = v
  const a = mv(v, L.outW, L.outB, d);
  const h1 = ln(x.map((y, i) => y + a[i]), L.ln1G, L.ln1B);
  const f = mv(h1, L.ffn1W, L.ffn1B, 4).map((y) => 0.5 * y * (1 + erfAS(y / Math.SQRT2)));
  const o = mv(f, L.ffn2W, L.ffn2B, d);
  const want = ln(h1.map((y, i) => y + o[i]), L.ln2G, L.ln2B);
  const got = hfForward(w, [[id]]);
  assert.ok(maxAbs(got.hidden[0], want) < 1e-6, `${got.hidden[0]} vs ${want}`);
  assert.ok(maxAbs(got.pooled[0], want) < 1e-6);
});

for (const modelType of ["bert", "roberta"] as const) {
  Deno.test(`hf reference (${modelType}): prompt = inserted tokens; padding with a mask changes nothing`, () => {
    const cfg = makeHfConfig(modelType === "bert" ? "bert-base" : "roberta-base", {
      hidden_size: 16,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 32,
      max_position_embeddings: 24,
      vocab_size: 30,
    });
    const w = randomHfWeights(cfg, 4, { std: 0.3, pooler: true });
    const cls = modelType === "bert" ? 2 : 0;
    const text = [cls, 9, 14, 22, 7, 3 - (modelType === "roberta" ? 1 : 0)];
    const pids = [11, 12, 13];
    const withPrompt = hfForward(w, [text], { prompt: hfPromptFromTokenIds(w, pids) });
    const inserted = hfForward(w, [[text[0], ...pids, ...text.slice(1)]]);
    assert.equal(withPrompt.lengths[0], text.length + 3);
    assert.ok(maxAbs(withPrompt.hidden[0], inserted.hidden[0]) < 1e-12);
    assert.ok(maxAbs(withPrompt.poolerOutput![0], inserted.poolerOutput![0]) < 1e-12);
    // Prompt rows as separate arrays, at another index.
    const rows = [0, 1, 2].map((i) => hfPromptFromTokenIds(w, [pids[i]]));
    const at3 = hfForward(w, [text], { prompt: rows, promptAt: 3 });
    const ins3 = hfForward(w, [[...text.slice(0, 3), ...pids, ...text.slice(3)]]);
    assert.ok(maxAbs(at3.hidden[0], ins3.hidden[0]) < 1e-12);
    // Right-padding with the pad id and a 0 mask: real rows and the mean pooling unchanged.
    const pad = cfg.padTokenId, n = text.length;
    const padded = hfForward(w, [text, [...text, pad, pad, pad]], {
      attentionMask: [text.map(() => 1), [...text.map(() => 1), 0, 0, 0]],
    });
    assert.ok(maxAbs(padded.hidden[1].subarray(0, n * 16), padded.hidden[0]) < 1e-12);
    assert.ok(maxAbs(padded.pooled[1], padded.pooled[0]) < 1e-12);
    // Too long fails clearly.
    assert.throws(
      () => hfForward(w, [new Array(cfg.maxSequenceLength + 1).fill(5)]),
      /exceed the model's 2[24]/,
    );
  });
}
