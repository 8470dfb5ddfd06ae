import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { errors } from "./helpers.ts";

Deno.test("errors(): a NaN output is an infinite error, not a skipped one", () => {
  const xs = [0, 1, 2];
  const e = errors(FloatTensor.from([0, NaN, 2]), xs, (x) => x);
  assert.equal(e.abs, Infinity);
  assert.equal(e.at, 1);
  assert.equal(e.rel, Infinity);
  assert.equal(errors(FloatTensor.from([0, 1, 2.5]), xs, (x) => x).abs, 0.5);
});

Deno.test("errors(): the output count must equal the input count", () => {
  assert.throws(() => errors(FloatTensor.from([0, 1]), [0, 1, 2], (x) => x), /2 outputs for 3/);
  assert.throws(() => errors(FloatTensor.from([0, 1, 2]), [0, 1], (x) => x), /3 outputs for 2/);
});
