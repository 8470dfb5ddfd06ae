/**
 * In-memory links: all parties in one process, for tests and single-machine runs. Optionally a
 * {@link NetworkProfile} really delays delivery (one-way latency plus bytes/bandwidth per link).
 *
 * @module
 */
import { ChannelCore, DEFAULT_TIMEOUT_MS, type Outbound } from "./core.ts";
import { linkError, type LinkFailure, TransportError } from "./errors.ts";
import type { Inbound } from "./inbox.ts";
import { Ledger } from "./ledger.ts";
import { type NetworkProfile, oneWaySeconds, transferSeconds } from "./netmodel.ts";
import type { LedgerSink, PartyId } from "./types.ts";

/** Options of {@link createMemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Ledger shared by all parties (default: a new {@link Ledger}). */
  ledger?: LedgerSink;
  /** Receive timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** When given, delivery is delayed by RTT/2 + bytes·8/bandwidth, links busy while sending. */
  profile?: NetworkProfile;
}

interface Endpoint {
  deliver(from: PartyId, m: Inbound): void;
  touch(from: PartyId, at: number): void;
  fail(from: PartyId, f: LinkFailure): void;
}

type Arrival = { at: number; messages: Inbound[] } | { at: number; failure: LinkFailure };

interface DelayedLink {
  to: PartyId;
  from: PartyId;
  busyUntil: number;
  pending: Arrival[];
  timer?: ReturnType<typeof setTimeout>;
}

/** Routes batches between the endpoints of one network. */
class Hub {
  readonly endpoints = new Map<PartyId, Endpoint>();
  readonly links = new Map<string, DelayedLink>();

  constructor(readonly profile: NetworkProfile | undefined) {}

  carry(from: PartyId, to: PartyId, batch: Outbound[]): void {
    const target = this.endpoints.get(to);
    if (target === undefined) {
      throw linkError(
        from,
        to,
        {
          kind: "closed",
          reason: `party ${to} closed the link`,
        },
        "send",
        batch[0].path,
      );
    }
    const messages = batch.map((m) => ({
      payload: m.payload.slice(),
      depth: m.depth,
      phase: m.phase,
    }));
    if (this.profile === undefined) {
      for (const m of messages) target.deliver(from, m);
      return;
    }
    const link = this.#link(from, to);
    const bytes = messages.reduce((s, m) => s + m.payload.byteLength, 0);
    const start = Math.max(performance.now(), link.busyUntil);
    link.busyUntil = start + 1000 * transferSeconds(bytes, this.profile);
    const at = link.busyUntil + 1000 * oneWaySeconds(this.profile);
    target.touch(from, at);
    this.#schedule(link, { at, messages });
  }

  leave(self: PartyId): void {
    this.endpoints.delete(self);
    const failure: LinkFailure = { kind: "closed", reason: `party ${self} closed the link` };
    for (const [peer, ep] of this.endpoints) {
      if (this.profile === undefined) ep.fail(self, failure);
      else {
        const link = this.#link(self, peer);
        const at = Math.max(performance.now(), link.busyUntil) +
          1000 * oneWaySeconds(this.profile);
        this.#schedule(link, { at, failure });
      }
    }
    for (const link of this.links.values()) {
      if (link.to !== self) continue;
      clearTimeout(link.timer);
      link.timer = undefined;
      link.pending = [];
    }
  }

  #link(from: PartyId, to: PartyId): DelayedLink {
    const key = `${from}>${to}`;
    let l = this.links.get(key);
    if (l === undefined) {
      l = { from, to, busyUntil: 0, pending: [] };
      this.links.set(key, l);
    }
    return l;
  }

  #schedule(link: DelayedLink, a: Arrival): void {
    link.pending.push(a);
    if (link.timer === undefined) this.#arm(link);
  }

  #arm(link: DelayedLink): void {
    const wait = Math.max(0, link.pending[0].at - performance.now());
    link.timer = setTimeout(() => this.#arrive(link), wait);
  }

  #arrive(link: DelayedLink): void {
    link.timer = undefined;
    const target = this.endpoints.get(link.to);
    const now = performance.now();
    while (link.pending.length > 0 && link.pending[0].at <= now + 0.5) {
      const a = link.pending.shift()!;
      if (target === undefined) continue;
      if ("failure" in a) target.fail(link.from, a.failure);
      else for (const m of a.messages) target.deliver(link.from, m);
    }
    if (link.pending.length > 0) this.#arm(link);
  }
}

/** One party's endpoint of an in-memory network (see {@link createMemoryNetwork}). */
export class MemoryChannel extends ChannelCore {
  #hub: Hub;

  /** Use {@link createMemoryNetwork}. */
  constructor(
    hub: unknown,
    self: PartyId,
    parties: readonly PartyId[],
    ledger: LedgerSink,
    t: number,
  ) {
    super(self, parties, ledger, t);
    if (!(hub instanceof Hub)) throw new TypeError("use createMemoryNetwork()");
    this.#hub = hub;
    hub.endpoints.set(self, {
      deliver: (from, m) => this.deliver(from, m),
      touch: (from, at) => this.inbox(from).touch(at),
      fail: (from, f) => this.failLink(from, f),
    });
  }

  /** Hand the batch to the peer (copying payloads) or schedule its delayed arrival. */
  protected transmit(to: PartyId, batch: Outbound[]): Promise<void> {
    try {
      this.#hub.carry(this.self, to, batch);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Leave the network: peers see `party N closed the link` once in-flight messages arrived. */
  protected shutdown(): Promise<void> {
    this.#hub.leave(this.self);
    return Promise.resolve();
  }
}

/**
 * One {@link MemoryChannel} per party id, in the order given, all connected to each other.
 * Receivers get their own copy of each payload (an `ArrayBuffer` of its own, offset 0).
 */
export function createMemoryNetwork(
  partyIds: readonly PartyId[],
  options: MemoryNetworkOptions = {},
): MemoryChannel[] {
  if (new Set(partyIds).size !== partyIds.length || partyIds.length === 0) {
    throw new TransportError(`party ids must be distinct and non-empty: ${partyIds.join(", ")}`, {
      kind: "config",
    });
  }
  const ledger = options.ledger ?? new Ledger();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const hub = new Hub(options.profile);
  return partyIds.map((id) => new MemoryChannel(hub, id, partyIds, ledger, timeoutMs));
}
