import assert from "node:assert/strict";
import { gcm } from "@noble/ciphers/aes.js";
import { concatBytes } from "@noble/hashes/utils.js";
import { TransportError } from "../errors.ts";
import {
  encodeFrames,
  FRAME_OVERHEAD,
  type FrameOut,
  FrameReader,
  ZERO_COPY_FROM,
} from "../frame.ts";
import { AEAD_TAG_BYTES, FrameCipher, frameNonce, WEBCRYPTO_FROM } from "../aead.ts";

/** A stream over fixed bytes, handed out in chunks of `chunk` bytes. */
function source(data: Uint8Array, chunk = 1 << 30) {
  let off = 0;
  return {
    read(p: Uint8Array): Promise<number | null> {
      if (off >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, chunk, data.length - off);
      p.set(data.subarray(off, off + n));
      off += n;
      return Promise.resolve(n);
    },
  };
}

const concat = (parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

const key = crypto.getRandomValues(new Uint8Array(32));
/** Random bytes of any length (getRandomValues takes at most 64 KiB per call). */
const rand = (n: number) => {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) {
    crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  }
  return out;
};
const frames = (): FrameOut[] => [
  { payload: new Uint8Array([1, 2, 3]), depth: 1, phase: "online" },
  { payload: new Uint8Array(0), depth: 2, phase: "offline" },
  { payload: rand(5000), depth: 7, phase: "online" },
];

async function readAll(data: Uint8Array, chunk?: number, max = 1 << 30) {
  const r = new FrameReader(source(data, chunk), new FrameCipher(key), max, 1);
  const out = [];
  for (;;) {
    const f = await r.next();
    if (f === null) return out;
    out.push(f);
  }
}

Deno.test("aead: WebCrypto and node:crypto paths agree with a reference AES-256-GCM", async () => {
  const c = new FrameCipher(key);
  const header = rand(17);
  for (const n of [0, 17, 1000, WEBCRYPTO_FROM - 1, WEBCRYPTO_FROM, 5000, 100_000]) {
    const d = rand(n);
    for (const seq of [0, 1, 2 ** 32 + 5]) {
      const sealed = await c.seal(header, d, seq);
      const ref = gcm(key, frameNonce(seq), header).encrypt(d);
      assert.deepEqual(sealed, ref, `size ${n}, seq ${seq}`);
      assert.equal(sealed.length, n + AEAD_TAG_BYTES);
      const back = await c.open(header, sealed, seq);
      assert.deepEqual(back, d, `open size ${n}`);
      assert.equal(back!.byteOffset, 0);
      assert.equal(back!.buffer.byteLength, n);
      assert.equal(await c.open(header, sealed, seq + 1), null, "another nonce fails");
      const bad = sealed.slice();
      bad[Math.floor(bad.length / 2)] ^= 1;
      assert.equal(await c.open(header, bad, seq), null, "a flipped bit fails");
      const h2 = header.slice();
      h2[16] ^= 1;
      assert.equal(await c.open(h2, sealed, seq), null, "the header is authenticated");
    }
  }
});

Deno.test("frames: one buffer per batch, round trip in any chunking", async () => {
  const fs = frames();
  const segs = await encodeFrames(fs, 0, new FrameCipher(key));
  assert.equal(segs.length, 1);
  assert.equal(segs[0].length, 3 + 0 + 5000 + 3 * FRAME_OVERHEAD);
  for (const chunk of [1, 7, 100, 1 << 20]) {
    const got = await readAll(segs[0], chunk);
    assert.deepEqual(got.map((f) => [f.depth, f.phase, f.payload.length]), [
      [1, "online", 3],
      [2, "offline", 0],
      [7, "online", 5000],
    ]);
    assert.deepEqual(got[2].payload, fs[2].payload);
    assert.equal(got[2].payload.byteOffset, 0);
  }
});

Deno.test("frames: large payloads are sealed into a segment of their own and read in full", async () => {
  const big = rand(ZERO_COPY_FROM + 12345);
  const fs: FrameOut[] = [
    { payload: new Uint8Array([1]), depth: 1, phase: "online" },
    { payload: big, depth: 2, phase: "online" },
    { payload: new Uint8Array([2]), depth: 3, phase: "online" },
  ];
  const segs = await encodeFrames(fs, 0, new FrameCipher(key));
  assert.equal(segs.length, 3);
  assert.equal(segs[1].length, big.length + AEAD_TAG_BYTES); // the sealed payload, one segment
  assert.equal(segs[1].byteOffset, 0);
  const got = await readAll(concat(segs), 65536);
  assert.deepEqual(got.map((f) => f.depth), [1, 2, 3]);
  assert.deepEqual(got[1].payload, big);
  assert.equal(got[1].payload.byteOffset, 0);
  // a reader expects sequence 0 first: frames numbered from 5 are refused
  const late = concat(await encodeFrames(fs, 5, new FrameCipher(key)));
  await assert.rejects(readAll(late), /replayed or out of order \(sequence 5, expected 0\)/);
});

async function expectError(data: Uint8Array, re: RegExp, kind?: string, max?: number) {
  const e = await readAll(data, undefined, max).then(() => undefined, (e) => e);
  assert.ok(e instanceof TransportError, `expected an error matching ${re}`);
  assert.match(e.message, re);
  if (kind !== undefined) assert.equal(e.kind, kind);
}

Deno.test("frames: tampered, replayed, reordered, truncated and oversized frames are errors", async () => {
  const cipher = new FrameCipher(key);
  const one = async (seq: number, p: number[]) =>
    (await encodeFrames([{ payload: new Uint8Array(p), depth: 1, phase: "online" }], seq, cipher))[
      0
    ];
  const f0 = await one(0, [1, 2, 3]);
  const f1 = await one(1, [4, 5, 6]);
  for (const pos of [0, 5, 12, 16, 17, 19, f0.length - 1]) {
    const t = concat([f0]);
    t[pos] ^= 1;
    // a flipped length bit makes the frame look longer: it then ends mid-frame
    if (pos < 4) await expectError(t, /truncated|failed authentication/);
    else await expectError(t, /failed authentication/, "auth");
  }
  await expectError(
    concat([f0, f0]),
    /replayed or out of order \(sequence 0, expected 1\)/,
    "protocol",
  );
  await expectError(concat([f1, f0]), /sequence 1, expected 0/, "protocol");
  await expectError(concat([f0, f1.subarray(0, 10)]), /ended in the middle of a frame/, "protocol");
  await expectError(concat([f0, f1.subarray(0, f1.length - 1)]), /truncated/, "protocol");
  // a wrong key is an authentication failure too
  const other = (await encodeFrames(
    [{ payload: new Uint8Array([1]), depth: 1, phase: "online" }],
    0,
    new FrameCipher(new Uint8Array(32)),
  ))[0];
  await expectError(other, /failed authentication/, "auth");
  // a hostile length is refused before anything is allocated
  const huge = concat([f0]);
  new DataView(huge.buffer).setUint32(0, 0xffffffff, true);
  await expectError(
    huge,
    /announces 4294967295 bytes, over the limit of 1048576/,
    "protocol",
    1 << 20,
  );
});
