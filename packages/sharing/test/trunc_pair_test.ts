import assert from "node:assert/strict";
import { RingTensor } from "@secp/field";
import { truncShareFromOpened } from "../trunc_pair.ts";
import { testData } from "./helpers.ts";

/** The formula of `trunc_pair.ts` in BigInt, element by element (the reference). */
function reference(c: bigint, msb: bigint, low: bigint, bits: number, first: boolean): bigint {
  const bc = c >> 63n;
  let w = msb * (1n - 2n * bc);
  if (first) w += bc;
  let r = w * (1n << BigInt(63 - bits)) - low;
  if (first) r += (c & ((1n << 63n) - 1n)) >> BigInt(bits), r -= 1n << BigInt(62 - bits);
  return BigInt.asUintN(64, r);
}

Deno.test("truncShareFromOpened equals its BigInt formula for every shift and both parties", () => {
  // Fixed pseudo-random words (test data) plus the edge values 0, 1, 2^63 − 1, 2^63, 2^64 − 1.
  const words = (seed: number) => {
    const u = testData(2048, 1, seed);
    const v = Array.from(u, (x, i) => BigInt(Math.floor((x + 1) * 2 ** 31)) << BigInt(i % 33));
    return [
      ...v.map((x) => BigInt.asUintN(64, x * 0x9e3779b97f4a7c15n)),
      0n,
      1n,
      (1n << 63n) - 1n,
      1n << 63n,
      (1n << 64n) - 1n,
    ];
  };
  const [c, m, l] = [words(1), words(2), words(3)];
  const t = (v: bigint[]) => RingTensor.fromBigInts(v, [v.length]);
  for (const bits of [1, 8, 16, 31, 32, 33, 47, 62]) {
    for (const first of [true, false]) {
      const got = truncShareFromOpened(t(c), t(m), t(l), bits, first);
      for (let i = 0; i < c.length; i++) {
        const want = reference(c[i], m[i], l[i], bits, first);
        assert.equal(got.data[i], want, `bits ${bits}, first ${first}, element ${i}`);
      }
    }
  }
});
