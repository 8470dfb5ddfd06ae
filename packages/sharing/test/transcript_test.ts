import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { FloatTensor } from "@secp/field";
import { runLocal, type SecretBackend } from "../mod.ts";
import { recordSends } from "./helpers.ts";

/** Records every payload each party sends, per destination, in order. */
function recorder(log: Map<string, Uint8Array[]>) {
  return recordSends((from, to, payload) => {
    const k = `${from}>${to}`;
    log.set(k, [...(log.get(k) ?? []), payload]);
  });
}

/** SHA-256 over all links' payloads, links in sorted order, messages in send order. */
function transcriptHash(log: Map<string, Uint8Array[]>): string {
  const parts: Uint8Array[] = [];
  for (const k of [...log.keys()].sort()) {
    parts.push(new TextEncoder().encode(k));
    for (const m of log.get(k)!) {
      parts.push(new Uint8Array(new Uint32Array([m.length]).buffer), m);
    }
  }
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return [...sha256(all)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function program(be: SecretBackend) {
  const x = await be.input(
    "dataOwner",
    be.is("dataOwner") ? FloatTensor.from([1.5, -2, 0.25, 3]) : undefined,
    [4],
  );
  const w = await be.input(
    "modelOwner",
    be.is("modelOwner") ? FloatTensor.from([2, 0.5, -1, 4]) : undefined,
    [4],
  );
  const y = await be.mul(x, w);
  const s = await be.ltz(y, { bits: 32 });
  const t = await be.trigTuple([4], 16);
  await be.openMod2k(be.sub(y, t.t), 16);
  return await be.reveal(be.add(y, s), "dataOwner");
}

// Pinned with the insecure test seed "transcript" (tests only): any change to what goes on the wire
// changes these hashes. Update them deliberately, with the reason in the commit message.
const PINNED: Record<string, string> = {
  "2pc/exact": "e54e856307864c55559d31f646fd600dba0a6ecdae7a7b4937ea1e458c2729c5",
  "3pc/exact": "62d8cb15298f5cf83c595dddda8471deb1a5a7d36704c0ddf0b64b72ef6f9095",
  "3pc/local": "2178c6f4b988e1ee96147132a2220863e9816eae26b7fb7107f61ea4a70f2a4c",
};

for (const [kind, trunc] of [["2pc", "exact"], ["3pc", "exact"], ["3pc", "local"]] as const) {
  const name = `${kind}/${trunc}`;
  Deno.test(`${name}: the transcript of a fixed-seed run is reproducible and pinned`, async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const log = new Map<string, Uint8Array[]>();
      const opts = { insecureSeed: "transcript", trunc, wrapChannel: recorder(log) };
      await runLocal(kind, program, opts);
      hashes.push(transcriptHash(log));
    }
    assert.equal(hashes[0], hashes[1], "two runs with the same seeds send the same bytes");
    if (Deno.env.get("PRINT_TRANSCRIPT_HASH")) console.log(name, hashes[0]);
    assert.equal(hashes[0], PINNED[name]);
  });
}
