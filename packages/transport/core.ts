/**
 * What every channel shares: send queues, per-phase Lamport depth, ledger recording, inboxes and
 * the order of writes. Concrete channels only move batches of messages.
 *
 * @module
 */
import { linkError, type LinkFailure, TransportError } from "./errors.ts";
import { type Inbound, Inbox } from "./inbox.ts";
import type { Channel, LedgerSink, PartyId, Phase, SendMeta } from "./types.ts";

/** A queued message. */
export interface Outbound {
  /** Payload (not copied). */
  payload: Uint8Array;
  /** Lamport depth it carries. */
  depth: number;
  /** Phase. */
  phase: Phase;
  /** Op path that sent it. */
  path: string;
}

/** Default receive timeout when none is configured: 30 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const done: Promise<void> = Promise.resolve();

/**
 * Base class of all channels, implementing the {@link Channel} semantics. Subclasses provide
 * {@link ChannelCore.transmit} (move one batch to one peer) and {@link ChannelCore.shutdown}.
 */
export abstract class ChannelCore implements Channel {
  /** This party's id. */
  readonly self: PartyId;
  /** All party ids, including `self`, sorted. */
  readonly parties: readonly PartyId[];
  /** Where sent messages are recorded. */
  readonly ledger: LedgerSink;
  /** A receive fails after this long without any sign of life from the peer. */
  readonly timeoutMs: number;
  #depth: Record<Phase, number> = { online: 0, offline: 0 };
  #queues = new Map<PartyId, Outbound[]>();
  #tails = new Map<PartyId, Promise<void>>();
  #inboxes = new Map<PartyId, Inbox>();
  #closed = false;
  #closing: Promise<void> | undefined;
  #failureListeners = new Set<(peer: PartyId, f: LinkFailure) => void>();

  /** A channel of `self` among `parties`. */
  constructor(self: PartyId, parties: readonly PartyId[], ledger: LedgerSink, timeoutMs: number) {
    if (!parties.includes(self)) {
      throw new TransportError(`party ${self} is not among the parties ${parties.join(", ")}`, {
        kind: "usage",
        party: self,
      });
    }
    this.self = self;
    this.parties = [...parties].sort((a, b) => a - b);
    this.ledger = ledger;
    this.timeoutMs = timeoutMs;
    for (const p of this.parties) {
      if (p === self) continue;
      this.#queues.set(p, []);
      this.#inboxes.set(p, new Inbox(self, p, timeoutMs));
    }
  }

  /** This party's current Lamport depth in `phase`. */
  depth(phase: Phase): number {
    return this.#depth[phase];
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queue `payload` for `to` and record it in the ledger. */
  send(to: PartyId, payload: Uint8Array, meta: SendMeta): void {
    const q = this.#queues.get(to);
    if (q === undefined || this.#closed) throw this.#usageError("send", to, meta.path);
    if (!(payload instanceof Uint8Array)) {
      throw new TransportError(
        `payload must be a Uint8Array in send at ${meta.path} (wrap other typed arrays: ` +
          "new Uint8Array(x.buffer, x.byteOffset, x.byteLength))",
        { kind: "usage", party: this.self, peer: to, path: meta.path },
      );
    }
    if (meta.phase !== "online" && meta.phase !== "offline") {
      throw new TransportError(`bad phase ${JSON.stringify(meta.phase)} in send at ${meta.path}`, {
        kind: "usage",
        party: this.self,
        peer: to,
        path: meta.path,
      });
    }
    const depth = meta.oob ? 0 : this.#depth[meta.phase] + 1;
    if (!meta.oob) {
      this.ledger.record({
        from: this.self,
        to,
        bytes: payload.byteLength,
        path: meta.path,
        phase: meta.phase,
        depth,
      });
    }
    q.push({ payload, depth, phase: meta.phase, path: meta.path });
  }

  /** Flush, then wait for the next message from `from`. */
  async recv(from: PartyId, meta: SendMeta): Promise<Uint8Array> {
    const inbox = this.#inboxes.get(from);
    if (inbox === undefined || this.#closed) throw this.#usageError("recv", from, meta.path);
    await this.flush();
    const m = await inbox.take(meta.path);
    if (m.depth > this.#depth[m.phase]) this.#depth[m.phase] = m.depth;
    return m.payload;
  }

  /** Hand every non-empty queue to {@link transmit}; resolves when all writes so far are done. */
  flush(): Promise<void> {
    for (const [to, q] of this.#queues) {
      if (q.length === 0) continue;
      this.#queues.set(to, []);
      const prev = this.#tails.get(to) ?? done;
      const tail: Promise<void> = prev.then(() => this.transmit(to, q));
      this.#tails.set(to, tail);
      // forget settled successful tails so an idle channel's flush costs nothing; a failed tail
      // stays, so later flushes keep reporting the broken link
      tail.then(() => {
        if (this.#tails.get(to) === tail) this.#tails.delete(to);
      }, () => {});
    }
    if (this.#tails.size === 0) return done;
    return Promise.all(this.#tails.values()).then(() => {});
  }

  /**
   * Flush what is queued, release all links and fail pending receives. Never rejects: call
   * {@link flush} first to learn about delivery failures.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      await this.flush();
    } catch {
      // reported to whoever awaited the flush; closing proceeds regardless
    }
    this.#closed = true;
    try {
      await this.shutdown();
    } finally {
      for (const inbox of this.#inboxes.values()) {
        inbox.fail({ kind: "closed", reason: "channel closed" });
      }
    }
  }

  /** Write one batch (all messages of one flush to `to`, in order); called in order per peer. */
  protected abstract transmit(to: PartyId, batch: Outbound[]): Promise<void>;

  /** Release all links; called once by {@link close} after the final flush. */
  protected abstract shutdown(): Promise<void>;

  /** The inbox for messages from `peer`. */
  protected inbox(peer: PartyId): Inbox {
    const i = this.#inboxes.get(peer);
    if (i === undefined) throw new Error(`no inbox for party ${peer}`);
    return i;
  }

  /** A message from `from` arrived. */
  protected deliver(from: PartyId, m: Inbound): void {
    this.inbox(from).push(m);
  }

  /** The link to `peer` is gone: pending and later receives from it fail with `f`. */
  protected failLink(peer: PartyId, f: LinkFailure): void {
    this.inbox(peer).fail(f);
    if (this.#closed) return;
    for (const l of this.#failureListeners) l(peer, f);
  }

  /**
   * Calls `listener` when the link to any peer fails (lost, timed out, tampered, or closed by the
   * peer) while this channel is open, whether or not a receive from that peer is pending: a
   * session can then stop at once instead of waiting on another peer. Returns an unsubscribe
   * function.
   */
  onLinkFailure(listener: (peer: PartyId, f: LinkFailure) => void): () => void {
    this.#failureListeners.add(listener);
    return () => this.#failureListeners.delete(listener);
  }

  #usageError(op: string, peer: PartyId, path: string): TransportError {
    const reason = this.#closed
      ? "channel closed"
      : peer === this.self
      ? `party ${peer} is this party itself`
      : `unknown party ${peer}`;
    return linkError(
      this.self,
      peer,
      { kind: this.#closed ? "closed" : "usage", reason },
      op,
      path,
    );
  }
}
