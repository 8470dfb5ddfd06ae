/**
 * Hostile-input self test of the TCP transport. {@link serveFuzzTarget} is a listening party that
 * accepts any number of connections from one peer id and runs each through the production code
 * path (the handshake of `handshake.ts`, then a `TcpLink` with its verifying `FrameReader`),
 * logging and dropping every connection that misbehaves. {@link fuzzFrames} attacks it over real
 * sockets with malformed, truncated, oversized, replayed, reordered, tag-forged and wrongly coded
 * frames (after a handshake with the right key, as an attacker who can inject into a live link),
 * and with garbage and forged handshakes (as an attacker without the key), and checks that every
 * connection is dropped within a deadline.
 *
 * One hostile frame per connection: the first bad frame ends a link by design (a link that lost
 * sync or integrity cannot be trusted again), so N hostile frames take N connections.
 *
 * @module
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { describe, type LinkFailure, TransportError, type TransportErrorKind } from "../errors.ts";
import { encodeFrames, type FrameOut, HEADER_BYTES } from "../frame.ts";
import { acceptHandshake, dialHandshake, Status } from "../handshake.ts";
import { closeQuietly, Guard } from "../io.ts";
import { TcpLink } from "../link.ts";
import { AEAD_TAG_BYTES as TAG_BYTES, FrameCipher } from "../aead.ts";
import type { PartyId } from "../types.ts";

/** The kinds of hostile input {@link fuzzFrames} sends. */
export type FuzzCase =
  | "garbage"
  | "truncated"
  | "oversized"
  | "replayed"
  | "reordered"
  | "forged"
  | "badcode"
  | "stall"
  | "handshake-garbage"
  | "handshake-forged";

/** Cases that send a hostile frame over an authenticated link (the others attack the handshake). */
export const FRAME_CASES: readonly FuzzCase[] = [
  "garbage",
  "truncated",
  "oversized",
  "replayed",
  "reordered",
  "forged",
  "badcode",
  "stall",
];

/** Options of {@link serveFuzzTarget}. */
export interface FuzzTargetOptions {
  /** Where to accept connections. */
  listener: Deno.Listener;
  /** This party's id. */
  self: PartyId;
  /** The only peer id allowed to connect. */
  peer: PartyId;
  /** The pair key. */
  key: Uint8Array;
  /** Frame limit (default 1 GiB, as in production). */
  maxFrameBytes?: number;
  /** Handshake deadline and link silence limit in ms (default 2000). */
  timeoutMs?: number;
  /** Keepalive of the links (default `timeoutMs / 4`): silent connections are dropped. */
  keepaliveMs?: number;
  /** One line per dropped connection (default: nothing). */
  log?: (line: string) => void;
}

/** What a fuzz target saw. */
export interface FuzzTargetReport {
  /** Connections accepted (the final clean one included). */
  accepted: number;
  /** Connections dropped during the handshake, by error kind. */
  handshakeRejected: Partial<Record<TransportErrorKind, number>>;
  /** Authenticated links dropped, by failure kind. */
  linksDropped: Partial<Record<TransportErrorKind, number>>;
  /** Valid frames delivered (the ones sent before each hostile frame). */
  delivered: number;
  /** Errors that were not a clean rejection (must be 0). */
  unexpected: string[];
  /** Largest resident set size sampled during the run, in bytes. */
  peakRss: number;
  /** Resident set size at the start, in bytes. */
  startRss: number;
}

const STOP = new TextEncoder().encode("fuzz: stop");

/** The kind of a handshake failure; `undefined` for anything that is not a clean rejection. */
function classify(e: unknown, timedOut: boolean): TransportErrorKind | undefined {
  if (timedOut) return "timeout";
  if (e instanceof TransportError) return e.kind;
  if (
    e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.UnexpectedEof
  ) return "lost";
  return undefined;
}

const bump = (m: Partial<Record<TransportErrorKind, number>>, k: TransportErrorKind) => {
  m[k] = (m[k] ?? 0) + 1;
};

/**
 * Serve hostile connections until an authenticated peer sends the stop message; every failed
 * handshake or link is logged and its connection dropped, and the listener keeps accepting.
 */
export async function serveFuzzTarget(opts: FuzzTargetOptions): Promise<FuzzTargetReport> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const keepaliveMs = opts.keepaliveMs ?? Math.max(1, Math.floor(timeoutMs / 4));
  const maxFrameBytes = opts.maxFrameBytes ?? 2 ** 30;
  const log = opts.log ?? (() => {});
  const report: FuzzTargetReport = {
    accepted: 0,
    handshakeRejected: {},
    linksDropped: {},
    delivered: 0,
    unexpected: [],
    peakRss: Deno.memoryUsage().rss,
    startRss: Deno.memoryUsage().rss,
  };
  const sampler = setInterval(() => {
    report.peakRss = Math.max(report.peakRss, Deno.memoryUsage().rss);
  }, 20);
  let stopped = false;
  const links = new Set<TcpLink>();
  const pending = new Set<Promise<void>>();
  const serve = async (conn: Deno.Conn) => {
    const guard = new Guard(conn, timeoutMs);
    let keys;
    try {
      keys = (await acceptHandshake(
        conn,
        opts.self,
        (p) => (p === opts.peer ? opts.key : Status.unknownParty),
      )).keys;
    } catch (e) {
      closeQuietly(conn);
      const kind = classify(e, guard.fired !== undefined);
      if (kind === undefined) report.unexpected.push(`handshake: ${describe(e)}`);
      else bump(report.handshakeRejected, kind);
      log(`party ${opts.self}: dropped a connection during the handshake: ${describe(e)}`);
      return;
    } finally {
      guard.dispose();
    }
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const onFail = (f: LinkFailure) => {
      bump(report.linksDropped, f.kind);
      log(`party ${opts.self}: dropped the link from party ${opts.peer}: ${f.reason}`);
      done();
    };
    const link = new TcpLink(opts.self, opts.peer, conn, keys, maxFrameBytes, timeoutMs, {
      deliver: (m) => {
        report.delivered++;
        if (m.payload.length === STOP.length && m.payload.every((b, i) => b === STOP[i])) {
          stopped = true;
          closeQuietly(opts.listener);
          done();
        }
      },
      touch: () => {},
      fail: onFail,
    }, keepaliveMs);
    links.add(link);
    await finished;
    links.delete(link);
    await link.close();
  };
  try {
    while (!stopped) {
      let conn: Deno.Conn;
      try {
        conn = await opts.listener.accept();
      } catch (e) {
        if (!stopped) report.unexpected.push(`accept: ${describe(e)}`);
        break;
      }
      report.accepted++;
      const p: Promise<void> = serve(conn).catch((e) => {
        report.unexpected.push(`serve: ${describe(e)}`);
      }).finally(() => pending.delete(p));
      pending.add(p);
    }
    await Promise.all(pending);
  } finally {
    clearInterval(sampler);
    for (const l of links) await l.close();
  }
  report.peakRss = Math.max(report.peakRss, Deno.memoryUsage().rss);
  return report;
}

/** Where {@link fuzzFrames} attacks. */
export interface FuzzTarget {
  /** Host of the target. */
  host: string;
  /** Port of the target. */
  port: number;
  /** The target's party id. */
  target: PartyId;
  /** The peer id the attacker claims (the one the target expects). */
  peer: PartyId;
  /** The pair key (used for the authenticated cases). */
  key: Uint8Array;
}

/** Options of {@link fuzzFrames}. */
export interface FuzzOptions {
  /** Hostile frames to send over authenticated links (one connection each; default 10 000). */
  frames?: number;
  /** Extra connections that attack the handshake instead (default 5% of `frames`). */
  handshakes?: number;
  /** Connections in flight (default 32). */
  concurrency?: number;
  /** The target's frame limit (to craft lengths just over it; default 1 GiB). */
  maxFrameBytes?: number;
  /** A connection not dropped by the target within this many ms counts as a hang (default 5000). */
  dropWithinMs?: number;
  /** Seed of the case generator (default 1). */
  seed?: number;
  /** Fraction of `stall` cases (silent after a partial frame; cost the target's timeout each). */
  stallRate?: number;
}

/** What {@link fuzzFrames} did and observed. */
export interface FuzzReport {
  /** Hostile frames sent over authenticated links. */
  hostileFrames: number;
  /** Valid frames sent before them. */
  validFrames: number;
  /** Handshake attacks. */
  handshakeAttacks: number;
  /** Connections by case. */
  byCase: Partial<Record<FuzzCase, number>>;
  /** Connections the target dropped within the deadline. */
  dropped: number;
  /** Connections still open at the deadline (must be 0). */
  hangs: number;
  /** Attacker-side errors that were not the expected drop (must be 0). */
  errors: string[];
  /** Wall time in ms. */
  ms: number;
}

/** Small seeded PRNG (mulberry32) so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const concat = (parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

/** A raw frame header (for hand-made frames). */
function header(len: number, seq: number, depth: number, code: number): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  const v = new DataView(h.buffer);
  v.setUint32(0, len >>> 0, true);
  v.setUint32(4, seq >>> 0, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, depth, true);
  v.setUint8(16, code);
  return h;
}

/** The bytes one attack writes, and whether it then ends its side of the stream. */
interface Attack {
  bytes: Uint8Array;
  valid: number;
  closeWrite: boolean;
}

async function frameAttack(
  c: FuzzCase,
  cipher: FrameCipher,
  rnd: () => number,
  max: number,
): Promise<Attack> {
  const ri = (n: number) => Math.floor(rnd() * n);
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => ri(256));
  const valid = ri(4);
  const good: FrameOut[] = Array.from({ length: valid + 1 }, (_, i) => ({
    payload: randomBytes(ri(64)),
    depth: i + 1,
    phase: rnd() < 0.5 ? "online" : "offline",
  }));
  const enc = async (frames: FrameOut[], seq: number) =>
    concat(await encodeFrames(frames, seq, cipher));
  const prefix = await enc(good.slice(0, valid), 0);
  const next = await enc([good[valid]], valid); // a correct frame with the next sequence number
  let bad: Uint8Array;
  let closeWrite = false;
  let extra = 0; // valid frames inside `bad`
  switch (c) {
    case "garbage":
      bad = randomBytes(1 + ri(200));
      closeWrite = true;
      break;
    case "truncated":
      if (rnd() < 0.5) bad = next.subarray(0, 1 + ri(next.length - 1));
      else {
        // announce a large payload (up to the limit), deliver a little, end the stream
        const len = Math.min(max, (1 << 20) + ri(max));
        bad = concat([header(len, valid, 1, 0), randomBytes(ri(4096))]);
      }
      closeWrite = true;
      break;
    case "oversized":
      bad = concat([header(max + 1 + ri(2 ** 32 - 1 - max), valid, 1, 0), randomBytes(ri(64))]);
      break;
    case "replayed":
      // a frame the target already accepted, byte for byte (its tag is valid)
      if (valid > 0) {
        const seq = ri(valid);
        bad = await enc([good[seq]], seq);
      } else {
        bad = concat([next, next]);
        extra = 1;
      }
      break;
    case "reordered":
      bad = await enc([good[valid]], valid + 1 + ri(1000));
      break;
    case "forged": {
      bad = next.slice();
      if (rnd() < 0.5) bad.set(randomBytes(TAG_BYTES), bad.length - TAG_BYTES);
      else {
        // flip one bit outside the length field (a forged length is the oversized case)
        const pos = 4 + ri(bad.length - 4);
        bad[pos] ^= 1 << ri(8);
      }
      break;
    }
    case "badcode": {
      const code = 2 + ri(251); // 2..252: neither data nor abort, ping or close notice
      const payload = randomBytes(ri(32));
      const h = header(payload.length, valid, 1, code);
      bad = concat([h, await cipher.seal(h, payload, valid)]);
      break;
    }
    case "stall":
      bad = concat([header(max, valid, 1, 0), randomBytes(ri(1024))]);
      break;
    default:
      throw new Error(`not a frame case: ${c}`);
  }
  return { bytes: concat([prefix, bad]), valid: valid + extra, closeWrite };
}

/** Read and discard until the peer closes; false if `ms` pass first. */
async function drained(conn: Deno.Conn, ms: number): Promise<boolean> {
  const buf = new Uint8Array(4096);
  const guard = new Guard(conn, ms);
  try {
    while ((await conn.read(buf)) !== null) { /* pings, handshake replies */ }
    return true;
  } catch {
    return guard.fired === undefined; // reset by the target: dropped as well
  } finally {
    guard.dispose();
  }
}

/**
 * Attack `target` with `frames` hostile frames (one authenticated connection each) plus
 * `handshakes` handshake attacks, `concurrency` connections at a time, and count how many
 * connections the target dropped within `dropWithinMs`. Ends by sending the stop message over
 * a clean connection, so a {@link serveFuzzTarget} returns its report.
 */
export async function fuzzFrames(target: FuzzTarget, opts: FuzzOptions = {}): Promise<FuzzReport> {
  const frames = opts.frames ?? 10_000;
  const handshakes = opts.handshakes ?? Math.ceil(frames / 20);
  const concurrency = opts.concurrency ?? 32;
  const max = opts.maxFrameBytes ?? 2 ** 30;
  const dropWithinMs = opts.dropWithinMs ?? 5000;
  const stallRate = opts.stallRate ?? 0.002;
  const rnd = prng(opts.seed ?? 1);
  const report: FuzzReport = {
    hostileFrames: 0,
    validFrames: 0,
    handshakeAttacks: 0,
    byCase: {},
    dropped: 0,
    hangs: 0,
    errors: [],
    ms: 0,
  };
  const cases: FuzzCase[] = [];
  const plain = FRAME_CASES.filter((c) => c !== "stall");
  for (let i = 0; i < frames; i++) {
    cases.push(rnd() < stallRate ? "stall" : plain[Math.floor(rnd() * plain.length)]);
  }
  for (let i = 0; i < handshakes; i++) {
    cases.push(rnd() < 0.5 ? "handshake-garbage" : "handshake-forged");
  }
  for (let i = cases.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [cases[i], cases[j]] = [cases[j], cases[i]];
  }
  const t0 = performance.now();
  const one = async (c: FuzzCase, seed: number) => {
    const r = prng(seed);
    const conn = await Deno.connect({ hostname: target.host, port: target.port });
    conn.setNoDelay(true);
    try {
      if (c === "handshake-garbage" || c === "handshake-forged") {
        let bytes: Uint8Array;
        if (c === "handshake-garbage") {
          bytes = Uint8Array.from({ length: 1 + Math.floor(r() * 100) }, () => r() * 256);
        } else {
          // a well-formed hello, then a proof made without the key
          const hello = new Uint8Array(48);
          hello.set(new TextEncoder().encode("SECPTRv2"));
          const v = new DataView(hello.buffer);
          v.setUint32(8, target.peer, true);
          v.setUint32(12, target.target, true);
          hello.set(crypto.getRandomValues(new Uint8Array(32)), 16);
          bytes = concat([hello, crypto.getRandomValues(new Uint8Array(32))]);
        }
        await conn.write(bytes).catch(() => 0);
        if (c === "handshake-garbage") await conn.closeWrite().catch(() => {});
        report.handshakeAttacks++;
      } else {
        const keys = await dialHandshake(conn, target.peer, target.target, target.key);
        const a = await frameAttack(c, new FrameCipher(keys.send), r, max);
        let off = 0;
        try {
          while (off < a.bytes.length) off += await conn.write(a.bytes.subarray(off));
          if (a.closeWrite) await conn.closeWrite();
        } catch {
          // the target may drop the link before everything is written
        }
        report.hostileFrames++;
        report.validFrames += a.valid;
      }
      report.byCase[c] = (report.byCase[c] ?? 0) + 1;
      if (await drained(conn, dropWithinMs)) report.dropped++;
      else report.hangs++;
    } catch (e) {
      report.errors.push(`${c}: ${describe(e)}`);
    } finally {
      closeQuietly(conn);
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const i = next++;
        await one(cases[i], (opts.seed ?? 1) * 1_000_003 + i);
      }
    }),
  );
  // a clean connection stops the target
  const conn = await Deno.connect({ hostname: target.host, port: target.port });
  try {
    const keys = await dialHandshake(conn, target.peer, target.target, target.key);
    const stop = concat(
      await encodeFrames(
        [{ payload: STOP, depth: 1, phase: "online" }],
        0,
        new FrameCipher(keys.send),
      ),
    );
    await conn.write(stop);
    await drained(conn, dropWithinMs);
  } finally {
    closeQuietly(conn);
  }
  report.ms = performance.now() - t0;
  return report;
}

/** Result of {@link fuzzChildTarget}. */
export interface FuzzRun {
  /** What the attacker sent and saw. */
  attacker: FuzzReport;
  /** What the target process reported (`undefined` if it printed no report). */
  target: FuzzTargetReport | undefined;
  /** Exit code of the target process (0: it survived and stopped cleanly). */
  targetExit: number;
  /** Lines the target logged (one per dropped connection). */
  logLines: number;
  /** The target's last log line, e.g. `party 0: dropped the link from party 1: ...`. */
  lastLog: string;
}

/**
 * Start a fuzz target in a child process (this module run as a program), attack it with
 * {@link fuzzFrames} and collect both reports. The target's links use a 1 s timeout, so `stall`
 * cases cost about a second each.
 */
export async function fuzzChildTarget(opts: FuzzOptions = {}): Promise<FuzzRun> {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const hex = Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
  const max = opts.maxFrameBytes ?? 2 ** 30;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", import.meta.url, hex, String(max)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let logLines = 0;
  let lastLog = "";
  const stderrDone = (async () => {
    let rest = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const l of parts) {
        if (l === "") continue;
        logLines++;
        lastLog = l;
      }
    }
  })();
  try {
    while (!out.includes("\n")) {
      const r = await lines.read();
      if (r.done) throw new Error("fuzz target exited before listening");
      out += r.value;
    }
    const { port } = JSON.parse(out.slice(0, out.indexOf("\n")));
    out = out.slice(out.indexOf("\n") + 1);
    const attacker = await fuzzFrames(
      { host: "127.0.0.1", port, target: 0, peer: 1, key },
      { ...opts, maxFrameBytes: max },
    );
    for (;;) {
      const r = await lines.read();
      if (r.done) break;
      out += r.value;
    }
    const status = await child.status;
    await stderrDone;
    const text = out.trim();
    return {
      attacker,
      target: text ? JSON.parse(text) as FuzzTargetReport : undefined,
      targetExit: status.code,
      logLines,
      lastLog,
    };
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    throw e;
  }
}

if (import.meta.main) {
  const [keyHex, max] = Deno.args;
  const key = Uint8Array.from(keyHex.match(/../g)!, (h) => parseInt(h, 16));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ port: (listener.addr as Deno.NetAddr).port }));
  const enc = new TextEncoder();
  const report = await serveFuzzTarget({
    listener,
    self: 0,
    peer: 1,
    key,
    maxFrameBytes: max ? Number(max) : undefined,
    timeoutMs: 1000,
    log: (line) => Deno.stderr.writeSync(enc.encode(line + "\n")),
  });
  console.log(JSON.stringify(report));
}
