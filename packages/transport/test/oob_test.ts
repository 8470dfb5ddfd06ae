import assert from "node:assert/strict";
import { Ledger } from "../ledger.ts";
import { createMemoryNetwork } from "../memory.ts";
import { createTcpNetwork } from "../loopback.ts";

Deno.test("out-of-band messages: delivered in order, never in the ledger, no round", async () => {
  const ledger = new Ledger();
  const [a, b] = createMemoryNetwork([0, 1], { ledger });
  const data = { path: "x", phase: "online" } as const;
  const oob = { path: "control/report", phase: "online", oob: true } as const;
  a.send(1, new Uint8Array([1]), data);
  a.send(1, new Uint8Array([2, 2]), oob);
  await a.flush();
  assert.deepEqual([...await b.recv(0, data)], [1]);
  assert.deepEqual([...await b.recv(0, oob)], [2, 2]);
  b.send(0, new Uint8Array([3]), oob);
  await b.flush();
  await a.recv(1, oob);
  assert.equal(a.depth("online"), 0, "the oob reply carried no depth");
  assert.equal(b.depth("online"), 1);
  assert.deepEqual(ledger.entries().map((e) => e.path), ["x"]);
  assert.equal(ledger.rounds("online"), 1);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("onLinkFailure: every peer's failure is reported, pending receive or not", async () => {
  const [p0, p1, p2] = await createTcpNetwork([0, 1, 2], { timeoutMs: 5000 });
  const seen: string[] = [];
  const off = p0.onLinkFailure((peer, f) => seen.push(`${peer}:${f.kind}`));
  await p2.close();
  const t = performance.now();
  while (seen.length === 0 && performance.now() - t < 2000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(seen, ["2:closed"]);
  off();
  await p1.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen, ["2:closed"], "unsubscribed");
  await p0.close();
});
