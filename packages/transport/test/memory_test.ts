import assert from "node:assert/strict";
import { ChannelCore, type Outbound } from "../core.ts";
import { TransportError } from "../errors.ts";
import { Ledger } from "../ledger.ts";
import { createMemoryNetwork } from "../memory.ts";
import type { NetworkProfile } from "../netmodel.ts";
import type { Channel, SendMeta } from "../types.ts";

const on = (path: string): SendMeta => ({ path, phase: "online" });
const off = (path: string): SendMeta => ({ path, phase: "offline" });
const bytes = (...xs: number[]) => new Uint8Array(xs);
const closeAll = (cs: Channel[]) => Promise.all(cs.map((c) => c.close()));

Deno.test("memory: send/recv in both directions, receiver owns an aligned copy", async () => {
  const ledger = new Ledger();
  const [p0, p1] = createMemoryNetwork([0, 1], { ledger });
  const x = bytes(1, 2, 3);
  p0.send(1, x, on("t/x"));
  p1.send(0, bytes(9), on("t/y"));
  const [a, b] = await Promise.all([p0.recv(1, on("t/y")), p1.recv(0, on("t/x"))]);
  assert.deepEqual(a, bytes(9));
  assert.deepEqual(b, x);
  assert.notEqual(b, x);
  assert.equal(b.byteOffset, 0);
  assert.equal(ledger.bytesSent(0), 3);
  assert.equal(ledger.bytesSent(1), 1);
  assert.equal(ledger.rounds("online"), 1);
  await closeAll([p0, p1]);
});

Deno.test("memory: per-pair order is kept over many messages and flushes", async () => {
  const [p0, p1] = createMemoryNetwork([0, 1]);
  const n = 1000;
  const got: number[] = [];
  const reader = (async () => {
    for (let i = 0; i < n; i++) {
      got.push(new DataView((await p1.recv(0, on("o"))).buffer).getUint32(0));
    }
  })();
  for (let i = 0; i < n; i++) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, i);
    p0.send(1, b, on("o"));
    if (i % 7 === 0) await p0.flush();
  }
  await p0.flush();
  await reader;
  assert.deepEqual(got, Array.from({ length: n }, (_, i) => i));
  await closeAll([p0, p1]);
});

class Counting extends ChannelCore {
  batches: Outbound[][] = [];
  constructor() {
    super(0, [0, 1, 2], new Ledger(), 1000);
  }
  protected transmit(_to: number, batch: Outbound[]): Promise<void> {
    this.batches.push(batch);
    return Promise.resolve();
  }
  protected shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("core: send only queues; one flush hands one batch per peer", async () => {
  const c = new Counting();
  for (let i = 0; i < 10; i++) c.send(1, bytes(i), on("q"));
  c.send(2, bytes(1), on("q"));
  assert.equal(c.batches.length, 0);
  await c.flush();
  assert.equal(c.batches.length, 2);
  assert.equal(c.batches.find((b) => b.length === 10)?.length, 10);
  await c.flush();
  assert.equal(c.batches.length, 2);
  assert.throws(() => c.send(0, bytes(1), on("self")), /party 0 is this party itself/);
  assert.throws(
    () => c.send(7, bytes(1), on("x/y")),
    /party 0: unknown party 7 during send at x\/y/,
  );
  assert.throws(
    () => c.send(1, new BigUint64Array(2) as unknown as Uint8Array, on("typed")),
    /payload must be a Uint8Array in send at typed/,
  );
  await c.close();
  await assert.rejects(c.recv(1, on("late")), /channel closed during recv at late/);
});

Deno.test("rounds: exchange = 1, chain P0→P1→P2 = 2, parallel sends = 1", async () => {
  const ledger = new Ledger();
  const [p0, p1, p2] = createMemoryNetwork([0, 1, 2], { ledger });
  // a symmetric exchange between P0 and P1
  let before = ledger.snapshot();
  p0.send(1, bytes(1), on("ex"));
  p1.send(0, bytes(2), on("ex"));
  await Promise.all([p0.recv(1, on("ex")), p1.recv(0, on("ex"))]);
  assert.equal(ledger.since(before).rounds("online"), 1);
  // a chain: P2's message depends on what P1 got from P0
  before = ledger.snapshot();
  p0.send(1, bytes(3), on("chain/a"));
  await p0.flush();
  const m = await p1.recv(0, on("chain/a"));
  p1.send(2, m, on("chain/b"));
  await p1.flush();
  await p2.recv(1, on("chain/b"));
  const chain = ledger.since(before);
  assert.equal(chain.rounds("online"), 2);
  assert.equal(chain.messagesSent(0) + chain.messagesSent(1), 2);
  // independent parallel sends: everyone to everyone, many messages each
  before = ledger.snapshot();
  const all = [p0, p1, p2];
  for (const p of all) {
    for (const q of all) {
      if (p !== q) { for (let i = 0; i < 5; i++) p.send(q.self, bytes(i), on("par")); }
    }
  }
  await Promise.all(all.flatMap((p) =>
    all.filter((q) => q !== p).map(async (q) => {
      for (let i = 0; i < 5; i++) await p.recv(q.self, on("par"));
    })
  ));
  const par = ledger.since(before);
  assert.equal(par.rounds("online"), 1);
  assert.equal(par.summary().total.online.messages, 30);
  assert.equal(ledger.rounds("online"), 4);
  await closeAll(all);
});

Deno.test("rounds: phases have separate clocks", async () => {
  const ledger = new Ledger();
  const [p0, p1, dealer] = createMemoryNetwork([0, 1, 2], { ledger });
  dealer.send(0, bytes(1, 1), off("dealer/triple"));
  dealer.send(1, bytes(2, 2), off("dealer/triple"));
  await dealer.flush(); // a party that only sends must flush
  await Promise.all([p0.recv(2, off("dealer/triple")), p1.recv(2, off("dealer/triple"))]);
  for (let r = 0; r < 3; r++) {
    p0.send(1, bytes(r), on("mul"));
    p1.send(0, bytes(r), on("mul"));
    await Promise.all([p0.recv(1, on("mul")), p1.recv(0, on("mul"))]);
  }
  assert.deepEqual(ledger.summary().rounds, { online: 3, offline: 1 });
  assert.equal(ledger.bytesSent(2, "offline"), 4);
  assert.equal(ledger.bytesSent(2, "online"), 0);
  assert.equal(p0.depth("offline"), 1);
  assert.equal(p0.depth("online"), 3);
  await closeAll([p0, p1, dealer]);
});

Deno.test("memory: a silent peer times out; the error names the peer and the path", async () => {
  const [p0, p1] = createMemoryNetwork([0, 1], { timeoutMs: 200 });
  const t0 = performance.now();
  const err = await p0.recv(1, on("layer0/attn/cos")).catch((e) => e);
  const dt = performance.now() - t0;
  assert.ok(err instanceof TransportError);
  assert.equal(err.kind, "timeout");
  assert.equal(err.peer, 1);
  assert.equal(err.path, "layer0/attn/cos");
  assert.match(
    err.message,
    /^party 0: no message from party 1 within 200 ms during recv at layer0\/attn\/cos$/,
  );
  assert.ok(dt >= 190 && dt < 1000, `timed out after ${dt} ms`);
  // the link stays failed: a late message must not be matched to the wrong receive
  p1.send(0, bytes(1), on("late"));
  await p1.flush();
  await assert.rejects(
    p0.recv(1, on("next")),
    /no message from party 1 within 200 ms during recv at next/,
  );
  await closeAll([p0, p1]);
});

Deno.test("memory: a closed peer fails receives after its last messages", async () => {
  const [p0, p1] = createMemoryNetwork([0, 1]);
  p1.send(0, bytes(7), on("last"));
  await p1.close();
  assert.deepEqual(await p0.recv(1, on("last")), bytes(7));
  await assert.rejects(
    p0.recv(1, on("after")),
    /^TransportError: party 0: party 1 closed the link during recv at after$/,
  );
  p0.send(1, bytes(1), on("to/closed"));
  await assert.rejects(p0.flush(), /party 1 closed the link during send at to\/closed/);
  await p0.close();
});

Deno.test("memory: a network profile really delays delivery (latency + bytes/bandwidth)", async () => {
  // 20 ms RTT → 10 ms one way; 8 Mbit/s → 10 kB take 10 ms on the wire.
  const profile: NetworkProfile = { name: "test", bandwidthBitsPerSecond: 8e6, rttSeconds: 0.02 };
  const [p0, p1] = createMemoryNetwork([0, 1], { profile, timeoutMs: 1000 });
  let t0 = performance.now();
  p0.send(1, bytes(1), on("ping"));
  await p0.flush();
  await p1.recv(0, on("ping"));
  const oneWay = performance.now() - t0;
  t0 = performance.now();
  p0.send(1, new Uint8Array(10_000), on("bulk"));
  await p0.flush();
  await p1.recv(0, on("bulk"));
  const bulk = performance.now() - t0;
  assert.ok(oneWay >= 9 && oneWay < 60, `one way ${oneWay} ms`);
  assert.ok(bulk >= 19 && bulk < 80, `bulk ${bulk} ms`);
  // back-to-back batches queue behind each other on the link
  t0 = performance.now();
  for (let i = 0; i < 3; i++) {
    p0.send(1, new Uint8Array(10_000), on("queue"));
    await p0.flush();
  }
  for (let i = 0; i < 3; i++) await p1.recv(0, on("queue"));
  const queued = performance.now() - t0;
  assert.ok(queued >= 39 && queued < 120, `3 queued batches ${queued} ms`);
  await closeAll([p0, p1]);
});
