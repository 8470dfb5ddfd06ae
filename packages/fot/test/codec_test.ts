import assert from "node:assert/strict";
import {
  base64ToBytes,
  base64ToF64,
  bytesToBase64,
  decodeFloat,
  encodeFloat,
  f64ToBase64,
  hexToBytes,
  parseExact,
  stringifyExact,
} from "../codec.ts";
import { Rng } from "../rng.ts";

Deno.test("codec: base64 matches btoa and round-trips for all tail lengths", () => {
  const r = Rng.fromSeed(1);
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, () => r.uniformInt(256));
    const b64 = bytesToBase64(bytes);
    assert.equal(b64, btoa(String.fromCharCode(...bytes)));
    assert.deepEqual(base64ToBytes(b64), bytes);
  }
  assert.throws(() => base64ToBytes("abc"), SyntaxError);
  assert.throws(() => base64ToBytes("ab!d"), SyntaxError);
});

Deno.test("codec: float64 arrays and scalars are bit-exact, including -0, ±Infinity, NaN", () => {
  const xs = new Float64Array([0, -0, 1 / 3, -1e-300, 5e-324, Infinity, -Infinity, NaN, 1e308]);
  const back = base64ToF64(f64ToBase64(xs), xs.length);
  for (let i = 0; i < xs.length; i++) assert.ok(Object.is(back[i], xs[i]), `index ${i}`);
  assert.deepEqual(base64ToF64(f64ToBase64([1.5, 2])), new Float64Array([1.5, 2]));
  assert.throws(() => base64ToF64(f64ToBase64(xs), 3), RangeError);
  for (const x of xs) {
    assert.ok(Object.is(decodeFloat(JSON.parse(JSON.stringify(encodeFloat(x)))), x));
  }
  assert.throws(() => decodeFloat("1"), TypeError);
  const obj = { a: [1, -0, Infinity, NaN, -Infinity], b: { c: 2.5 } };
  const round = parseExact(stringifyExact(obj)) as typeof obj;
  assert.ok(Object.is(round.a[1], -0));
  assert.equal(round.a[2], Infinity);
  assert.ok(Number.isNaN(round.a[3]));
  assert.equal(round.b.c, 2.5);
  assert.deepEqual(hexToBytes("00ff10"), new Uint8Array([0, 255, 16]));
  assert.throws(() => hexToBytes("0g"), SyntaxError);
});
