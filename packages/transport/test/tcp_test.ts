import assert from "node:assert/strict";
import { generateKeys, type TcpConfig } from "../config.ts";
import { TransportError } from "../errors.ts";
import { encodeFrames } from "../frame.ts";
import { dialHandshake } from "../handshake.ts";
import { FrameCipher } from "../aead.ts";
import { Ledger } from "../ledger.ts";
import { createTcpNetwork } from "../loopback.ts";
import { connectTcp, type TcpChannel } from "../tcp.ts";
import type { SendMeta } from "../types.ts";

const on = (path: string): SendMeta => ({ path, phase: "online" });
const closeAll = (cs: TcpChannel[]) => Promise.all(cs.map((c) => c.close()));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

Deno.test("tcp: exchange, order, ledger and rounds between three parties on loopback", async () => {
  const ledger = new Ledger();
  const [p0, p1, p2] = await createTcpNetwork([0, 1, 2], { ledger, timeoutMs: 5000 });
  p0.send(1, new Uint8Array([1, 2, 3]), on("x"));
  p1.send(0, new Uint8Array([4]), on("x"));
  const [a, b] = await Promise.all([p0.recv(1, on("x")), p1.recv(0, on("x"))]);
  assert.deepEqual([...a], [4]);
  assert.deepEqual([...b], [1, 2, 3]);
  // a chain P0 → P1 → P2 adds two rounds
  const before = ledger.snapshot();
  p0.send(1, new Uint8Array([9]), on("chain"));
  await p0.flush();
  p1.send(2, await p1.recv(0, on("chain")), on("chain"));
  await p1.flush();
  assert.deepEqual([...await p2.recv(1, on("chain"))], [9]);
  assert.equal(ledger.since(before).rounds("online"), 2);
  // order over many messages and flushes
  const n = 2000;
  const reader = (async () => {
    for (let i = 0; i < n; i++) {
      const m = await p2.recv(0, on("seq"));
      assert.equal(new DataView(m.buffer).getUint32(0, true), i);
    }
  })();
  for (let i = 0; i < n; i++) {
    const m = new Uint8Array(4);
    new DataView(m.buffer).setUint32(0, i, true);
    p0.send(2, m, on("seq"));
    if (i % 100 === 99) await p0.flush();
  }
  await p0.flush();
  await reader;
  assert.equal(ledger.bytesSent(0), 3 + 1 + 4 * n);
  await closeAll([p0, p1, p2]);
});

Deno.test("tcp: N queued messages to one peer go out in one write", async () => {
  const [p0, p1] = await createTcpNetwork([0, 1], { timeoutMs: 5000 });
  const before = p0.wireStats(1);
  for (let i = 0; i < 500; i++) p0.send(1, new Uint8Array(64).fill(i & 255), on("batch"));
  await p0.flush();
  const after = p0.wireStats(1);
  assert.equal(after.writes - before.writes, 1);
  assert.equal(after.batches - before.batches, 1);
  assert.equal(after.framesSent - before.framesSent, 500);
  for (let i = 0; i < 500; i++) assert.equal((await p1.recv(0, on("batch")))[0], i & 255);
  // recv flushes too: one more write for the reply round
  p1.send(0, new Uint8Array(1), on("r"));
  p1.send(0, new Uint8Array(1), on("r"));
  const w = p1.wireStats(0).writes;
  const pending = p1.recv(0, on("r2"));
  await p0.recv(1, on("r"));
  await p0.recv(1, on("r"));
  assert.equal(p1.wireStats(0).writes - w, 1);
  p0.send(1, new Uint8Array(1), on("r2"));
  await p0.flush();
  await pending;
  await closeAll([p0, p1]);
});

Deno.test("tcp: round-trip time and throughput on loopback", async () => {
  const [p0, p1] = await createTcpNetwork([0, 1], { timeoutMs: 10000 });
  const rtts: number[] = [];
  const echo = (async () => {
    for (let i = 0; i < 300; i++) {
      p1.send(0, await p1.recv(0, on("ping")), on("pong"));
      await p1.flush();
    }
  })();
  const msg = new Uint8Array(8);
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    p0.send(1, msg, on("ping"));
    await p0.recv(1, on("pong"));
    rtts.push(performance.now() - t);
  }
  await echo;
  const big = new Uint8Array(32 << 20);
  for (let i = 0; i < big.length; i += 4096) big[i] = i >> 12;
  const t = performance.now();
  p0.send(1, big, on("bulk"));
  const [got] = await Promise.all([p1.recv(0, on("bulk")), p0.flush()]);
  const secs = (performance.now() - t) / 1000;
  assert.equal(got.length, big.length);
  assert.equal(got[4096 * 77], 77);
  const many = performance.now();
  for (let i = 0; i < 10000; i++) p0.send(1, msg, on("many"));
  await p0.flush();
  for (let i = 0; i < 10000; i++) await p1.recv(0, on("many"));
  const manyMs = performance.now() - many;
  console.log(
    `loopback RTT median ${(median(rtts) * 1000).toFixed(0)} µs; one 32 MiB message ` +
      `${(big.length / secs / 1e6).toFixed(0)} MB/s (incl. encryption both sides); ` +
      `10k × 8 B messages in one batch: ${manyMs.toFixed(1)} ms`,
  );
  await closeAll([p0, p1]);
});

Deno.test("tcp: a silent peer times out with an error naming peer and path", async () => {
  const [p0, p1] = await createTcpNetwork([0, 1], { timeoutMs: 250 });
  const t = performance.now();
  const e = await p0.recv(1, on("layer0/attn/cos")).catch((e) => e);
  assert.ok(e instanceof TransportError);
  assert.match(
    e.message,
    /^party 0: no message from party 1 within 250 ms during recv at layer0\/attn\/cos$/,
  );
  assert.ok(performance.now() - t < 1000);
  await closeAll([p0, p1]);
});

Deno.test("tcp: a closed peer: close notice, then errors name it", async () => {
  const [p0, p1] = await createTcpNetwork([0, 1], { timeoutMs: 5000 });
  p1.send(0, new Uint8Array([5]), on("bye"));
  await p1.close();
  assert.deepEqual([...await p0.recv(1, on("bye"))], [5]);
  await assert.rejects(
    p0.recv(1, on("after")),
    /^TransportError: party 0: party 1 closed the link during recv at after$/,
  );
  p0.send(1, new Uint8Array(1), on("to/closed"));
  await assert.rejects(p0.flush(), /party 0: party 1 closed the link during send at to\/closed/);
  await p0.close();
});

function twoPartyConfig(port: number, key: string, timeoutMs = 3000): TcpConfig {
  return {
    parties: [{ id: 0, host: "127.0.0.1", port }, { id: 1, host: "127.0.0.1", port: 1 }],
    keys: { "0-1": key },
    timeoutMs,
    maxFrameBytes: 1 << 20,
  };
}

Deno.test("tcp: a wrong key fails the dialer at once; the listener logs it and keeps listening", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const t = performance.now();
  const lines: string[] = [];
  const p0 = connectTcp(twoPartyConfig(port, generateKeys([0, 1])["0-1"], 1500), 0, {
    listener,
    log: (l) => lines.push(l),
  });
  const e1 = await connectTcp(twoPartyConfig(port, generateKeys([0, 1])["0-1"]), 1).catch((e) => e);
  const dialerMs = performance.now() - t;
  assert.ok(dialerMs < 1000, `the dialer failed after ${dialerMs} ms`);
  assert.match(
    e1.message,
    /^party 1: handshake with party 0 failed: .*pair key 0-1 \(key mismatch\)$/,
  );
  assert.equal(e1.kind, "auth");
  const e0 = await p0.catch((e) => e);
  assert.ok(performance.now() - t >= 1400, "the listener waited for its deadline");
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /^party 0: dropped a connection from 127\.0\.0\.1:\d+ during the handshake: handshake with party 1 failed: .*\(key mismatch\)$/,
  );
  assert.match(
    e0.message,
    /^party 0: party 1 did not connect within 1500 ms \(listening on 127\.0\.0\.1:\d+; last problem: 127\.0\.0\.1:\d+: handshake with party 1 failed: .*\(key mismatch\)\)$/,
  );
});

Deno.test("tcp: setup errors: unknown id, port in use, nobody listening", async () => {
  const key = generateKeys([0, 1])["0-1"];
  await assert.rejects(
    connectTcp(twoPartyConfig(1, key), 7),
    /unknown party id 7 \(the config has 0, 1\)/,
  );
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  await assert.rejects(
    connectTcp(twoPartyConfig(port, key), 0),
    new RegExp(`party 0: cannot listen on 127.0.0.1:${port}: address already in use`),
  );
  busy.close(); // now nothing listens there
  const t = performance.now();
  const e = await connectTcp(twoPartyConfig(port, key, 300), 1).catch((e) => e);
  const dt = performance.now() - t;
  assert.match(
    e.message,
    new RegExp(
      `^party 1: could not connect to party 0 at 127.0.0.1:${port} within 300 ms \\(last error: .*refused`,
      "i",
    ),
  );
  assert.ok(dt >= 290 && dt < 1500, `gave up after ${dt} ms`);
  // a listener whose peer never comes
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(
    connectTcp(twoPartyConfig((l.addr as Deno.NetAddr).port, key, 200), 0, { listener: l }),
    /party 0: party 1 did not connect within 200 ms \(listening on 127.0.0.1:\d+\)/,
  );
});

/** Party 0 is a real channel; party 1 is driven by hand to send crafted frames. */
async function rawPeer(timeoutMs = 3000) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const key = generateKeys([0, 1])["0-1"];
  const cfg = twoPartyConfig(port, key, timeoutMs);
  const p0Promise = connectTcp(cfg, 0, { listener });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const keyBytes = new Uint8Array(key.match(/../g)!.map((h) => parseInt(h, 16)));
  const keys = await dialHandshake(conn, 1, 0, keyBytes);
  const p0 = await p0Promise;
  const cipher = new FrameCipher(keys.send);
  const frame = async (seq: number, bytes: number[]) =>
    (await encodeFrames(
      [{ payload: new Uint8Array(bytes), depth: 1, phase: "online" }],
      seq,
      cipher,
    ))[0];
  return { p0, conn, frame };
}

Deno.test("tcp: tampered, replayed and reordered frames on a live link are errors, not data", async () => {
  for (const attack of ["tamper", "replay", "reorder", "truncate", "drop"] as const) {
    const { p0, conn, frame } = await rawPeer();
    const f0 = await frame(0, [1, 2, 3]);
    const f1 = await frame(1, [4, 5, 6]);
    if (attack === "tamper") f1[20] ^= 0x40;
    const wire = attack === "replay"
      ? [f0, f0]
      : attack === "reorder"
      ? [f1, f0]
      : attack === "truncate"
      ? [f0, f1.subarray(0, 30)]
      : attack === "tamper"
      ? [f0, f1]
      : [f0];
    for (const w of wire) await conn.write(w);
    if (attack === "truncate" || attack === "drop") conn.close();
    const first = await p0.recv(1, on("m0")).catch((e) => e);
    if (attack === "reorder") {
      assert.match(
        first.message,
        /party 0: frame from party 1 replayed or out of order \(sequence 1, expected 0\) during recv at m0/,
      );
    } else {
      assert.deepEqual([...first], [1, 2, 3]);
      const expected = {
        tamper:
          /party 0: frame from party 1 failed authentication \(tampered or corrupted\) during recv at m1/,
        replay: /replayed or out of order \(sequence 0, expected 1\) during recv at m1/,
        truncate:
          /connection to party 1 ended in the middle of a frame \(truncated\) during recv at m1/,
        drop: /^TransportError: party 0: lost connection to party 1 during recv at m1$/,
      }[attack];
      await assert.rejects(p0.recv(1, on("m1")), expected);
    }
    await p0.close();
    if (attack !== "truncate" && attack !== "drop") conn.close();
  }
});

Deno.test("tcp: optional TLS (certificate made with openssl)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const openssl = async (...args: string[]) =>
      (await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "null" })
        .output().catch(() => undefined))?.success === true;
    await Deno.writeTextFile(
      `${dir}/leaf.ext`,
      "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    const ok = await openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    ) &&
      await openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
      ) &&
      await openssl(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
      );
    // The CI script installs openssl (Debian package) when missing; its absence is a failure here.
    assert.ok(
      ok,
      "openssl could not make the test certificates (is the openssl package installed?)",
    );
    const tls = { ca: `${dir}/ca.pem`, cert: `${dir}/cert.pem`, key: `${dir}/key.pem` };
    const [p0, p1, p2] = await createTcpNetwork([0, 1, 2], { tls, timeoutMs: 5000 });
    const rtts: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      p0.send(1, new Uint8Array([i]), on("tls"));
      await p0.flush();
      p1.send(0, await p1.recv(0, on("tls")), on("tls"));
      await p1.flush();
      assert.deepEqual([...await p0.recv(1, on("tls"))], [i]);
      rtts.push(performance.now() - t0);
    }
    p2.send(0, new Uint8Array(100_000), on("tls/big"));
    await p2.flush();
    assert.equal((await p0.recv(2, on("tls/big"))).length, 100_000);
    console.log(`TLS loopback RTT median ${(median(rtts) * 1000).toFixed(0)} µs`);
    await closeAll([p0, p1, p2]);
    // a certificate the connecting side does not trust fails the setup
    await assert.rejects(
      createTcpNetwork([0, 1], { tls: { ...tls, ca: undefined }, timeoutMs: 500 }),
      /party 1: TLS handshake with party 0 at 127.0.0.1:\d+ failed: .*(certificate|issuer)/i,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
