import assert from "node:assert/strict";
import type { TransportError } from "../errors.ts";
import { Ledger } from "../ledger.ts";
import { createPortMesh, PortChannel } from "../port.ts";
import type { SendMeta } from "../types.ts";

const on = (path: string): SendMeta => ({ path, phase: "online" });
const off = (path: string): SendMeta => ({ path, phase: "offline" });

function mesh(n: number, ledger = new Ledger(), timeoutMs = 5000): PortChannel[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  const ports = createPortMesh(ids);
  return ids.map((i) => new PortChannel(i, ports.get(i)!, { ledger, timeoutMs }));
}

Deno.test("port: a batch of odd-sized payloads arrives in order, 8-byte aligned, ledger as memory", async () => {
  const ledger = new Ledger();
  const [p0, p1, p2] = mesh(3, ledger);
  const a = new Uint8Array([1, 2, 3]), b = new Uint8Array(16).fill(7), c = new Uint8Array(0);
  p0.send(1, a, on("t/a"));
  p0.send(1, b, off("t/b"));
  p0.send(1, c, on("t/c"));
  p2.send(1, new Uint8Array([5]), on("t/d"));
  await Promise.all([p0.flush(), p2.flush()]);
  const got = [
    await p1.recv(0, on("t/a")),
    await p1.recv(0, off("t/b")),
    await p1.recv(0, on("t/c")),
    await p1.recv(2, on("t/d")),
  ];
  assert.deepEqual(got, [a, b, c, new Uint8Array([5])]);
  for (const g of got) assert.equal(g.byteOffset % 8, 0);
  assert.notEqual(got[0], a); // the receiver owns a copy; the sender's buffer is intact
  assert.deepEqual(a, new Uint8Array([1, 2, 3]));
  assert.equal(ledger.bytesSent(0), 19);
  assert.equal(ledger.rounds("online"), 1);
  assert.equal(p1.depth("offline"), 1);
  await Promise.all([p0.close(), p1.close(), p2.close()]);
});

Deno.test("port: a closed peer fails a pending receive as closed; abort names the reason", async () => {
  const [p0, p1, p2] = mesh(3);
  const pending = p1.recv(0, on("t/wait"));
  await p0.close();
  await assert.rejects(pending, (e: TransportError) => {
    assert.equal(e.kind, "closed");
    assert.match(e.message, /party 1: party 0 closed the link during recv at t\/wait/);
    return true;
  });
  const failures: string[] = [];
  p1.onLinkFailure((peer, f) => failures.push(`${peer}:${f.kind}`));
  const waiting = p1.recv(2, on("t/next"));
  await p2.abort("out of memory");
  await assert.rejects(waiting, /party 2 gave up \(out of memory\) during recv at t\/next/);
  assert.deepEqual(failures, ["2:lost"]);
  await p1.close();
});

Deno.test("port: a silent peer is a timeout, not a hang", async () => {
  const [p0, p1] = mesh(2, new Ledger(), 200);
  await assert.rejects(p1.recv(0, on("t/silent")), (e: TransportError) => e.kind === "timeout");
  await Promise.all([p0.close(), p1.close()]);
});
