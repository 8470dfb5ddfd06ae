/**
 * Run with `--v8-flags=--expose-gc`: receives 40 payloads of 25 MB through a watched session
 * channel and drops each, then collects garbage and prints the external memory still held (MB).
 * A channel that keeps what it received (e.g. by racing every receive against one long-lived
 * promise) holds all 1000 MB.
 */
import { createPortMesh, Ledger, PortChannel } from "@secp/transport";
import { SessionChannel } from "@secp/sharing/run";

const ports = createPortMesh([0, 1]);
const [a, b] = [0, 1].map((i) => new PortChannel(i, ports.get(i)!, { ledger: new Ledger() }));
const receiver = new SessionChannel(b);
const meta = { path: "memory/test", phase: "online" } as const;
for (let i = 0; i < 40; i++) {
  a.send(1, new Uint8Array(25e6).fill(i), meta);
  await a.flush();
  const got = await receiver.recv(0, meta);
  if (got[0] !== i) throw new Error(`payload ${i} wrong`);
}
const gc = (globalThis as { gc?: () => void }).gc!;
for (let i = 0; i < 3; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 100));
}
console.log(Math.round(Deno.memoryUsage().external / 1e6));
await Promise.all([a.close(), receiver.close()]);
