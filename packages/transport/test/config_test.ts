import assert from "node:assert/strict";
import { DEFAULT_MAX_FRAME_BYTES, generateKeys, pairKey, parseConfig } from "../config.ts";

const k = "ab".repeat(32);
const base = {
  parties: [{ id: 1, host: "127.0.0.1", port: 9001 }, { id: 0, host: "127.0.0.1", port: 9000 }],
  keys: { "0-1": k },
};

Deno.test("config: parse, defaults, sorted parties, key bytes", () => {
  const c = parseConfig(JSON.stringify({ ...base, timeoutMs: 500 }));
  assert.deepEqual(c.parties.map((p) => p.id), [0, 1]);
  assert.equal(c.timeoutMs, 500);
  assert.equal(c.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
  assert.equal(pairKey(c, 1, 0)[0], 0xab);
  assert.deepEqual(parseConfig(c), c);
});

Deno.test("config: clear errors", () => {
  const bad = (x: unknown, re: RegExp) => assert.throws(() => parseConfig(x), re);
  bad("{", /not valid JSON/);
  bad({ keys: {} }, /parties must be a non-empty array/);
  bad(
    { parties: [{ id: 0, host: "h", port: 1 }, { id: 0, host: "h", port: 2 }] },
    /duplicate party id 0/,
  );
  bad({ parties: [{ id: -1, host: "h", port: 1 }] }, /parties\[0\]\.id must be an integer/);
  bad({ parties: [{ id: 0, host: "", port: 1 }] }, /party 0: host must be a non-empty string/);
  bad({ parties: [{ id: 0, host: "h", port: 70000 }] }, /party 0: port must be an integer/);
  bad(
    { ...base, keys: { "0-1": "xyz" } },
    /key "0-1" must be 64 hex digits \(32 bytes\), got 3 characters/,
  );
  bad({ ...base, keys: { "0-2": k } }, /key "0-2" names party 2, which is not in parties/);
  bad({ ...base, keys: { "1-0": k } }, /smaller id first/);
  bad({ ...base, keys: { "a-b": k } }, /must look like "0-1"/);
  bad({ ...base, timeoutMs: 0 }, /timeoutMs must be a positive number/);
  bad({ ...base, maxFrameBytes: 2 ** 32 }, /maxFrameBytes must be an integer/);
  bad({ ...base, tls: { ca: 3 } }, /tls\.ca must be PEM text or a file path/);
  assert.throws(() => pairKey(parseConfig({ ...base, keys: {} }), 0, 1), /missing key "0-1"/);
});

Deno.test("config: generateKeys gives fresh 32-byte keys for every pair", () => {
  const a = generateKeys([2, 0, 1]);
  assert.deepEqual(Object.keys(a).sort(), ["0-1", "0-2", "1-2"]);
  for (const v of Object.values(a)) assert.match(v, /^[0-9a-f]{64}$/);
  assert.notEqual(generateKeys([0, 1])["0-1"], generateKeys([0, 1])["0-1"]);
  const c = parseConfig({ ...base, keys: generateKeys([0, 1]) });
  assert.equal(pairKey(c, 0, 1).length, 32);
});
