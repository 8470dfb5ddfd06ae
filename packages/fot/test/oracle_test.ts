import assert from "node:assert/strict";
import { checkOracleResult } from "../oracle.ts";
import { hashedBagOfWords, ToyOracle } from "../toy_oracle.ts";

Deno.test("toy oracle: logits are P×T×C, deterministic, and affine in the prompt", async () => {
  const L = 2, E = 8, D = L * E;
  const oracle = new ToyOracle({ promptLength: L, embedDim: E, seed: 1 });
  const batch = await oracle.prepare({
    texts: ["good film", "bad film", "ok"],
    labelTexts: ["bad", "good"],
  });
  assert.equal(batch.size, 3);
  assert.equal(batch.numClasses, 2);
  const p1 = Float64Array.from({ length: D }, (_, i) => Math.sin(i));
  const p2 = Float64Array.from({ length: D }, (_, i) => Math.cos(3 * i));
  const zero = new Float64Array(D);
  const mid = p1.map((v, i) => 0.5 * v + 0.5 * p2[i]);
  const res = await oracle.evaluate([p1, p2, zero, mid], batch);
  checkOracleResult(res, 4, 3, 2);
  assert.deepEqual(res.cost, { bytesSent: 4 * 3 * 2 * 8, rounds: 1 });
  const at = (p: number, t: number, c: number) => res.logits[(p * 3 + t) * 2 + c];
  for (let t = 0; t < 3; t++) {
    for (let c = 0; c < 2; c++) {
      const want = 0.5 * at(0, t, c) + 0.5 * at(1, t, c);
      assert.ok(Math.abs(at(3, t, c) - want) < 1e-12, "logits must be affine in the prompt");
    }
  }
  assert.ok(at(2, 0, 1) > at(2, 0, 0), "zero prompt: 'good film' is closer to 'good'");
  assert.ok(at(0, 0, 0) !== at(1, 0, 0), "the prompt must matter");
  const again = await new ToyOracle({ promptLength: L, embedDim: E, seed: 1 }).evaluate(
    [p1],
    batch,
  );
  assert.deepEqual(again.logits, res.logits.subarray(0, 6));
  assert.equal(oracle.calls, 1);
  assert.equal(oracle.prepares, 1);
  await assert.rejects(() => oracle.evaluate([new Float64Array(3)], batch), RangeError);
});

Deno.test("toy oracle: hashed bag of words is unit-norm and word-order free", () => {
  const a = hashedBagOfWords("The movie, the plot!", 64);
  const b = hashedBagOfWords("plot movie THE the", 64);
  assert.deepEqual(a, b);
  assert.ok(Math.abs(a.reduce((s, v) => s + v * v, 0) - 1) < 1e-12);
  assert.deepEqual(hashedBagOfWords("", 4), new Float64Array(4));
});

Deno.test("oracle: checkOracleResult rejects wrong sizes and non-finite logits", () => {
  assert.throws(
    () => checkOracleResult({ logits: new Float64Array(5) }, 1, 3, 2),
    /expected 1×3×2/,
  );
  assert.throws(() => checkOracleResult({ logits: new Float64Array([0, NaN]) }, 1, 1, 2), /NaN/);
  assert.throws(
    () => checkOracleResult({ logits: new Float64Array([0, Infinity]) }, 1, 1, 2),
    /Infinity/,
  );
  assert.throws(
    () => checkOracleResult({ logits: [0, 1] as unknown as Float64Array }, 1, 1, 2),
    /Float64Array/,
  );
  checkOracleResult({ logits: new Float64Array(6) }, 1, 3, 2);
});
