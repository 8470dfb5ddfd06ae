/**
 * A session party's channel with a watchdog: every link is watched, and the first failure of any
 * link (other than an orderly close) fails the session with one error naming the lost peer and
 * the op this party was in.
 *
 * @module
 */
import {
  type Channel,
  type LedgerSink,
  type LinkFailure,
  type PartyId,
  type SendMeta,
  TransportError,
} from "@secp/transport";

/** A channel whose link failures can be watched and which can give up (TCP or thread ports). */
export interface WatchableChannel extends Channel {
  /** Calls `listener` when any link fails; returns an unsubscribe function. */
  onLinkFailure(listener: (peer: PartyId, f: LinkFailure) => void): () => void;
  /** Orderly close. */
  close(): Promise<void>;
  /** Drops every link, telling each peer `reason`. */
  abort(reason?: string): Promise<void>;
}

/**
 * A party's channel with a watchdog: the first failure of any link (other than an orderly close)
 * fails the session, and every pending or later operation rejects with that one error, which
 * names the lost peer and the operation this party was in.
 */
export class SessionChannel implements Channel {
  /** This party's id. */
  readonly self: PartyId;
  /** All party ids. */
  readonly parties: readonly PartyId[];
  /** Where sent messages are recorded. */
  readonly ledger: LedgerSink;
  /** The watched channel. */
  readonly inner: WatchableChannel;
  #fatal: Error | undefined;
  /**
   * The pending operations' rejecters: a failure rejects them at once. (Racing each operation
   * against one long-lived pending promise would leak: every race leaves a reaction on it that
   * holds the operation's result, i.e. every payload ever received.)
   */
  #pending = new Set<(e: Error) => void>();
  #op = "setup";
  #path = "setup";
  #armed = true;
  #unsubscribe: () => void;

  /** Watches every link of `inner`. */
  constructor(inner: WatchableChannel) {
    this.inner = inner;
    this.self = inner.self;
    this.parties = inner.parties;
    this.ledger = inner.ledger;
    this.#unsubscribe = inner.onLinkFailure((peer, f) => this.#onFailure(peer, f));
  }

  /** The error that ended the session, if any. */
  get failure(): Error | undefined {
    return this.#fatal;
  }

  /** Orderly shutdown from here on: peers closing their links is expected. */
  disarm(): void {
    this.#armed = false;
  }

  #onFailure(peer: PartyId, f: LinkFailure): void {
    if (!this.#armed || f.kind === "closed") return;
    this.fail(
      new TransportError(`${f.reason} during ${this.#op} at ${this.#path}`, {
        kind: f.kind,
        party: this.self,
        peer,
        path: this.#path,
        cause: f.cause,
      }),
    );
  }

  /** Fail the session with `e` (the first failure wins). */
  fail(e: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = e;
    for (const reject of this.#pending) reject(e);
    this.#pending.clear();
  }

  /** `op`'s result, or the session's failure as soon as there is one. */
  #watched<T>(op: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      op.then(
        (v) => {
          this.#pending.delete(reject);
          resolve(v);
        },
        (e) => {
          this.#pending.delete(reject);
          reject(this.#fatal ?? e);
        },
      );
    });
  }

  /** Queues a message (throws the session's failure, if any). */
  send(to: PartyId, payload: Uint8Array, meta: SendMeta): void {
    if (this.#fatal) throw this.#fatal;
    this.#op = "send";
    this.#path = meta.path;
    this.inner.send(to, payload, meta);
  }

  /** The next message from `from`; rejects with the session's failure as soon as there is one. */
  recv(from: PartyId, meta: SendMeta): Promise<Uint8Array> {
    return this.#guarded(() => this.inner.recv(from, meta), "recv", meta.path);
  }

  /**
   * Local work done between messages (the job's set-up, say), raced against the session: rejects
   * with the session's failure as soon as there is one, so a party stops at the next turn of its
   * event loop instead of finishing the work first. `what` names the work in the error ("during …").
   */
  during<T>(what: string, work: T | Promise<T>): Promise<T> {
    return this.#guarded(() => Promise.resolve(work), what);
  }

  /** Writes what is queued; rejects with the session's failure as soon as there is one. */
  flush(): Promise<void> {
    return this.#guarded(() => this.inner.flush());
  }

  /**
   * `start()`'s result, or the session's failure as soon as there is one (also if it was already
   * there: then `start` is not called). `op` and `path` name what this party is doing.
   */
  async #guarded<T>(start: () => Promise<T>, op?: string, path?: string): Promise<T> {
    if (this.#fatal) throw this.#fatal;
    if (op !== undefined) this.#op = op;
    if (path !== undefined) this.#path = path;
    try {
      return await this.#watched(start());
    } catch (e) {
      throw this.#fatal ?? e;
    }
  }

  /** Orderly close (after the session ended). */
  async close(): Promise<void> {
    this.#armed = false;
    this.#unsubscribe();
    await this.inner.close();
  }

  /** Drop every link without close notices, telling every peer why (after a failure). */
  async abort(why?: unknown): Promise<void> {
    this.#armed = false;
    this.#unsubscribe();
    let reason: string | undefined;
    if (why !== undefined) {
      reason = (why instanceof Error ? why.message : String(why)).replace(/\s*\n\s*/g, " ");
      const prefix = `party ${this.self}: `;
      if (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
    }
    await this.inner.abort(reason);
  }
}
