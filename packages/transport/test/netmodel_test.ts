import assert from "node:assert/strict";
import { Ledger } from "../ledger.ts";
import {
  getProfile,
  LAN,
  modelBreakdown,
  modelTime,
  oneWaySeconds,
  transferSeconds,
  WAN,
  WAN200,
} from "../netmodel.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

Deno.test("profiles are the paper's settings", () => {
  assert.equal(LAN.bandwidthBitsPerSecond, 3e9);
  close(LAN.rttSeconds, 0.8e-3);
  assert.equal(WAN.bandwidthBitsPerSecond, 100e6);
  close(WAN.rttSeconds, 0.08);
  assert.equal(WAN200.bandwidthBitsPerSecond, 200e6);
  close(WAN200.rttSeconds, 0.04);
  assert.equal(getProfile("wan200"), WAN200);
  assert.throws(() => getProfile("5g"), /known: lan, wan, wan200/);
  close(oneWaySeconds(WAN), 0.04);
  close(transferSeconds(12.5e6, WAN), 1);
});

Deno.test("modelTime = compute + rounds·RTT/2 + max bytes sent / bandwidth", () => {
  // 10 rounds, party 1 sends the most: 25 MB → 2 s at 100 Mbps; latency 10 × 40 ms.
  const t = { rounds: 10, bytesSent: [1e6, 25e6, 0] };
  close(modelTime(t, WAN, 1.5), 1.5 + 0.4 + 2);
  close(modelTime(t, WAN, 0, { roundLatency: "rtt" }), 0.8 + 2);
  close(modelTime({ rounds: 3, bytesSent: { 0: 3e9 / 8 } }, LAN), 3 * 0.4e-3 + 1);
  const b = modelBreakdown(t, WAN200, 0.25);
  close(b.latencySeconds, 0.2);
  close(b.transferSeconds, 1);
  close(b.totalSeconds, 1.45);
  assert.equal(b.maxBytesSent, 25e6);
});

Deno.test("modelTime reads a ledger: online by default, offline or all on request", () => {
  const l = new Ledger();
  l.record({ from: 0, to: 1, bytes: 1e6, path: "x", phase: "online", depth: 1 });
  l.record({ from: 1, to: 0, bytes: 2e6, path: "x", phase: "online", depth: 2 });
  l.record({ from: 2, to: 0, bytes: 5e6, path: "d", phase: "offline", depth: 1 });
  close(modelTime(l, WAN), 2 * 0.04 + 2e6 * 8 / 1e8);
  close(modelTime(l.summary(), WAN, 0, { phase: "offline" }), 0.04 + 5e6 * 8 / 1e8);
  close(modelTime(l, WAN, 0, { phase: "all" }), 3 * 0.04 + 5e6 * 8 / 1e8);
});
