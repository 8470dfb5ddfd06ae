import assert from "node:assert/strict";
import { fuzzChildTarget } from "./fuzz.ts";

Deno.test("fuzz: 10 000 hostile frames against a listening party process are rejected cleanly", async () => {
  const run = await fuzzChildTarget({ frames: 10_000, seed: 8 });
  const { attacker: a, target: t } = run;
  console.log(
    `${a.hostileFrames} hostile frames + ${a.handshakeAttacks} handshake attacks in ${
      a.ms.toFixed(0)
    } ms: ${a.dropped} connections dropped, ${a.hangs} hangs; target peak RSS ${
      ((t?.peakRss ?? 0) / 2 ** 20).toFixed(0)
    } MiB (start ${((t?.startRss ?? 0) / 2 ** 20).toFixed(0)} MiB); cases ${
      JSON.stringify(a.byCase)
    }`,
  );
  console.log(`target: ${JSON.stringify({ ...t, unexpected: t?.unexpected.length })}`);
  assert.ok(a.hostileFrames >= 10_000);
  assert.deepEqual(a.errors, []);
  assert.equal(a.hangs, 0, "every hostile connection was dropped in time");
  assert.equal(a.dropped, a.hostileFrames + a.handshakeAttacks);
  assert.equal(run.targetExit, 0, "the target survived and stopped cleanly");
  assert.ok(t !== undefined);
  assert.deepEqual(t.unexpected, []);
  const linkDrops = Object.values(t.linksDropped).reduce((s, n) => s + (n ?? 0), 0);
  const hsDrops = Object.values(t.handshakeRejected).reduce((s, n) => s + (n ?? 0), 0);
  assert.equal(linkDrops, a.hostileFrames, "each hostile frame ended its link");
  // rejected for what they are: forged (auth), malformed (protocol), stalled (timeout)
  for (const k of Object.keys(t.linksDropped)) {
    assert.ok(["auth", "protocol", "timeout"].includes(k), k);
  }
  assert.equal(t.linksDropped.timeout ?? 0, a.byCase.stall ?? 0);
  assert.equal(t.linksDropped.auth, a.byCase.forged);
  assert.equal(hsDrops, a.handshakeAttacks);
  assert.equal(t.accepted, a.hostileFrames + a.handshakeAttacks + 1);
  assert.equal(
    t.delivered,
    a.validFrames + 1,
    "valid frames before the hostile one were delivered",
  );
  assert.ok(run.logLines >= linkDrops + hsDrops, "the party logged every dropped connection");
  assert.match(run.lastLog, /^party 0: dropped /);
  assert.ok(t.peakRss - t.startRss < 256 * 2 ** 20, "memory stayed bounded");
});
