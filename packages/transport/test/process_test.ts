import assert from "node:assert/strict";
import { generateKeys, type TcpConfig } from "../config.ts";
import { TransportError } from "../errors.ts";
import { Ledger } from "../ledger.ts";
import { connectTcp } from "../tcp.ts";

const script = new URL("./testdata/party.ts", import.meta.url).pathname;

/** Party 0 here, party 1 in a child process running testdata/party.ts in `mode`. */
async function withChild(mode: "echo" | "hang", timeoutMs: number, keepaliveMs?: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const config: TcpConfig = {
    parties: [
      { id: 0, host: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port },
      { id: 1, host: "127.0.0.1", port: 1 },
    ],
    keys: generateKeys([0, 1]),
    timeoutMs,
    maxFrameBytes: 1 << 26,
    ...(keepaliveMs ? { keepaliveMs } : {}),
  };
  const dir = await Deno.makeTempDir();
  const path = `${dir}/config.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", script, path, "1", mode],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const ledger = new Ledger();
  try {
    const ch = await connectTcp(config, 0, { listener, ledger });
    return { ch, child, output, ledger, cleanup: () => Deno.remove(dir, { recursive: true }) };
  } catch (e) {
    child.kill("SIGKILL");
    await output;
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
}

Deno.test("two processes: echo over TCP, ledgers merge into the global view", async () => {
  const { ch, output, ledger, cleanup } = await withChild("echo", 10_000);
  const rtts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    ch.send(1, new Uint8Array([i & 255, 7]), { path: "ping", phase: "online" });
    const m = await ch.recv(1, { path: "pong", phase: "online" });
    rtts.push(performance.now() - t);
    assert.deepEqual([...m], [(i + 1) & 255, 8]);
  }
  const big = new Uint8Array(16 << 20).fill(41);
  let bigSecs = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    ch.send(1, big, { path: "big", phase: "online" });
    const back = await ch.recv(1, { path: "big", phase: "online" });
    bigSecs = Math.min(bigSecs, (performance.now() - t) / 1000);
    assert.equal(back.length, big.length);
    assert.equal(back[12345], 42);
  }
  ch.send(1, new Uint8Array(0), { path: "stop", phase: "online" });
  await ch.close();
  const out = await output;
  await cleanup();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const theirs = Ledger.fromJSON(JSON.parse(new TextDecoder().decode(out.stdout)));
  const global = ledger.snapshot().merge(theirs);
  assert.equal(global.messagesSent(0), 204);
  assert.equal(global.messagesSent(1), 203);
  assert.equal(global.bytesSent(1), 400 + 3 * (16 << 20));
  assert.equal(global.rounds("online"), 2 * 203 + 1);
  const t = rtts.sort((a, b) => a - b)[100];
  console.log(
    `2 processes: RTT median ${(t * 1000).toFixed(0)} µs; 16 MiB there and back ` +
      `${((2 * big.length) / bigSecs / 1e6).toFixed(0)} MB/s (best of 3, incl. the echo loop)`,
  );
});

Deno.test("two processes: a killed peer fails the pending receive promptly", async () => {
  const { ch, child, output, cleanup } = await withChild("hang", 5_000);
  const pending = ch.recv(1, { path: "layer3/ffn/gelu", phase: "online" });
  const t = performance.now();
  child.kill("SIGKILL");
  const e = await pending.catch((e) => e);
  const dt = performance.now() - t;
  assert.ok(e instanceof TransportError);
  assert.equal(e.kind, "lost");
  assert.match(
    e.message,
    /^party 0: lost connection to party 1 .*during recv at layer3\/ffn\/gelu$/,
  );
  assert.ok(dt < 2000, `noticed after ${dt} ms`);
  console.log(`killed peer noticed after ${dt.toFixed(0)} ms (timeout 5000 ms)`);
  await ch.close();
  await output;
  await cleanup();
});

Deno.test("two processes: with keepalive, a frozen peer is noticed without a pending receive", async () => {
  const { ch, child, output, cleanup } = await withChild("hang", 600, 100);
  const failures: string[] = [];
  ch.onLinkFailure((peer, f) => failures.push(`${peer} ${f.kind}: ${f.reason}`));
  // alive and idle for longer than the timeout: the pings keep the link up
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(failures, []);
  child.kill("SIGSTOP");
  const t = performance.now();
  while (failures.length === 0 && performance.now() - t < 5000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const dt = performance.now() - t;
  child.kill("SIGKILL");
  assert.deepEqual(failures, ["1 timeout: no sign of life from party 1 for 600 ms"]);
  assert.ok(dt < 2000, `noticed after ${dt} ms`);
  await assert.rejects(
    ch.recv(1, { path: "after", phase: "online" }),
    /^TransportError: party 0: no sign of life from party 1 for 600 ms during recv at after$/,
  );
  await ch.close();
  await output;
  await cleanup();
});
