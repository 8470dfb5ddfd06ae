/**
 * Links between threads of one process: one `MessagePort` per pair of parties, so each party can
 * run in its own Worker and use its own core. Each flush to a peer is one `postMessage` whose
 * payloads travel in a single transferred buffer (one copy at the sender, none at the receiver).
 * The semantics are those of every channel ({@link ChannelCore}): same depth, same ledger records,
 * same failures (an orderly close, or a party giving up with a reason).
 *
 * @module
 */
import { ChannelCore, DEFAULT_TIMEOUT_MS, type Outbound } from "./core.ts";
import { TransportError } from "./errors.ts";
import type { LedgerSink, PartyId, Phase } from "./types.ts";

/** What travels on a port. */
type PortMessage =
  | { t: "batch"; buf: ArrayBuffer; lengths: number[]; depths: number[]; phases: Phase[] }
  | { t: "close" }
  | { t: "abort"; reason: string };

/** Payloads start at multiples of 8 bytes, so 64-bit ring words are read in place. */
const align8 = (n: number) => (n + 7) & ~7;

/** Options of {@link PortChannel}. */
export interface PortChannelOptions {
  /** Where sent messages are recorded (each thread has its own; merge them for global figures). */
  ledger: LedgerSink;
  /** Receive timeout in ms (default 30 000). */
  timeoutMs?: number;
}

/** One party's endpoint over message ports to each peer (see {@link createPortNetwork}). */
export class PortChannel extends ChannelCore {
  #ports: Map<PartyId, MessagePort>;
  #gone = false;

  /** A channel of `self` whose link to each peer is `ports.get(peer)`. */
  constructor(
    self: PartyId,
    ports: ReadonlyMap<PartyId, MessagePort>,
    opts: PortChannelOptions,
  ) {
    super(self, [self, ...ports.keys()], opts.ledger, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#ports = new Map(ports);
    for (const [peer, port] of this.#ports) {
      port.onmessage = (ev: MessageEvent<PortMessage>) => this.#receive(peer, ev.data);
      port.start();
    }
  }

  #receive(peer: PartyId, m: PortMessage): void {
    if (m.t === "batch") {
      let off = 0;
      for (let i = 0; i < m.lengths.length; i++) {
        const payload = new Uint8Array(m.buf, off, m.lengths[i]);
        off += align8(m.lengths[i]);
        this.deliver(peer, { payload, depth: m.depths[i], phase: m.phases[i] });
      }
    } else if (m.t === "close") {
      this.failLink(peer, { kind: "closed", reason: `party ${peer} closed the link` });
    } else {
      const why = String(m.reason).replace(/[^\x20-\x7e]/g, "?");
      this.failLink(peer, { kind: "lost", reason: `party ${peer} gave up (${why})` });
    }
  }

  /** One `postMessage` per batch, its payloads copied into one transferred buffer. */
  protected transmit(to: PartyId, batch: Outbound[]): Promise<void> {
    const port = this.#ports.get(to)!;
    if (this.#gone) {
      return Promise.reject(
        new TransportError(`link to party ${to} is closed`, { kind: "closed", party: this.self }),
      );
    }
    const total = batch.reduce((s, m) => s + align8(m.payload.byteLength), 0);
    const bytes = new Uint8Array(total);
    let off = 0;
    for (const m of batch) {
      bytes.set(m.payload, off);
      off += align8(m.payload.byteLength);
    }
    const msg: PortMessage = {
      t: "batch",
      buf: bytes.buffer,
      lengths: batch.map((m) => m.payload.byteLength),
      depths: batch.map((m) => m.depth),
      phases: batch.map((m) => m.phase),
    };
    port.postMessage(msg, [bytes.buffer]);
    return Promise.resolve();
  }

  /**
   * Give up: tell every peer why (they fail at once with `party N gave up (reason)`), then drop
   * the links without flushing. For a party whose session failed.
   */
  async abort(reason?: string): Promise<void> {
    this.#post({ t: "abort", reason: reason ?? "aborted" });
    this.#gone = true;
    await this.close();
  }

  /** Close notices to every peer, then release the ports. */
  protected shutdown(): Promise<void> {
    this.#post({ t: "close" });
    for (const port of this.#ports.values()) port.close();
    return Promise.resolve();
  }

  #post(m: PortMessage): void {
    if (this.#gone) return;
    for (const port of this.#ports.values()) {
      try {
        port.postMessage(m);
      } catch {
        // the peer's thread is gone already: nothing to tell it
      }
    }
  }
}

/**
 * The ports of a full mesh among `parties`: `result.get(a).get(b)` is a's end of the a–b link.
 * Transfer each party's ports to the thread that runs it, then build its {@link PortChannel}.
 */
export function createPortMesh(
  parties: readonly PartyId[],
): Map<PartyId, Map<PartyId, MessagePort>> {
  if (new Set(parties).size !== parties.length || parties.length === 0) {
    throw new TransportError(`party ids must be distinct and non-empty: ${parties.join(", ")}`, {
      kind: "config",
    });
  }
  const mesh = new Map(parties.map((p) => [p, new Map<PartyId, MessagePort>()]));
  for (const a of parties) {
    for (const b of parties) {
      if (a >= b) continue;
      const { port1, port2 } = new MessageChannel();
      mesh.get(a)!.set(b, port1);
      mesh.get(b)!.set(a, port2);
    }
  }
  return mesh;
}
