import assert from "node:assert/strict";
import { RingTensor } from "@secp/field";
import { planeWords, toPlanes } from "../bits.ts";

/** Bit j of element i, read one bit at a time (the definition of the plane layout). */
function planesByDefinition(t: RingTensor, bits: number): BigUint64Array {
  const pw = planeWords(t.size), out = new BigUint64Array(bits * pw);
  t.data.forEach((v, i) => {
    for (let j = 0; j < bits; j++) {
      if ((v >> BigInt(j)) & 1n) out[j * pw + Math.floor(i / 64)] |= 1n << BigInt(i % 64);
    }
  });
  return out;
}

Deno.test("toPlanes: plane j holds bit j of every element (ragged sizes, 20/32/64 bits)", () => {
  let s = 0x9e3779b97f4a7c15n; // fixed test seed (xorshift64)
  const next = () => {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    return s;
  };
  for (const n of [1, 31, 32, 33, 64, 65, 200]) {
    const t = new RingTensor(BigUint64Array.from({ length: n }, next), [n]);
    for (const bits of [20, 32, 33, 64]) {
      assert.deepEqual(toPlanes(t, bits).data, planesByDefinition(t, bits), `n=${n} bits=${bits}`);
    }
  }
});
