import assert from "node:assert/strict";
import { chacha20 } from "@noble/ciphers/chacha.js";
import { deriveKey, Rng, seedFromCrypto } from "../rng.ts";

Deno.test("rng: words are the ChaCha20 keystream of the derived key (stream 0, zero nonce)", () => {
  const key = deriveKey(42, "t");
  const ks = chacha20(key, new Uint8Array(12), new Uint8Array(64 * 70), undefined, 0);
  const view = new DataView(ks.buffer, ks.byteOffset);
  const rng = Rng.fromSeed(42, "t");
  for (let i = 0; i < 64 * 70 / 4; i++) assert.equal(rng.nextUint32(), view.getUint32(i * 4, true));
});

Deno.test("rng: same seed and label reproduce, other seed/label/stream differ", () => {
  const draw = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());
  assert.deepEqual(draw(Rng.fromSeed(7)), draw(Rng.fromSeed(7)));
  assert.notDeepEqual(draw(Rng.fromSeed(7)), draw(Rng.fromSeed(8)));
  assert.notDeepEqual(draw(Rng.fromSeed(7)), draw(Rng.fromSeed(7, "other")));
  assert.notDeepEqual(draw(Rng.fromSeed(7)), draw(Rng.fromSeed(7).fork(1)));
  assert.notDeepEqual(draw(Rng.fromSeed("7")), draw(Rng.fromSeed(7)));
  assert.deepEqual(
    draw(Rng.fromSeed(new Uint8Array([1, 2]))),
    draw(Rng.fromSeed(new Uint8Array([1, 2]))),
  );
});

Deno.test("rng: state round-trips through JSON mid-chunk and across chunk boundaries", () => {
  for (const skip of [0, 1, 1023, 1024, 1025, 5000]) {
    const a = Rng.fromSeed(3);
    for (let i = 0; i < skip; i++) a.nextUint32();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
    assert.equal(b.state().position, skip);
    const xa = Array.from({ length: 3000 }, () => a.normal());
    const xb = Array.from({ length: 3000 }, () => b.normal());
    assert.deepEqual(xa, xb);
  }
});

Deno.test("rng: positions beyond 2^31 blocks move into the nonce and keep working", () => {
  const far = 2 ** 35 - 3; // word index just before block 2^31 (16 words per block)
  const r = Rng.fromState({ ...Rng.fromSeed(1).state(), position: far });
  const words = Array.from({ length: 6 }, () => r.nextUint32());
  assert.equal(r.state().position, far + 6);
  const again = Rng.fromState({ ...Rng.fromSeed(1).state(), position: far });
  assert.deepEqual(Array.from({ length: 6 }, () => again.nextUint32()), words);
  const start = Rng.fromSeed(1);
  assert.notDeepEqual(Array.from({ length: 6 }, () => start.nextUint32()), words);
});

Deno.test("rng: uniform and normal moments", () => {
  const r = Rng.fromSeed(11);
  const n = 200_000;
  let su = 0, mn = 1, mx = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    su += u;
    mn = Math.min(mn, u);
    mx = Math.max(mx, u);
  }
  assert.ok(mn >= 0 && mx < 1);
  assert.ok(Math.abs(su / n - 0.5) < 0.005, `uniform mean ${su / n}`);
  const z = new Float64Array(n);
  r.fillNormal(z, 2);
  let s = 0, s2 = 0, s4 = 0;
  for (const x of z) {
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  const v = s2 / n - mean * mean;
  for (const x of z) s4 += (x - mean) ** 4;
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(v - 4) < 0.06, `var ${v}`);
  assert.ok(Math.abs(s4 / n / (v * v) - 3) < 0.1, "kurtosis of a normal is 3");
  let t = 0;
  for (let i = 0; i < 20000; i++) t += r.normal() ** 2;
  assert.ok(Math.abs(t / 20000 - 1) < 0.05);
});

Deno.test("rng: uniformInt is in range and shuffle is a permutation", () => {
  const r = Rng.fromSeed(5);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[r.uniformInt(7)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `count ${c}`);
  const perm = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...perm].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(perm, Array.from({ length: 50 }, (_, i) => i));
});

Deno.test("rng: seedFromCrypto and seed validation", () => {
  const a = seedFromCrypto();
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, seedFromCrypto());
  assert.throws(() => Rng.fromSeed(-1), RangeError);
  assert.throws(() => Rng.fromSeed(1.5), RangeError);
  assert.throws(
    () => Rng.fromState({ algorithm: "chacha20", key: "00", stream: 0, position: 0 }),
    TypeError,
  );
});
