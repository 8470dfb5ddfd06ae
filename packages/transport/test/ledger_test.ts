import assert from "node:assert/strict";
import { Ledger } from "../ledger.ts";
import type { MessageRecord } from "../types.ts";

const rec = (m: Partial<MessageRecord>): MessageRecord => ({
  from: 0,
  to: 1,
  bytes: 8,
  path: "a/b",
  phase: "online",
  depth: 1,
  ...m,
});

Deno.test("ledger aggregates by (from, to, path, phase) and stays small", () => {
  const l = new Ledger();
  for (let i = 0; i < 100_000; i++) l.record(rec({ depth: 1 + (i % 3) }));
  l.record(rec({ from: 1, to: 0, bytes: 5 }));
  l.record(rec({ phase: "offline", bytes: 100, path: "dealer/triples" }));
  assert.equal(l.entries().length, 3);
  assert.equal(l.bytesSent(0), 800_000 + 100);
  assert.equal(l.bytesSent(0, "online"), 800_000);
  assert.equal(l.messagesSent(0, "offline"), 1);
  assert.equal(l.messagesSent(1), 1);
  const s = l.summary();
  assert.deepEqual(s.rounds, { online: 3, offline: 1 });
  assert.deepEqual(s.total.online, { messages: 100_001, bytes: 800_005 });
  assert.deepEqual(s.maxBytesSent, { online: 800_000, offline: 100 });
  assert.deepEqual(s.parties.map((p) => p.party), [0, 1]);
  assert.equal(l.rounds(), 4);
});

Deno.test("ledger groups by path prefix and by link", () => {
  const l = new Ledger();
  l.record(rec({ path: "layer0/attn/cos", bytes: 10, depth: 1 }));
  l.record(rec({ path: "layer0/attn/mul", bytes: 20, depth: 2 }));
  l.record(rec({ path: "layer0/ffn/gelu", bytes: 5, depth: 3 }));
  l.record(rec({ path: "layer1/attn/cos", bytes: 1, depth: 4, from: 1, to: 0 }));
  assert.deepEqual(
    l.byPath(1).map((g) => [g.prefix, g.bytes, g.messages, g.lastRound]),
    [["layer0", 35, 3, 3], ["layer1", 1, 1, 4]],
  );
  assert.deepEqual(
    l.byPath(2).map((g) => [g.prefix, g.bytes]),
    [["layer0/attn", 30], ["layer0/ffn", 5], ["layer1/attn", 1]],
  );
  assert.equal(l.byPath().length, 4);
  assert.deepEqual(
    l.links().map((k) => [k.from, k.to, k.bytes]),
    [[0, 1, 35], [1, 0, 1]],
  );
});

Deno.test("ledger snapshot/diff measures one operation; reset restarts rounds", () => {
  const l = new Ledger();
  l.record(rec({ depth: 1 }));
  l.record(rec({ depth: 2 }));
  const before = l.snapshot();
  l.record(rec({ depth: 3, bytes: 16 }));
  l.record(rec({ depth: 4, bytes: 16, path: "x" }));
  l.record(rec({ depth: 1, phase: "offline", bytes: 7 }));
  const op = l.since(before);
  assert.equal(op.rounds("online"), 2);
  assert.equal(op.rounds("offline"), 1);
  assert.equal(op.bytesSent(0, "online"), 32);
  assert.equal(op.messagesSent(0), 3);
  assert.equal(Ledger.diff(before, l).rounds("online"), 2);
  // snapshot is independent
  assert.equal(before.messagesSent(0), 2);
  l.reset();
  assert.equal(l.rounds("online"), 0);
  assert.equal(l.maxDepth("online"), 4);
  l.record(rec({ depth: 5 }));
  assert.equal(l.rounds("online"), 1);
  assert.equal(l.summary().total.online.messages, 1);
});

Deno.test("ledger JSON round trip and merge of per-process ledgers", () => {
  const a = new Ledger();
  a.record(rec({ depth: 1 }));
  a.record(rec({ depth: 3 }));
  const b = new Ledger();
  b.record(rec({ from: 1, to: 0, depth: 2, bytes: 4 }));
  const json = JSON.parse(JSON.stringify(b));
  assert.equal(json.summary.total.online.bytes, 4);
  const merged = Ledger.fromJSON(JSON.parse(JSON.stringify(a))).merge(Ledger.fromJSON(json));
  assert.equal(merged.rounds("online"), 3);
  assert.equal(merged.bytesSent(0), 16);
  assert.equal(merged.bytesSent(1), 4);
  assert.throws(() => Ledger.fromJSON({} as never), /version-1/);
});
