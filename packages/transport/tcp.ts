/**
 * TCP channel: one party per process or host. {@link connectTcp} listens (for higher-id peers)
 * and connects (to lower-id peers, retrying until they are up), authenticates every connection
 * with the pair key, and returns a {@link TcpChannel}. Everything is bounded by `timeoutMs`.
 *
 * @module
 */
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  pairKey,
  parseConfig,
  type PartyAddress,
  type TcpConfig,
} from "./config.ts";
import { ChannelCore, type Outbound } from "./core.ts";
import { describe, TransportError } from "./errors.ts";
import {
  acceptHandshake,
  dialHandshake,
  isRetryableRejection,
  type SessionKeys,
  Status,
} from "./handshake.ts";
import { closeQuietly, Guard, isDenoError, sleep } from "./io.ts";
import { TcpLink, type WireStats } from "./link.ts";
import { Ledger } from "./ledger.ts";
import type { LedgerSink, PartyId } from "./types.ts";
import { loadTls, type TlsMaterial } from "./tls.ts";
import { SetupEvents } from "./setup_events.ts";

/** Options of {@link connectTcp}. */
export interface TcpConnectOptions {
  /** Where this party records what it sends (default: a new {@link Ledger}). */
  ledger?: LedgerSink;
  /**
   * An already open listener to accept peers on (e.g. bound to port 0 before the config was
   * written). `connectTcp` owns it: it is closed when `connectTcp` resolves or rejects.
   */
  listener?: Deno.Listener;
  /**
   * Where a rejected incoming connection is reported during setup, one line each with the
   * remote address (default: standard error). Setup goes on listening after it.
   */
  log?: (line: string) => void;
}

/** An authenticated connection, ready for frames. */
interface Established {
  peer: PartyId;
  conn: Deno.Conn;
  keys: SessionKeys;
}

/** A link established during setup, its events kept until the channel takes it. */
interface SetupLink {
  peer: PartyId;
  link: TcpLink;
  events: SetupEvents;
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
    links: Iterable<SetupLink>,
  ) {
    super(self, parties, ledger, timeoutMs);
    for (const { peer, link, events } of links) {
      this.#links.set(peer, link);
      events.attach({
        deliver: (m) => this.deliver(peer, m),
        touch: () => this.inbox(peer).touch(),
        fail: (f) => this.failLink(peer, f),
      });
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

/** What `acceptPeers` and `dialPeer` need to know about the setup. */
interface SetupContext {
  self: PartyId;
  /** Connect deadline (ms, performance clock) and its length as configured. */
  deadline: number;
  connectMs: number;
  /** Deadline of one handshake. */
  handshakeMs: number;
  /** Handshakes in flight allowed from one remote host (Infinity: no limit). */
  perHost: number;
  /** Aborted when setup fails anywhere. */
  signal: AbortSignal;
  /** A peer proved its key: start its link now. */
  linked: (e: Established) => void;
  log: (line: string) => void;
}

/** Text of `e` without the `party N: ` prefix of this party (the caller adds its own). */
function bare(e: unknown, self: PartyId): string {
  const text = describe(e);
  const prefix = `party ${self}: `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

function addressOf(conn: Deno.Conn): { host: string; text: string } {
  const a = conn.remoteAddr as Deno.NetAddr;
  if (a.hostname === undefined) return { host: "?", text: "an unknown address" };
  return { host: a.hostname, text: `${a.hostname}:${a.port}` };
}

/**
 * Accept and authenticate every party in `expected`, until the connect deadline. A connection that
 * fails its handshake (garbage, a wrong key proof, an id already taken, silence past the
 * handshake deadline) is logged with its remote address and dropped, and listening goes on: an
 * id is taken only by a peer that proved the pair key.
 */
async function acceptPeers(
  listener: Deno.Listener,
  known: Set<PartyId>,
  expected: Set<PartyId>,
  keyFor: (p: PartyId) => Uint8Array,
  ctx: SetupContext,
): Promise<void> {
  const { self } = ctx;
  const got = new Set<PartyId>();
  const taken = new Set<PartyId>(); // proved the key; the verdict is on its way
  const stop = new AbortController();
  let lastIssue = "";
  let timedOut = false;
  const close = () => closeQuietly(listener);
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, Math.max(0, ctx.deadline - performance.now()));
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  stop.signal.addEventListener("abort", close, { once: true });
  const lookup = (p: PartyId) => {
    if (!expected.has(p)) return known.has(p) ? Status.unexpected : Status.unknownParty;
    if (taken.has(p)) return Status.unexpected;
    return keyFor(p);
  };
  const admit = (p: PartyId) => {
    if (taken.has(p)) return Status.unexpected;
    taken.add(p);
    return Status.ok;
  };
  const handshakes = new Set<Promise<void>>();
  const pendingFrom = new Map<string, number>();
  const limited = new Set<string>();
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
      const { host, text: from } = addressOf(conn);
      const inFlight = pendingFrom.get(host) ?? 0;
      if (inFlight >= ctx.perHost) {
        closeQuietly(conn);
        lastIssue = `${from}: over ${ctx.perHost} handshakes in flight from ${host}`;
        if (!limited.has(host)) {
          limited.add(host); // one line per host, not one per connection of a flood
          ctx.log(
            `party ${self}: refusing connections from ${host} while ${ctx.perHost} of its ` +
              `handshakes are in flight (maxHandshakesPerHost)`,
          );
        }
        continue;
      }
      pendingFrom.set(host, inFlight + 1);
      const ms = Math.min(ctx.handshakeMs, ctx.deadline - performance.now());
      const task: Promise<void> = (async () => {
        const guard = new Guard(conn, ms, stop.signal);
        let admitted: PartyId | undefined; // this connection's verified id, once taken
        const admitHere = (p: PartyId) => {
          const status = admit(p);
          if (status === Status.ok) admitted = p;
          return status;
        };
        try {
          const r = await acceptHandshake(conn, self, lookup, admitHere);
          guard.dispose(); // before stop.abort() below, which would otherwise close this conn
          if (guard.fired) throw new Error("handshake interrupted");
          got.add(r.peer);
          ctx.linked({ peer: r.peer, conn, keys: r.keys });
          if (got.size === expected.size) stop.abort();
        } catch (e) {
          closeQuietly(conn);
          // the verdict did not get through: the id is free again for the peer's next attempt
          if (admitted !== undefined && !got.has(admitted)) taken.delete(admitted);
          if (guard.fired === "aborted") return;
          const why = guard.fired === "timeout"
            ? `no complete handshake within ${Math.round(ms)} ms`
            : bare(e, self);
          lastIssue = `${from}: ${why}`;
          ctx.log(`party ${self}: dropped a connection from ${from} during the handshake: ${why}`);
        } finally {
          guard.dispose();
          pendingFrom.set(host, pendingFrom.get(host)! - 1);
        }
      })();
      handshakes.add(task);
      task.finally(() => handshakes.delete(task));
    }
    await Promise.all(handshakes);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
    close();
  }
  if (got.size === expected.size) return;
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const missing = [...expected].filter((p) => !got.has(p));
  const addr = listener.addr as Deno.NetAddr;
  throw new TransportError(
    `${missing.length === 1 ? "party" : "parties"} ${missing.join(", ")} did not connect ` +
      `within ${ctx.connectMs} ms ` +
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

/**
 * Connect to `peer` (retrying while it is not up, or while it refuses us as "not expected", e.g.
 * because it still holds an earlier attempt of ours) and authenticate, until the connect deadline.
 * A key mismatch fails at once.
 */
async function dialPeer(
  peer: PartyAddress,
  key: Uint8Array,
  tls: TlsMaterial | undefined,
  ctx: SetupContext,
): Promise<Established> {
  const { self, signal } = ctx;
  let lastError = "";
  let backoff = 20;
  for (;;) {
    const remaining = ctx.deadline - performance.now();
    if (signal.aborted) throw signal.reason;
    if (remaining <= 0) {
      throw new TransportError(
        `could not connect to party ${peer.id} at ${peer.host}:${peer.port} within ` +
          `${ctx.connectMs} ms` + (lastError ? ` (last error: ${lastError})` : ""),
        { kind: "timeout", party: self, peer: peer.id },
      );
    }
    let tcp: Deno.TcpConn | undefined;
    try {
      tcp = await tcpConnect(peer, remaining, signal);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      lastError = bare(e, self);
    }
    if (tcp !== undefined) {
      let conn: Deno.Conn = tcp;
      const ms = Math.min(ctx.handshakeMs, remaining);
      const guard = new Guard({ close: () => closeQuietly(conn) }, ms, signal);
      try {
        if (tls !== undefined) conn = await startTls(tcp, self, peer, tls.ca);
        const keys = await dialHandshake(conn, self, peer.id, key);
        guard.dispose();
        if (guard.fired) throw new Error("handshake interrupted");
        return { peer: peer.id, conn, keys };
      } catch (e) {
        closeQuietly(conn);
        if (guard.fired === "aborted") throw signal.reason;
        if (guard.fired === "timeout") {
          // an attempt cut short by the connect deadline says nothing new about the peer
          if (ms >= ctx.handshakeMs) lastError = `no complete handshake within ${ms} ms`;
          else lastError ||= "no complete handshake before the connect deadline";
        } else if (isRetryableRejection(e)) lastError = bare(e, self);
        else if (e instanceof TransportError && e.kind !== "lost") throw e;
        else lastError = bare(e, self);
      } finally {
        guard.dispose();
      }
    }
    await sleep(Math.min(backoff, ctx.deadline - performance.now()), signal);
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
  const links: SetupLink[] = [];
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
    let first: unknown;
    const fail = (e: unknown) => {
      first ??= e;
      abort.abort(e);
    };
    const keepaliveMs = cfg.keepaliveMs ?? 0;
    const ctx: SetupContext = {
      self,
      deadline,
      connectMs,
      handshakeMs: cfg.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      perHost: cfg.maxHandshakesPerHost ?? Infinity,
      signal: abort.signal,
      log: options.log ?? ((l) => console.error(l)),
      linked: ({ peer, conn, keys }) => {
        // The link runs from now on: a peer lost while setup waits for others fails setup.
        const events = new SetupEvents((f) =>
          fail(new TransportError(`${f.reason} during setup`, { kind: f.kind, party: self, peer }))
        );
        const link = new TcpLink(
          self,
          peer,
          conn,
          keys,
          cfg.maxFrameBytes,
          cfg.timeoutMs,
          events,
          keepaliveMs,
        );
        links.push({ peer, link, events });
      },
    };
    const tasks: Promise<unknown>[] = lower.map((p) =>
      dialPeer(p, keys.get(p.id)!, tls, ctx).then(ctx.linked)
    );
    if (higher.size > 0) {
      const ids = new Set(cfg.parties.map((p) => p.id));
      tasks.push(acceptPeers(listener!, ids, higher, (p) => keys.get(p)!, ctx));
    }
    await Promise.all(tasks.map((t) => t.catch(fail)));
    if (first !== undefined) throw first;
    const ledger = options.ledger ?? new Ledger();
    const ids = cfg.parties.map((p) => p.id);
    const channel = new TcpChannel(self, ids, ledger, cfg.timeoutMs, links);
    links.length = 0;
    return channel;
  } catch (e) {
    // tell the peers already linked, so they stop at once instead of at their deadline
    const why = describe(e);
    await Promise.all(links.map((l) => l.link.abort(why)));
    throw e;
  } finally {
    closeQuietly(listener);
  }
}
