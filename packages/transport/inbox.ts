/**
 * Messages received from one peer and not yet consumed, plus the receives waiting for them,
 * each bounded by the timeout.
 *
 * @module
 */
import { linkError, type LinkFailure } from "./errors.ts";
import type { PartyId, Phase } from "./types.ts";

/** A message as it arrives from a peer. */
export interface Inbound {
  /** Payload; owned by the receiver. */
  payload: Uint8Array;
  /** Lamport depth the sender attached. */
  depth: number;
  /** Phase the sender attached. */
  phase: Phase;
}

interface Waiter {
  resolve(m: Inbound): void;
  reject(e: Error): void;
  path: string;
  start: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * FIFO of messages from one peer. A receive that sees no sign of life from the peer (no message,
 * no bytes) for `timeoutMs` fails the whole inbox: later messages could no longer be matched to
 * the right receive.
 */
export class Inbox {
  #queue: Inbound[] = [];
  #head = 0;
  #waiters: Waiter[] = [];
  #failure: LinkFailure | undefined;
  #activity = 0;

  /** Inbox of `self` for messages from `peer`. */
  constructor(
    readonly self: PartyId,
    readonly peer: PartyId,
    readonly timeoutMs: number,
  ) {}

  /** Why the inbox failed, if it did. */
  get failure(): LinkFailure | undefined {
    return this.#failure;
  }

  /** Messages waiting to be received. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Deliver a message (dropped if the inbox already failed). */
  push(m: Inbound): void {
    if (this.#failure !== undefined) return;
    this.touch();
    const w = this.#waiters.shift();
    if (w !== undefined) {
      clearTimeout(w.timer);
      w.resolve(m);
    } else {
      this.#queue.push(m);
    }
  }

  /** Note a sign of life from the peer at time `at` (ms, `performance.now()` clock; may be future). */
  touch(at: number = performance.now()): void {
    if (at > this.#activity) this.#activity = at;
  }

  /** Fail the inbox: pending and later receives reject once the queued messages are consumed. */
  fail(f: LinkFailure): void {
    if (this.#failure !== undefined) return;
    this.#failure = f;
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(linkError(this.self, this.peer, f, "recv", w.path));
    }
  }

  /** The next message; `path` names the receiving op in errors. */
  take(path: string): Promise<Inbound> {
    if (this.#head < this.#queue.length) {
      const m = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined as unknown as Inbound;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve(m);
    }
    if (this.#failure !== undefined) {
      return Promise.reject(linkError(this.self, this.peer, this.#failure, "recv", path));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject, path, start: performance.now(), timer: undefined };
      w.timer = setTimeout(() => this.#expire(w), this.timeoutMs);
      this.#waiters.push(w);
    });
  }

  #expire(w: Waiter): void {
    const idle = performance.now() - Math.max(w.start, this.#activity);
    if (idle < this.timeoutMs) {
      w.timer = setTimeout(() => this.#expire(w), Math.ceil(this.timeoutMs - idle));
      return;
    }
    this.fail({
      kind: "timeout",
      reason: `no message from party ${this.peer} within ${this.timeoutMs} ms`,
    });
  }
}
