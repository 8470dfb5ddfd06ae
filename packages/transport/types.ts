/**
 * The contract between the sharing layer and any transport: numbered parties exchanging
 * binary messages, with every message recorded in a {@link LedgerSink}.
 *
 * @module
 */

/** Party number: computing parties are 0..n-1; other roles (dealer, data owner) get further ids. */
export type PartyId = number;

/** `offline`: correlated randomness (dealer material); `online`: everything else. */
export type Phase = "offline" | "online";

/** Metadata the sender attaches to a message; recorded in the ledger, never secret. */
export interface SendMeta {
  /** Protocol op path that sent the message, e.g. `layer0/attn/cos`. */
  path: string;
  /** Phase of the message. */
  phase: Phase;
  /**
   * Out of band: session housekeeping (e.g. a party reporting its ledger to the data owner). Not
   * recorded in the ledger and carries Lamport depth 0, so it changes neither costs nor rounds.
   */
  oob?: boolean;
}

/**
 * One party's endpoint to all its peers.
 *
 * Semantics every implementation must keep:
 * - `send` only queues; queued messages to one peer are written together (one write per peer) on
 *   `flush()` or on the next `recv()` of this party, whichever comes first. So all messages of one
 *   communication round reach the socket in one write.
 * - Messages between a pair of parties are delivered in order. `recv(from)` resolves with the next
 *   message from `from`; a peer that disconnects or does not answer within the timeout rejects it with
 *   an error naming the peer and the op path of the pending receive.
 * - Every message is recorded in the ledger by the sender (bytes = payload length, framing excluded).
 * - Round depth is a Lamport clock per phase: a message sent at local depth `d` carries `d + 1`;
 *   receiving a message of depth `m` sets local depth to `max(local, m)`. The number of dependent
 *   rounds of a run is the largest depth any party reaches.
 */
export interface Channel {
  /** This party's id. */
  readonly self: PartyId;
  /** All party ids reachable from this channel (including `self`). */
  readonly parties: readonly PartyId[];
  /** Queue `payload` for `to`. The payload is not copied: do not mutate it afterwards. */
  send(to: PartyId, payload: Uint8Array, meta: SendMeta): void;
  /** Next message from `from` (flushes this party's queued sends first). */
  recv(from: PartyId, meta: SendMeta): Promise<Uint8Array>;
  /** Write all queued messages now. */
  flush(): Promise<void>;
  /** Close all links of this party. */
  close(): Promise<void>;
  /** The ledger this channel records into. */
  readonly ledger: LedgerSink;
}

/** One recorded message. */
export interface MessageRecord {
  /** Sender. */
  from: PartyId;
  /** Receiver. */
  to: PartyId;
  /** Payload bytes. */
  bytes: number;
  /** Op path. */
  path: string;
  /** Phase. */
  phase: Phase;
  /** Lamport round depth carried by the message (see {@link Channel}). */
  depth: number;
}

/** Where channels record their messages. */
export interface LedgerSink {
  /** Record one sent message. */
  record(m: MessageRecord): void;
}
