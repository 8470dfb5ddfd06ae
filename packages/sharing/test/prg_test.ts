import assert from "node:assert/strict";
import { insecureTestSeed, Prg } from "../mod.ts";

Deno.test("PRG: WebCrypto and @noble/ciphers give byte-identical AES-CTR streams", async () => {
  const seed = insecureTestSeed("prg");
  const a = new Prg(seed), b = new Prg(seed);
  for (const n of [16, 5, 1000, 65536, 33]) {
    assert.deepEqual(await a.bytes(n), b.bytesSync(n), `draw of ${n} bytes`);
  }
  assert.deepEqual(a.state(), b.state());
});

Deno.test("PRG: state round-trips and streams advance by whole blocks", async () => {
  const p = new Prg(insecureTestSeed("state"));
  await p.bytes(20); // 2 blocks
  assert.equal(p.state().block, 2);
  const q = Prg.fromState(p.state());
  assert.deepEqual(await p.bytes(64), await q.bytes(64));
  assert.throws(() => new Prg(new Uint8Array(8)), /seed must be 16 bytes/);
});
