/**
 * Golden test: our tokenizer + float64 reference against the shipped tfjs graph (tfjs-core 4.22 +
 * converter + CPU backend) on real sentences. Prints the measured errors.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Tokenizer as ReferenceTokenizer } from "@tensorflow-models/universal-sentence-encoder";
import { loadUseLite } from "../use_lite/assets.ts";
import { forward } from "../use_lite/reference.ts";
import { cosine } from "../common/linalg.ts";
import { loadUciSentiment } from "@secp/fot";
import { graphInputs, loadTfjsGraph } from "./tfjs_graph.ts";

const NODE_POOLED = "module_apply_default/Encoder_en/KonaTransformer/div";
const NODE_INPUT =
  "module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_0/add";
const NODE_OUTPUT = "module_apply_default/Encoder_en/hidden_layers/l2_normalize";

const assets = await loadUseLite();
const { weights, tokenizer } = assets;

/** ≥ 50 real sentences: long and random fixture rows, punctuation/unicode, and one > 128 tokens. */
async function goldenTexts(): Promise<string[]> {
  const texts: string[] = [];
  for (const set of ["imdb", "yelp", "amazon"] as const) {
    const rows = (await loadUciSentiment(set)).map((r) => r.text);
    const byLength = [...rows].sort((a, b) => b.length - a.length);
    texts.push(...byLength.slice(0, 4)); // the longest
    for (let i = 0; i < 12; i++) texts.push(rows[(i * 71 + 13) % rows.length]); // spread sample
  }
  texts.push(
    "I love this movie, it was wonderful.",
    "What a great and fantastic film!",
    "The stock market fell sharply today.",
    "Naïve café owners serve crème brûlée — «très bien»!",
    "Ｆｕｌｌｗｉｄｔｈ ＴＥＸＴ and ﬁne ligatures…",
    "日本語 and emoji 😀👍🏽 mixed :) :-( ://",
    "Wait... what?!?! $100 for THIS??? 0/10 #fail @support",
    "tabs\tand\nnewlines  and   spaces",
    "x",
    // One text longer than 128 tokens, to exercise the graph's ClipToMaxLength.
    (await loadUciSentiment("imdb")).slice(0, 30).map((r) => r.text).join(" "),
  );
  return texts;
}

const texts = await goldenTexts();
const ids = texts.map((t) => tokenizer.encode(t));

Deno.test("golden: tokenizer ids equal the reference tokenizer's on every golden text", () => {
  // deno-lint-ignore no-explicit-any
  const ref = new ReferenceTokenizer(assets.vocab as any);
  let same = 0;
  texts.forEach((t, i) => {
    assert.deepEqual(ids[i], ref.encode(t), t);
    same++;
  });
  console.log(`token ids identical on ${same}/${texts.length} texts`);
  assert.ok(texts.length >= 50);
  assert.ok(ids.some((x) => x.length > 128), "one text exceeds 128 tokens");
  assert.ok(ids.some((x) => x.includes(0)), "one text has unknown pieces (id 0)");
});

Deno.test("golden: float64 reference matches the tfjs graph (embeddings ≤ 1e-4, pooled, input)", async () => {
  const model = await loadTfjsGraph(assets.modelJson, assets.shards);
  assert.deepEqual(graphInputs(model).map((i) => [i.name, i.dtype, i.shape]), [
    ["indices", "int32", [-1, 2]],
    ["values", "int32", [-1]],
  ]);
  const ours = forward(weights, ids, { intermediates: true });
  // Batch tfjs calls by similar length to limit padding work.
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  let maxEmb = 0, maxPooled = 0, maxInput = 0;
  const t0 = performance.now();
  for (let b = 0; b < order.length; b += 12) {
    const batch = order.slice(b, b + 12);
    const indices: number[][] = [];
    const values: number[] = [];
    batch.forEach((s, r) => ids[s].forEach((id, t) => (indices.push([r, t]), values.push(id))));
    const inputs = {
      indices: tf.tensor2d(indices, [indices.length, 2], "int32"),
      values: tf.tensor1d(values, "int32"),
    };
    const [emb, pooled, input] = await model.executeAsync(inputs, [
      NODE_OUTPUT,
      NODE_POOLED,
      NODE_INPUT,
    ]) as tf.Tensor[];
    const [e, p, x] = [emb.arraySync(), pooled.arraySync(), input.arraySync()] as [
      number[][],
      number[][],
      number[][][],
    ];
    batch.forEach((s, r) => {
      const n = Math.min(ids[s].length, 128);
      for (let j = 0; j < 512; j++) {
        maxEmb = Math.max(maxEmb, Math.abs(e[r][j] - ours.embeddings[s][j]));
        maxPooled = Math.max(maxPooled, Math.abs(p[r][j] - ours.pooled[s][j]));
      }
      // Layer-0 input = 2·E[id] + timing (the embedding is added twice in the graph).
      for (let t = 0; t < n; t++) {
        for (let c = 0; c < 256; c++) {
          const v = ours.intermediates!.inputs[s][t * 256 + c];
          maxInput = Math.max(maxInput, Math.abs(x[r][t][c] - v));
        }
      }
      for (let t = n; t < x[r].length; t++) assert.ok(x[r][t].every((v) => v === 0), "pad rows 0");
    });
    tf.dispose([inputs.indices, inputs.values, emb, pooled, input]);
  }
  const ms = performance.now() - t0;
  console.log(
    `${texts.length} sentences: max |Δ| embedding ${maxEmb.toExponential(2)}, pooled ${
      maxPooled.toExponential(2)
    }, layer-0 input ${maxInput.toExponential(2)}; tfjs ${
      (ms / texts.length).toFixed(0)
    } ms/sentence`,
  );
  assert.ok(maxEmb <= 1e-4, `embedding error ${maxEmb}`);
  assert.ok(maxPooled <= 1e-3, `pooled error ${maxPooled}`);
  assert.ok(maxInput <= 1e-4, `input error ${maxInput}`);
  model.dispose();
});

Deno.test("golden: cosine similarities of the reported sentence pairs", () => {
  const [a, b, c] = forward(
    weights,
    [
      "I love this movie, it was wonderful.",
      "What a great and fantastic film!",
      "The stock market fell sharply today.",
    ].map((t) => tokenizer.encode(t)),
  ).embeddings;
  const ab = cosine(a, b), ac = cosine(a, c);
  console.log(`cos(movie, film) = ${ab.toFixed(4)}, cos(movie, stock market) = ${ac.toFixed(4)}`);
  assert.ok(Math.abs(ab - 0.845) < 0.001, `${ab}`);
  assert.ok(Math.abs(ac - 0.123) < 0.001, `${ac}`);
});
