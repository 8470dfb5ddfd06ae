import assert from "node:assert/strict";
import { RemoteSession } from "@secp/sharing/run";
import {
  loopbackDeployment,
  reap,
  spawnDeno,
  tinyBatch,
  tinyPrompts,
  tinySetup,
} from "./testdata/deploy_tiny.ts";

const tinyParty = new URL("./testdata/deploy_party.ts", import.meta.url).pathname;
const partyCli = new URL("../apps/cli/party.ts", import.meta.url).pathname;

Deno.test("deploy: a frozen peer beyond the timeout is an error for every party, not a hang", async () => {
  const config = loopbackDeployment("2pc", {
    timeoutMs: 1500,
    keepaliveMs: 300,
    connectTimeoutMs: 30_000,
  });
  const dir = await Deno.makeTempDir();
  const path = `${dir}/parties.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  const ids = [0, 1, 2, 4];
  const children = ids.map((id) => spawnDeno(tinyParty, [path, `${id}`]));
  try {
    const session = await RemoteSession.connect({
      config,
      setup: tinySetup,
      announce: { kind: "softmax" },
    });
    const { spec, inputs } = tinyBatch();
    const id = await session.prepare(spec, inputs);
    children[1].proc.kill("SIGSTOP"); // party 1 stops answering (a hung host)
    const t = performance.now();
    const err = await session.evaluate(id, tinyPrompts(2, 1, "slow")).then(
      () => new Error("no error"),
      (e) => e as Error,
    );
    const dt = performance.now() - t;
    console.log(`data owner after ${dt.toFixed(0)} ms: ${err.message}`);
    // The data owner notices party 1's silence itself, or hears why another party gave up.
    assert.match(err.message, /^party 3: .*from party 1 (for|within) 1500 ms.* during \S+ at \S+/);
    assert.ok(dt < 1500 + 2500, `${dt} ms`);
    await session.close();
    for (const i of [0, 2, 3]) {
      const r = await children[i].done;
      const line = r.stderr.trim();
      console.log(`party ${ids[i]}: exit ${r.code}: ${line}`);
      assert.notEqual(r.code, 0);
      assert.match(line, new RegExp(`^party ${ids[i]}: .*from party 1 (for|within) 1500 ms`));
    }
  } finally {
    for (const c of children) await reap(c);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deploy: port in use, unreachable host and key mismatch give one-line errors", async () => {
  const dir = await Deno.makeTempDir();
  const write = async (name: string, c: Record<string, unknown>) => {
    await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(c));
    return `${dir}/${name}`;
  };
  const run = (file: string, id: number) =>
    spawnDeno(partyCli, ["--config", file, "--id", `${id}`]);
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const children: ReturnType<typeof spawnDeno>[] = [];
  try {
    // Port in use: party 0's port is held by someone else.
    const inUse = loopbackDeployment("2pc");
    (inUse.parties as { port: number }[])[0].port = (busy.addr as Deno.NetAddr).port;
    children.push(run(await write("in-use.json", inUse), 0));
    // Unreachable host: party 4 only dials; party 0 is on a blackholed address (TEST-NET-1),
    // the others on loopback ports where nobody listens.
    const unreachable = loopbackDeployment("2pc", { connectTimeoutMs: 1000 });
    (unreachable.parties as { host: string }[])[0].host = "192.0.2.1";
    children.push(run(await write("unreachable.json", unreachable), 4));
    // Key mismatch: parties 0 and 1 hold different keys for their pair. Party 1 (the dialer)
    // fails at once; party 0 logs the rejected connection and listens on until its deadline.
    const a = loopbackDeployment("2pc", { connectTimeoutMs: 3_000 });
    const b = structuredClone(a);
    (b.keys as Record<string, string>)["0-1"] = "ab".repeat(32);
    children.push(run(await write("key-a.json", a), 0), run(await write("key-b.json", b), 1));
    const [inUseR, unreachR, keyA, keyB] = await Promise.all(children.map((c) => c.done));
    const port = (busy.addr as Deno.NetAddr).port;
    const cases: [string, typeof inUseR, RegExp][] = [
      [
        "port in use",
        inUseR,
        new RegExp(`^party 0: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use$`),
      ],
      [
        "unreachable",
        unreachR,
        /^party 4: could not connect to party \d at [\d.]+:\d+ within 1000 ms( \(last error: .*\))?$/,
      ],
      ["key mismatch (1)", keyB, /^party 1: handshake with party 0 failed: .*\(key mismatch\)$/],
    ];
    for (const [what, r, re] of cases) {
      const lines = r.stderr.trim().split("\n");
      console.log(`${what}: exit ${r.code}: ${lines.join(" | ")}`);
      assert.equal(r.code, 1, what);
      assert.equal(lines.length, 1, `${what}: one line`);
      assert.match(lines[0], re, what);
    }
    const lines = keyA.stderr.trim().split("\n");
    console.log(`key mismatch (0): exit ${keyA.code}: ${lines.join(" | ")}`);
    assert.equal(keyA.code, 1);
    assert.match(
      lines[0],
      /^party 0: dropped a connection from 127\.0\.0\.1:\d+ during the handshake: handshake with party 1 failed: .*\(key mismatch\)$/,
    );
    assert.match(
      lines.at(-1)!,
      /^party 0: parties 1, 2, 3, 4 did not connect within 3000 ms \(.*last problem: .*\(key mismatch\)\)$/,
    );
  } finally {
    busy.close();
    for (const c of children) await reap(c);
    await Deno.remove(dir, { recursive: true });
  }
});
