/**
 * The HF masked-LM oracle (BBT's readout) on a tiny checkpoint in the real file formats: the float64
 * reference of the exact model and the secure job on 2pc and 3pc score the same templated texts; the
 * label words go through the verbalizer rule (one token each) and bad inputs fail clearly.
 */
import assert from "node:assert/strict";
import { writeTinyHfCheckpoint } from "@secp/transformer";
import { openOracle } from "@secp/transformer/oracle";

const texts = ["good film . it was {mask} .", "boring plot . it was {mask} ."];
const labels = ["terrible", "great"];
const L = 2;

async function logits(dir: string, backend: "reference" | "2pc" | "3pc") {
  const o = await openOracle({ backend, model: dir, promptLength: L, insecureSeed: "hf-oracle" }); // fixed seed: tests only
  try {
    assert.equal(o.info.family, "hf");
    assert.ok(o.embeddingStd > 0 && o.init.length === L * o.oracle.embedDim);
    const batch = await o.oracle.prepare({ texts, labelTexts: labels });
    const prompts = [o.init, o.init.map((_, i) => 0.1 * Math.sin(i))];
    return Array.from((await o.oracle.evaluate(prompts, batch)).logits);
  } finally {
    await o.close();
  }
}

Deno.test("hf oracle: reference, 2pc and 3pc score templated texts with the MLM verbalizer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_oracle_" });
  try {
    await writeTinyHfCheckpoint(dir, { modelType: "roberta", seed: 9 });
    const ref = await logits(dir, "reference");
    assert.equal(ref.length, 2 * texts.length * labels.length);
    for (const backend of ["2pc", "3pc"] as const) {
      const got = await logits(dir, backend);
      const err = Math.max(...got.map((v, i) => Math.abs(v - ref[i])));
      console.log(`${backend}: max |secure − exact model| ${err.toExponential(2)}`);
      // The protocols approximate GELU and exp (see the HF job test for the float64 reference of
      // the approximated function, within 1e-3); against the exact model the bound is looser.
      assert.ok(err <= 0.1, `${backend}: ${err}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hf oracle: a label word of several tokens and a text without {mask} are clear errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_oracle_bad_" });
  try {
    await writeTinyHfCheckpoint(dir, { modelType: "bert", seed: 3 });
    const o = await openOracle({ backend: "reference", model: dir, promptLength: L });
    await assert.rejects(
      o.oracle.prepare({ texts, labelTexts: ["wonderful", "bad"] }),
      /label word "wonderful" \(class 0\) is 2 tokens/,
    );
    await assert.rejects(
      o.oracle.prepare({ texts: ["no mask here"], labelTexts: labels }),
      /needs exactly one \{mask\}/,
    );
    await assert.rejects(
      openOracle({ backend: "reference", model: `${dir}/absent`, promptLength: L }),
      /absent\/config\.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
