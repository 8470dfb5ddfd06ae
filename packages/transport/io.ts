/**
 * Small socket helpers: exact reads, complete writes, deadlines that close the socket, and
 * abortable sleeps. Every network await in the package is bounded through these.
 *
 * @module
 */

/** The part of `Deno.Conn` the transport uses. */
export interface Stream {
  /** Read up to `p.length` bytes; `null` at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Write some prefix of `p`; resolves with its length. */
  write(p: Uint8Array): Promise<number>;
  /** Release the socket. */
  close(): void;
}

/** Close `s`, ignoring "already closed". */
export function closeQuietly(s: { close(): void } | undefined): void {
  try {
    s?.close();
  } catch {
    // already closed
  }
}

/** Fill `buf` completely; `false` if the stream ended before the first byte, throws if mid-way. */
export async function readExact(s: Stream, buf: Uint8Array): Promise<boolean> {
  let n = 0;
  while (n < buf.length) {
    const r = await s.read(buf.subarray(n));
    if (r === null) {
      if (n === 0) return false;
      throw new Error(`stream ended after ${n} of ${buf.length} bytes`);
    }
    n += r;
  }
  return true;
}

/** Write all of `data`; returns the number of `write` calls made. */
export async function writeAll(s: Stream, data: Uint8Array): Promise<number> {
  let off = 0;
  let calls = 0;
  while (off < data.length) {
    off += await s.write(data.subarray(off));
    calls++;
  }
  return calls;
}

/**
 * Closes `s` when `ms` pass or `signal` aborts, whichever first, so any pending read or write on
 * it fails. `dispose()` disarms it; `fired` tells whether it closed the socket.
 */
export class Guard {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = () => this.#fire("aborted");
  /** Why the guard closed the socket, if it did. */
  fired: "timeout" | "aborted" | undefined;

  /** Arm a guard on `s`. */
  constructor(readonly s: { close(): void }, ms: number, signal?: AbortSignal) {
    this.#timer = setTimeout(() => this.#fire("timeout"), Math.max(0, ms));
    this.#signal = signal;
    if (signal?.aborted) this.#fire("aborted");
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  #fire(why: "timeout" | "aborted"): void {
    if (this.fired !== undefined) return;
    this.fired = why;
    this.dispose();
    closeQuietly(this.s);
  }

  /** Disarm. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

/** Resolve after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Whether `e` is a Deno error of class `name` (e.g. `ConnectionRefused`). */
export function isDenoError(e: unknown, name: keyof typeof Deno.errors): boolean {
  return e instanceof Deno.errors[name];
}
