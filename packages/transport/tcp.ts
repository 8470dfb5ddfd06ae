/**
 * TCP channel: one party per process or host. {@link connectTcp} listens (for higher-id peers)
 * and connects (to lower-id peers, retrying until they are up), authenticates every connection
 * with the pair key, and returns a {@link TcpChannel}. Everything is bounded by `timeoutMs`.
 *
 * @module
 */
import { pairKey, parseConfig, type PartyAddress, type TcpConfig } from "./config.ts";
import { ChannelCore, type Outbound } from "./core.ts";
import { describe, TransportError } from "./errors.ts";
import { acceptHandshake, dialHandshake, type SessionKeys, Status } from "./handshake.ts";
import { closeQuietly, Guard, isDenoError, sleep } from "./io.ts";
import { TcpLink, type WireStats } from "./link.ts";
import { Ledger } from "./ledger.ts";
import type { LedgerSink, PartyId } from "./types.ts";
import { loadTls, type TlsMaterial } from "./tls.ts";

/** Options of {@link connectTcp}. */
export interface TcpConnectOptions {
  /** Where this party records what it sends (default: a new {@link Ledger}). */
  ledger?: LedgerSink;
  /**
   * An already open listener to accept peers on (e.g. bound to port 0 before the config was
   * written). `connectTcp` owns it: it is closed when `connectTcp` resolves or rejects.
   */
  listener?: Deno.Listener;
}

/** An authenticated connection, ready for frames. */
interface Established {
  peer: PartyId;
  conn: Deno.Conn;
  keys: SessionKeys;
}

/** One party's endpoint over TCP (see {@link connectTcp}). */
export class TcpChannel extends ChannelCore {
  #links = new Map<PartyId, TcpLink>();

  /** Use {@link connectTcp}. */
  constructor(
    self: PartyId,
    parties: readonly PartyId[],
    ledger: LedgerSink,
    timeoutMs: number,
    maxFrameBytes: number,
    conns: Iterable<Established>,
    keepaliveMs = 0,
  ) {
    super(self, parties, ledger, timeoutMs);
    for (const { peer, conn, keys } of conns) {
      this.#links.set(
        peer,
        new TcpLink(self, peer, conn, keys, maxFrameBytes, timeoutMs, {
          deliver: (m) => this.deliver(peer, m),
          touch: () => this.inbox(peer).touch(),
          fail: (f) => this.failLink(peer, f),
        }, keepaliveMs),
      );
    }
  }

  /** Wire counters of the link to `peer` (write calls, bytes with framing, frames). */
  wireStats(peer: PartyId): WireStats {
    const l = this.#links.get(peer);
    if (l === undefined) throw new Error(`party ${this.self} has no link to party ${peer}`);
    return l.stats;
  }

  /** Encode the batch and write it to the peer's socket in one buffer. */
  protected transmit(to: PartyId, batch: Outbound[]): Promise<void> {
    return this.#links.get(to)!.write(batch, batch[batch.length - 1].path);
  }

  /**
   * Give up: drop every link at once, without flushing or close notices, after an abort notice
   * carrying `reason` (if given), so every peer fails at once with `party N gave up (reason)`.
   * Then release the channel. For a party whose session failed.
   */
  async abort(reason?: string): Promise<void> {
    await Promise.all([...this.#links.values()].map((l) => l.abort(reason)));
    await this.close();
  }

  /** Send close notices and close all sockets. */
  protected async shutdown(): Promise<void> {
    await Promise.all([...this.#links.values()].map((l) => l.close()));
  }
}

const setNoDelay = (c: Deno.Conn) => {
  if ("setNoDelay" in c) (c as Deno.TcpConn).setNoDelay(true);
};

function listen(me: PartyAddress, tls: TlsMaterial | undefined): Deno.Listener {
  try {
    if (tls !== undefined) {
      if (tls.cert === undefined || tls.key === undefined) {
        throw new TransportError("tls.cert and tls.key are needed to accept TLS connections", {
          kind: "config",
          party: me.id,
        });
      }
      return Deno.listenTls({ hostname: me.host, port: me.port, cert: tls.cert, key: tls.key });
    }
    return Deno.listen({ hostname: me.host, port: me.port });
  } catch (e) {
    if (e instanceof TransportError) throw e;
    const why = isDenoError(e, "AddrInUse") ? "address already in use" : describe(e);
    throw new TransportError(`cannot listen on ${me.host}:${me.port}: ${why}`, {
      kind: "connect",
      party: me.id,
      cause: e,
    });
  }
}

/** Accept and authenticate every party in `expected`, until `deadline` (ms, performance clock). */
async function acceptPeers(
  listener: Deno.Listener,
  self: PartyId,
  known: Set<PartyId>,
  expected: Set<PartyId>,
  keyFor: (p: PartyId) => Uint8Array,
  deadline: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Established[]> {
  const got = new Map<PartyId, Established>();
  const claimed = new Set<PartyId>();
  const stop = new AbortController();
  let fatal: unknown;
  let lastIssue = "";
  let timedOut = false;
  const close = () => closeQuietly(listener);
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, Math.max(0, deadline - performance.now()));
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  stop.signal.addEventListener("abort", close, { once: true });
  const lookup = (p: PartyId) => {
    if (!expected.has(p)) return known.has(p) ? Status.unexpected : Status.unknownParty;
    if (claimed.has(p)) return Status.unexpected;
    claimed.add(p);
    return keyFor(p);
  };
  const handshakes: Promise<void>[] = [];
  try {
    while (!stop.signal.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (!stop.signal.aborted) lastIssue = describe(e);
        break;
      }
      setNoDelay(conn);
      handshakes.push((async () => {
        const guard = new Guard(conn, deadline - performance.now(), stop.signal);
        let peer: PartyId | undefined;
        try {
          const r = await acceptHandshake(conn, self, lookup);
          peer = r.peer;
          guard.dispose(); // before stop.abort() below, which would otherwise close this conn
          if (guard.fired) throw new Error("handshake interrupted");
          got.set(r.peer, { peer: r.peer, conn, keys: r.keys });
          if (got.size === expected.size) stop.abort();
        } catch (e) {
          closeQuietly(conn);
          if (peer !== undefined) claimed.delete(peer);
          if (e instanceof TransportError && e.kind === "auth") {
            fatal ??= e;
            stop.abort();
          } else if (guard.fired !== "aborted") lastIssue = describe(e);
        } finally {
          guard.dispose();
        }
      })());
    }
    await Promise.all(handshakes);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    close();
  }
  if (fatal === undefined && got.size === expected.size) return [...got.values()];
  for (const e of got.values()) closeQuietly(e.conn);
  if (fatal !== undefined) throw fatal;
  if (signal.aborted) throw signal.reason;
  const missing = [...expected].filter((p) => !got.has(p));
  const addr = listener.addr as Deno.NetAddr;
  throw new TransportError(
    `${missing.map((p) => `party ${p}`).join(", ")} did not connect within ${timeoutMs} ms ` +
      `(listening on ${addr.hostname}:${addr.port}${
        lastIssue ? `; last problem: ${lastIssue}` : ""
      })`,
    { kind: timedOut ? "timeout" : "connect", party: self, peer: missing[0] },
  );
}

/** One TCP connection attempt, bounded by `ms` and `signal`; throws the connect error. */
async function tcpConnect(
  peer: PartyAddress,
  ms: number,
  signal: AbortSignal,
): Promise<Deno.TcpConn> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  const onAbort = () => ac.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const c = await Deno.connect({ hostname: peer.host, port: peer.port, signal: ac.signal });
    c.setNoDelay(true);
    return c;
  } catch (e) {
    throw ac.signal.aborted ? new Error("timed out") : e;
  } finally {
    clearTimeout(t);
    signal.removeEventListener("abort", onAbort);
  }
}

/** TLS over `tcp` (trusting `ca`), handshake completed. */
async function startTls(tcp: Deno.TcpConn, self: PartyId, peer: PartyAddress, ca?: string) {
  try {
    const conn = await Deno.startTls(tcp, { hostname: peer.host, caCerts: ca ? [ca] : [] });
    await conn.handshake();
    return conn;
  } catch (e) {
    throw new TransportError(
      `TLS handshake with party ${peer.id} at ${peer.host}:${peer.port} failed: ${describe(e)}`,
      { kind: "auth", party: self, peer: peer.id, cause: e },
    );
  }
}

/** Connect to `peer` (retrying while it is not up) and authenticate, until `deadline`. */
async function dialPeer(
  self: PartyId,
  peer: PartyAddress,
  key: Uint8Array,
  tls: TlsMaterial | undefined,
  deadline: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Established> {
  let lastError = "";
  let backoff = 20;
  for (;;) {
    const remaining = deadline - performance.now();
    if (signal.aborted) throw signal.reason;
    if (remaining <= 0) {
      throw new TransportError(
        `could not connect to party ${peer.id} at ${peer.host}:${peer.port} within ${timeoutMs} ms` +
          (lastError ? ` (last error: ${lastError})` : ""),
        { kind: "timeout", party: self, peer: peer.id },
      );
    }
    let tcp: Deno.TcpConn | undefined;
    try {
      tcp = await tcpConnect(peer, remaining, signal);
    } catch (e) {
      lastError = describe(e);
    }
    if (tcp !== undefined) {
      let conn: Deno.Conn = tcp;
      const guard = new Guard({ close: () => closeQuietly(conn) }, remaining, signal);
      try {
        if (tls !== undefined) conn = await startTls(tcp, self, peer, tls.ca);
        const keys = await dialHandshake(conn, self, peer.id, key);
        return { peer: peer.id, conn, keys };
      } catch (e) {
        closeQuietly(conn);
        if (guard.fired === "aborted") throw signal.reason;
        if (guard.fired === "timeout") lastError = "handshake timed out";
        else if (e instanceof TransportError && e.kind !== "lost") throw e;
        else lastError = describe(e);
      } finally {
        guard.dispose();
      }
    }
    await sleep(Math.min(backoff, deadline - performance.now()), signal);
    backoff = Math.min(2 * backoff, 500);
  }
}

/**
 * Connect party `self` to all other parties of `config` (JSON text, parsed object, or
 * {@link TcpConfig}). The lower id of each pair listens, the higher id connects and retries until
 * the peer is up; both prove the pair key before any data flows. Rejects with a
 * {@link TransportError} naming the peer on timeout, key mismatch, port in use, etc.
 */
export async function connectTcp(
  config: TcpConfig | string | unknown,
  self: PartyId,
  options: TcpConnectOptions = {},
): Promise<TcpChannel> {
  let listener = options.listener;
  try {
    const cfg = parseConfig(config);
    const me = cfg.parties.find((p) => p.id === self);
    if (me === undefined) {
      throw new TransportError(
        `unknown party id ${self} (the config has ${cfg.parties.map((p) => p.id).join(", ")})`,
        { kind: "config", party: self },
      );
    }
    const lower = cfg.parties.filter((p) => p.id < self);
    const higher = new Set(cfg.parties.filter((p) => p.id > self).map((p) => p.id));
    const keys = new Map(
      cfg.parties.filter((p) => p.id !== self).map((p) => [p.id, pairKey(cfg, self, p.id)]),
    );
    const tls = cfg.tls === undefined ? undefined : await loadTls(cfg.tls);
    const connectMs = cfg.connectTimeoutMs ?? cfg.timeoutMs;
    const deadline = performance.now() + connectMs;
    if (higher.size > 0) listener ??= listen(me, tls);
    else closeQuietly(listener);
    const abort = new AbortController();
    const tasks: Promise<Established[]>[] = lower.map((p) =>
      dialPeer(self, p, keys.get(p.id)!, tls, deadline, connectMs, abort.signal).then((e) => [
        e,
      ])
    );
    if (higher.size > 0) {
      tasks.push(
        acceptPeers(
          listener!,
          self,
          new Set(cfg.parties.map((p) => p.id)),
          higher,
          (p) => keys.get(p)!,
          deadline,
          connectMs,
          abort.signal,
        ),
      );
    }
    let first: unknown;
    const results = await Promise.all(tasks.map((t) =>
      t.catch((e) => {
        first ??= e;
        abort.abort(e);
        return [] as Established[];
      })
    ));
    const conns = results.flat();
    if (first !== undefined) {
      for (const c of conns) closeQuietly(c.conn);
      throw first;
    }
    const ledger = options.ledger ?? new Ledger();
    const ids = cfg.parties.map((p) => p.id);
    return new TcpChannel(
      self,
      ids,
      ledger,
      cfg.timeoutMs,
      cfg.maxFrameBytes,
      conns,
      cfg.keepaliveMs ?? 0,
    );
  } finally {
    closeQuietly(listener);
  }
}
