/**
 * The events of a link that is established while setup still waits for other peers: the link
 * runs at once (reader and keepalive), so the loss of this peer is noticed during setup, and what
 * arrives before the channel exists is kept for it.
 *
 * @module
 */
import type { LinkFailure } from "./errors.ts";
import type { Inbound } from "./inbox.ts";
import type { LinkEvents } from "./link.ts";

/** Buffers a link's events until {@link SetupEvents.attach}; failures before that go to setup. */
export class SetupEvents implements LinkEvents {
  #target: LinkEvents | undefined;
  #queue: Inbound[] = [];
  #failure: LinkFailure | undefined;

  /** `onSetupFailure` is told when the link fails before it is attached. */
  constructor(readonly onSetupFailure: (f: LinkFailure) => void) {}

  /** A verified message: passed on, or kept until attached. */
  deliver(m: Inbound): void {
    if (this.#target !== undefined) this.#target.deliver(m);
    else this.#queue.push(m);
  }

  /** Bytes arrived. */
  touch(): void {
    this.#target?.touch();
  }

  /** The link is gone. */
  fail(f: LinkFailure): void {
    if (this.#target !== undefined) return this.#target.fail(f);
    this.#failure ??= f;
    this.onSetupFailure(f);
  }

  /** The failure seen before attaching, if any. */
  get failure(): LinkFailure | undefined {
    return this.#failure;
  }

  /** Hand everything kept, and all later events, to `target` (the channel). */
  attach(target: LinkEvents): void {
    this.#target = target;
    for (const m of this.#queue) target.deliver(m);
    this.#queue = [];
    if (this.#failure !== undefined) target.fail(this.#failure);
  }
}
