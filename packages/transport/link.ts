/**
 * One encrypted, authenticated TCP link to one peer after the handshake: batched frame writes, a
 * background reader loop, close notices, and failure reporting.
 *
 * @module
 */
import { describe, linkError, type LinkFailure, TransportError } from "./errors.ts";
import { FrameCipher } from "./aead.ts";
import { ABORT_MAX_BYTES, encodeFrames, type FrameOut, FrameReader } from "./frame.ts";
import type { SessionKeys } from "./handshake.ts";
import type { Inbound } from "./inbox.ts";
import { closeQuietly, Guard, type Stream } from "./io.ts";
import type { PartyId } from "./types.ts";

/** Traffic counters of one link, framing included. */
export interface WireStats {
  /** `write` calls on the socket. */
  writes: number;
  /** Batches handed to the link (one per flush with queued messages). */
  batches: number;
  /** Frames sent, close notice included. */
  framesSent: number;
  /** Bytes written. */
  bytesWritten: number;
  /** `read` calls that returned data. */
  reads: number;
  /** Bytes read. */
  bytesRead: number;
  /** Frames received. */
  framesReceived: number;
}

/** What a link reports to its channel. */
export interface LinkEvents {
  /** A verified message arrived. */
  deliver(m: Inbound): void;
  /** Bytes arrived (the peer is alive). */
  touch(): void;
  /** The link is gone. */
  fail(f: LinkFailure): void;
}

/** How long a close notice may take to write before the socket is closed anyway. */
const CLOSE_NOTICE_MS = 1000;
/** How long an abort notice may wait and take to write. */
const ABORT_NOTICE_MS = 200;

/** An established link: frames out through {@link TcpLink.write}, frames in via `events`. */
export class TcpLink {
  #conn: Stream;
  #cipher: FrameCipher;
  #reader: FrameReader;
  #seq = 0;
  #writes = { writes: 0, batches: 0, framesSent: 0, bytesWritten: 0 };
  #failure: LinkFailure | undefined;
  #peerClosed = false;
  #closing = false;
  #loop: Promise<void>;
  /** Writes (batches, pings, the close notice) run one at a time, in order. */
  #writeChain: Promise<unknown> = Promise.resolve();
  #lastWrite = performance.now();
  #lastRead = performance.now();
  #lastTick = performance.now();
  #keepalive: ReturnType<typeof setInterval> | undefined;

  /**
   * Start reading from `conn`, an authenticated connection to `peer`. With `keepaliveMs` > 0 the
   * link pings after that long without writing and fails when nothing arrives for `timeoutMs`.
   */
  constructor(
    readonly self: PartyId,
    readonly peer: PartyId,
    conn: Stream,
    keys: SessionKeys,
    readonly maxFrameBytes: number,
    readonly timeoutMs: number,
    readonly events: LinkEvents,
    readonly keepaliveMs: number = 0,
  ) {
    this.#conn = conn;
    this.#cipher = new FrameCipher(keys.send);
    this.#reader = new FrameReader(
      conn,
      new FrameCipher(keys.recv),
      maxFrameBytes,
      peer,
      () => {
        this.#lastRead = performance.now();
        events.touch();
      },
    );
    if (keepaliveMs > 0) {
      this.#keepalive = setInterval(() => this.#tick(), Math.max(1, Math.floor(keepaliveMs / 2)));
    }
    this.#loop = this.#run();
  }

  /** Keepalive: ping when idle, fail when the peer has been silent for `timeoutMs`. */
  #tick(): void {
    const now = performance.now();
    // This process itself was blocked (long synchronous work): the peer's pings are waiting
    // unread in the socket, so silence measured across the gap says nothing about the peer.
    if (now - this.#lastTick > this.keepaliveMs + 1000) this.#lastRead = now;
    this.#lastTick = now;
    if (this.#failure !== undefined || this.#closing) return;
    if (now - this.#lastRead >= this.timeoutMs) {
      this.#break({
        kind: "timeout",
        reason: `no sign of life from party ${this.peer} for ${this.timeoutMs} ms`,
      });
      return;
    }
    if (now - this.#lastWrite >= this.keepaliveMs) {
      this.#lastWrite = now;
      this.#exclusive(async () => {
        if (this.#failure !== undefined || this.#closing) return;
        const seq = this.#seq++;
        try {
          const segs = await encodeFrames(
            [{ payload: new Uint8Array(0), depth: 0, phase: "ping" }],
            seq,
            this.#cipher,
          );
          for (const seg of segs) await this.#writeSegment(seg);
          this.#writes.framesSent++;
        } catch (e) {
          this.#break({
            kind: "lost",
            reason: `lost connection to party ${this.peer} (${describe(e)})`,
            cause: e,
          });
        }
      });
    }
  }

  /** Runs `fn` after every earlier write has finished. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#writeChain.then(fn);
    this.#writeChain = p.catch(() => {});
    return p;
  }

  /** Counters so far. */
  get stats(): WireStats {
    const r = this.#reader.stats;
    return { ...this.#writes, reads: r.reads, bytesRead: r.bytes, framesReceived: r.frames };
  }

  /** Write one batch as one buffer (one `write` call unless the socket takes it in parts). */
  write(batch: FrameOut[], path: string): Promise<void> {
    return this.#exclusive(() => this.#write(batch, path));
  }

  async #write(batch: FrameOut[], path: string): Promise<void> {
    for (const f of batch) {
      if (f.payload.byteLength > this.maxFrameBytes) {
        throw new TransportError(
          `message of ${f.payload.byteLength} bytes to party ${this.peer} exceeds maxFrameBytes ` +
            `(${this.maxFrameBytes}) in send at ${path}`,
          { kind: "usage", party: this.self, peer: this.peer, path },
        );
      }
    }
    if (this.#failure !== undefined) {
      throw linkError(this.self, this.peer, this.#failure, "send", path);
    }
    const seq = this.#seq;
    this.#seq += batch.length;
    const segments = await encodeFrames(batch, seq, this.#cipher);
    this.#lastWrite = performance.now();
    try {
      for (const seg of segments) await this.#writeSegment(seg);
    } catch (e) {
      this.#break({
        kind: "lost",
        reason: `lost connection to party ${this.peer} (${describe(e)})`,
        cause: e,
      });
      throw linkError(this.self, this.peer, this.#failure!, "send", path);
    }
    this.#writes.batches++;
    this.#writes.framesSent += batch.length;
  }

  async #writeSegment(seg: Uint8Array): Promise<void> {
    let off = 0;
    while (off < seg.length) {
      const guard = new Guard(this.#conn, this.timeoutMs);
      try {
        off += await this.#conn.write(seg.subarray(off));
        this.#writes.writes++;
      } catch (e) {
        if (guard.fired === "timeout") {
          this.#break({
            kind: "timeout",
            reason: `party ${this.peer} did not take data for ${this.timeoutMs} ms`,
          });
        }
        throw e;
      } finally {
        guard.dispose();
      }
    }
    this.#writes.bytesWritten += seg.length;
  }

  /**
   * Give up on the link: send an abort notice saying `reason` (best effort, bounded), then close
   * the socket without a close notice, so the peer fails at once with `party N gave up (reason)`.
   */
  async abort(reason?: string): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#keepalive);
    if (reason !== undefined && this.#failure === undefined && !this.#peerClosed) {
      const bytes = new TextEncoder().encode(reason);
      const payload = bytes.subarray(0, Math.min(bytes.length, ABORT_MAX_BYTES));
      // after any write in progress, which the notice must not interleave with
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#writeChain,
        new Promise((r) => (timer = setTimeout(r, ABORT_NOTICE_MS))),
      ]);
      clearTimeout(timer);
      const seq = this.#seq++;
      const guard = new Guard(this.#conn, ABORT_NOTICE_MS);
      try {
        const notice = await encodeFrames(
          [{ payload, depth: 0, phase: "abort" }],
          seq,
          this.#cipher,
        );
        for (const seg of notice) await this.#conn.write(seg);
      } catch {
        // best effort
      } finally {
        guard.dispose();
      }
    }
    closeQuietly(this.#conn);
    await this.#loop;
  }

  /** Send a close notice (bounded), close the socket and wait for the reader to stop. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#keepalive);
    await this.#writeChain;
    if (this.#failure === undefined && !this.#peerClosed) {
      const guard = new Guard(this.#conn, Math.min(this.timeoutMs, CLOSE_NOTICE_MS));
      try {
        const segs = await encodeFrames(
          [{ payload: new Uint8Array(0), depth: 0, phase: "close" }],
          this.#seq++,
          this.#cipher,
        );
        for (const seg of segs) await this.#conn.write(seg);
        this.#writes.framesSent++;
      } catch {
        // best effort: the peer may be gone already
      } finally {
        guard.dispose();
      }
    }
    closeQuietly(this.#conn);
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failure: LinkFailure;
    try {
      for (;;) {
        const f = await this.#reader.next();
        if (f === null) break;
        if (f.phase === "close") {
          this.#peerClosed = true;
          continue;
        }
        if (f.phase === "ping") continue;
        if (f.phase === "abort") {
          // the peer's own words: printable characters only, bounded
          const why = new TextDecoder().decode(f.payload).replace(/[^\x20-\x7e]/g, "?");
          if (!this.#closing) {
            this.#break({ kind: "lost", reason: `party ${this.peer} gave up (${why})` });
          }
          return;
        }
        this.events.deliver({ payload: f.payload, depth: f.depth, phase: f.phase });
      }
      failure = this.#peerClosed
        ? { kind: "closed", reason: `party ${this.peer} closed the link` }
        : { kind: "lost", reason: `lost connection to party ${this.peer}` };
    } catch (e) {
      if (this.#closing) return;
      if (e instanceof TransportError) failure = { kind: e.kind, reason: e.message, cause: e };
      else if (this.#peerClosed) {
        failure = { kind: "closed", reason: `party ${this.peer} closed the link` };
      } else {
        failure = {
          kind: "lost",
          reason: `lost connection to party ${this.peer} (${describe(e)})`,
          cause: e,
        };
      }
    }
    if (this.#closing) return;
    this.#break(failure);
  }

  /** Record the first failure, close the socket and tell the channel. */
  #break(f: LinkFailure): void {
    if (this.#failure !== undefined) return;
    this.#failure = f;
    clearInterval(this.#keepalive);
    closeQuietly(this.#conn);
    if (!this.#closing) this.events.fail(f);
  }
}
