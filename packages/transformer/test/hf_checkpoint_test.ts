import assert from "node:assert/strict";
import {
  HfCheckpointError,
  HfConfigError,
  hfConfigToJson,
  hfParamCount,
  HfTokenizer,
  type HfWeights,
  hfWeightsFromTensors,
  hfWeightsToTensors,
  loadHfCheckpoint,
  makeHfConfig,
  parseHfConfig,
  randomHfWeights,
  readSafetensors,
  TINY_HF_PIECES,
  wordPieceTokenizerConfig,
  wordPieceTokenizerJson,
  writeSafetensors,
  writeTinyHfCheckpoint,
} from "../mod.ts";

const tiny = makeHfConfig("bert-base", {
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 12,
  vocab_size: 20,
});

function tensorMap(w: HfWeights, prefix?: string) {
  return new Map(hfWeightsToTensors(w, { prefix }).map((t) => [t.name, t]));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("hf config: BERT and RoBERTa fields, RoBERTa position offset, round trip", () => {
  const r = makeHfConfig("roberta-large");
  assert.equal(r.modelType, "roberta");
  assert.equal(r.hiddenSize, 1024);
  assert.equal(r.positionOffset, 2); // padding_idx 1 + 1
  assert.equal(r.maxSequenceLength, 512);
  assert.equal(r.layerNormEps, 1e-5);
  const b = makeHfConfig("bert-base");
  assert.equal(b.positionOffset, 0);
  assert.equal(b.maxSequenceLength, 512);
  assert.equal(b.typeVocabSize, 2);
  const again = parseHfConfig(JSON.parse(JSON.stringify(hfConfigToJson(r))));
  assert.deepEqual(again, r);
  assert.equal(
    parseHfConfig({ ...hfConfigToJson(r), model_type: "xlm-roberta" }).modelType,
    "roberta",
  );
});

Deno.test("hf config: errors name the bad field", () => {
  const base = hfConfigToJson(tiny);
  const bad = (patch: Record<string, unknown>, field: string, text: string) => {
    assert.throws(() => parseHfConfig({ ...base, ...patch }, "my/config.json"), (e: Error) => {
      assert.ok(e instanceof HfConfigError);
      assert.equal(e.field, field);
      assert.ok(e.message.includes("my/config.json") && e.message.includes(text), e.message);
      return true;
    });
  };
  bad({ model_type: "gpt2" }, "model_type", '"gpt2"');
  bad({ hidden_size: undefined }, "hidden_size", "missing");
  bad({ num_attention_heads: 3 }, "num_attention_heads", "does not divide");
  bad({ hidden_act: "relu" }, "hidden_act", '"relu"');
  bad({ intermediate_size: 2.5 }, "intermediate_size", "integer");
  bad({ layer_norm_eps: -1 }, "layer_norm_eps", "> 0");
  bad({ position_embedding_type: "relative_key" }, "position_embedding_type", "absolute");
  bad({ pad_token_id: 20 }, "pad_token_id", "outside the vocabulary");
  bad({ is_decoder: true }, "is_decoder", "encoders");
});

Deno.test("hf weights: HF names ↔ typed weights (transposes, q|k|v fusion, prefixes, legacy names)", () => {
  const w = randomHfWeights(tiny, 3, { pooler: true, mlmHead: true });
  const t = tensorMap(w, "");
  // nn.Linear [out, in] → our [in, out]; query/key/value → q|k|v column blocks.
  const d = 8;
  const q = t.get("encoder.layer.0.attention.self.key.weight")!.data; // [out, in]
  for (let o = 0; o < d; o++) {
    for (let i = 0; i < d; i++) assert.equal(w.layers[0].qkvW[i * 3 * d + d + o], q[o * d + i]);
  }
  const f1 = t.get("encoder.layer.0.intermediate.dense.weight")!;
  assert.deepEqual(f1.shape, [16, 8]);
  for (const prefix of ["", "bert."]) {
    const back = hfWeightsFromTensors(tiny, tensorMap(w, prefix));
    assert.equal(back.prefix, prefix);
    assert.deepEqual(back.weights, w);
  }
  // Legacy TF names, the position_ids buffer and the NSP head are accepted.
  const legacy = new Map(
    [...tensorMap(w, "bert.")].map((
      [k, v],
    ) => [k.replace("LayerNorm.weight", "LayerNorm.gamma"), v]),
  );
  legacy.set("bert.embeddings.position_ids", {
    name: "",
    shape: [1, 12],
    data: new Float64Array(12),
  });
  legacy.set("cls.seq_relationship.weight", {
    name: "",
    shape: [2, 8],
    data: new Float64Array(16),
  });
  const m = hfWeightsFromTensors(tiny, legacy);
  assert.deepEqual(m.weights, w);
  assert.deepEqual(m.ignored, ["bert.embeddings.position_ids", "cls.seq_relationship.weight"]);
  assert.equal(hfParamCount(w), [...t.values()].reduce((s, x) => s + x.data.length, 0));
});

Deno.test("hf weights: missing, unexpected and misshapen tensors are all named", () => {
  const w = randomHfWeights(tiny, 1);
  const t = tensorMap(w);
  t.delete("encoder.layer.0.attention.self.value.bias");
  t.delete("embeddings.LayerNorm.weight");
  t.set("classifier.weight", {
    name: "classifier.weight",
    shape: [2, 8],
    data: new Float64Array(16),
  });
  t.set("encoder.layer.0.output.dense.weight", {
    name: "",
    shape: [16, 8],
    data: new Float64Array(128),
  });
  assert.throws(() => hfWeightsFromTensors(tiny, t, { source: "ckpt/model.safetensors" }), (e) => {
    assert.ok(e instanceof HfCheckpointError);
    assert.deepEqual(e.missing, [
      "embeddings.LayerNorm.weight",
      "encoder.layer.0.attention.self.value.bias",
    ]);
    assert.deepEqual(e.unexpected, ["classifier.weight"]);
    assert.deepEqual(e.mismatched, [{
      name: "encoder.layer.0.output.dense.weight",
      expected: [8, 16],
      got: [16, 8],
    }]);
    for (
      const s of [
        "ckpt/model.safetensors",
        "embeddings.LayerNorm.weight",
        "encoder.layer.0.attention.self.value.bias",
        "classifier.weight",
        "encoder.layer.0.output.dense.weight expected [8,16] got [16,8]",
      ]
    ) assert.ok(e.message.includes(s), `${e.message} lacks ${s}`);
    return true;
  });
  // `ignore` skips a task head.
  t.set("encoder.layer.0.attention.self.value.bias", {
    name: "",
    shape: [8],
    data: w.layers[0].qkvB.slice(16),
  });
  assert.throws(() => hfWeightsFromTensors(tiny, t, { ignore: ["classifier."] }), (e) => {
    assert.ok(e instanceof HfCheckpointError);
    assert.deepEqual(e.unexpected, []);
    return true;
  });
});

Deno.test("hf tokenizer: WordPiece tokenizer.json ids with the model's special tokens", () => {
  const bert = new HfTokenizer(wordPieceTokenizerJson(TINY_HF_PIECES), wordPieceTokenizerConfig());
  // [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4, then the pieces from 5.
  assert.deepEqual(bert.special, { cls: 2, sep: 3, pad: 0, mask: 4, unk: 1 });
  assert.equal(bert.vocabSize, 45);
  const ids = bert.encode("I love this movie, it was WONDERFUL.");
  assert.deepEqual(bert.tokenize("I love this movie, it was WONDERFUL."), [
    "i",
    "love",
    "this",
    "movie",
    ",",
    "it",
    "was",
    "wonder",
    "##ful",
    ".",
  ]);
  assert.deepEqual(ids, [2, 15, 22, 11, 16, 6, 12, 14, 36, 37, 5, 3]);
  assert.deepEqual(bert.encode("playing xyz [MASK]"), [2, 31, 32, 1, 4, 3]);
  assert.deepEqual(bert.encode("good film", { addSpecialTokens: false }), [18, 17]);
  const pair = bert.encodeWithTypes("good film", { pair: "bad plot" });
  assert.deepEqual(pair.ids, [2, 18, 17, 3, 20, 27, 3]);
  assert.deepEqual(pair.tokenTypeIds, [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(bert.encode("I love this movie", { maxLength: 4 }), [2, 15, 22, 3]);
  assert.equal(bert.decode(ids), "i love this movie, it was wonderful.");
  const rob = new HfTokenizer(
    wordPieceTokenizerJson(TINY_HF_PIECES, { style: "roberta" }),
    wordPieceTokenizerConfig("roberta"),
  );
  // <s>0 <pad>1 </s>2 <unk>3, pieces from 4, <mask> last.
  assert.deepEqual(rob.special, { cls: 0, sep: 2, pad: 1, mask: 44, unk: 3 });
  assert.deepEqual(rob.encode("good film <mask>"), [0, 17, 16, 44, 2]);
  assert.deepEqual(rob.encode("good", { pair: "bad" }), [0, 17, 2, 2, 19, 2]);
});

for (const modelType of ["bert", "roberta"] as const) {
  Deno.test(`hf checkpoint: a ${modelType} directory written by the test loads back (F32/F16/BF16)`, async () => {
    const dir = await Deno.makeTempDir({ prefix: `hf_${modelType}_` });
    try {
      const { config, weights } = await writeTinyHfCheckpoint(dir, { modelType, seed: 5 });
      const ck = await loadHfCheckpoint(dir);
      assert.deepEqual(ck.config, config);
      assert.deepEqual(ck.metadata, { format: "pt" });
      assert.deepEqual(ck.ignored, []);
      assert.ok(ck.weights.mlmHead && ck.weights.mlmHead.decoder === null); // tied, not written
      // Written as float32: equal within float32 rounding.
      assert.ok(maxDiff(ck.weights.layers[1].ffn2W, weights.layers[1].ffn2W) < 1e-7);
      assert.ok(maxDiff(ck.weights.wordEmbeddings, weights.wordEmbeddings) < 1e-7);
      const names = [...(await readSafetensors(`${dir}/model.safetensors`)).tensors.keys()];
      assert.ok(names.includes(`${modelType}.encoder.layer.1.output.LayerNorm.bias`));
      assert.ok(names.includes(modelType === "bert" ? "cls.predictions.bias" : "lm_head.bias"));
      const tok = ck.tokenizer!;
      const first = modelType === "bert" ? 2 : 0;
      assert.equal(tok.encode("good")[0], first);
      let low = ck;
      for (const [dtype, tol] of [["F16", 2e-3], ["BF16", 1.6e-2]] as const) {
        await writeTinyHfCheckpoint(dir, { modelType, seed: 5, dtype });
        low = await loadHfCheckpoint(dir, { tokenizer: false });
        assert.equal(low.tokenizer, null);
        const err = maxDiff(low.weights.layers[0].qkvW, weights.layers[0].qkvW);
        assert.ok(err > 0 && err < tol, `${dtype} error ${err}`);
      }
      // Sharded: model.safetensors.index.json + two shards.
      const all = [...(await readSafetensors(`${dir}/model.safetensors`)).tensors.values()]
        .map(({ name, shape, data }) => ({ name, shape, data }));
      const half = Math.floor(all.length / 2);
      const weightMap: Record<string, string> = {};
      for (const [i, part] of [all.slice(0, half), all.slice(half)].entries()) {
        const file = `model-0000${i + 1}-of-00002.safetensors`;
        await writeSafetensors(`${dir}/${file}`, part, { dtype: "F64" });
        for (const t of part) weightMap[t.name] = file;
      }
      await Deno.rename(`${dir}/model.safetensors`, `${dir}/single.bak`);
      await Deno.writeTextFile(
        `${dir}/model.safetensors.index.json`,
        JSON.stringify({ metadata: {}, weight_map: weightMap }),
      );
      const sharded = await loadHfCheckpoint(dir, { tokenizer: false });
      assert.equal(maxDiff(sharded.weights.layers[0].qkvW, low.weights.layers[0].qkvW), 0);
      await Deno.rename(`${dir}/single.bak`, `${dir}/model.safetensors`);
      // A checkpoint whose tensors disagree with config.json fails naming the tensor.
      const t = (await readSafetensors(`${dir}/model.safetensors`)).tensors;
      t.delete(`${modelType}.encoder.layer.0.attention.output.dense.bias`);
      await writeSafetensors(
        `${dir}/model.safetensors`,
        [...t.values()].map(({ name, shape, data }) => ({ name, shape, data })),
      );
      await assert.rejects(() => loadHfCheckpoint(dir), (e: Error) => {
        assert.ok(e instanceof HfCheckpointError);
        assert.ok(e.message.includes(`${dir}/model.safetensors`), e.message);
        assert.ok(e.message.includes(`${modelType}.encoder.layer.0.attention.output.dense.bias`));
        return true;
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
