/**
 * Wire frames after the handshake, all integers little-endian:
 *
 * ```
 * [u32 length][u64 seq][u32 depth][u8 code][AES-256-GCM(payload): length bytes][16-byte GCM tag]
 * ```
 *
 * `code` is 0 (online), 1 (offline), 253 (abort notice: the reason, at most 1 KiB), 254
 * (keepalive ping, empty payload) or 255 (close notice, empty payload). The payload is encrypted
 * and the 17-byte header is authenticated as associated data (see `aead.ts`): the wire shows
 * lengths, counters and frame types, never payload bytes. `seq` counts frames per direction from
 * 0 and is the GCM nonce; the key is per direction and per session, so a tampered, replayed,
 * reordered or truncated frame is detected and is an error, never data.
 *
 * @module
 */
import { TransportError } from "./errors.ts";
import { AEAD_TAG_BYTES as TAG_BYTES, type FrameCipher } from "./aead.ts";
import type { PartyId, Phase } from "./types.ts";

/** Header bytes before the payload. */
export const HEADER_BYTES = 17;
/** Framing bytes per message (header + tag). */
export const FRAME_OVERHEAD: number = HEADER_BYTES + TAG_BYTES;
/** Frame code of a close notice. */
export const CLOSE_CODE = 255;
/** Frame code of a keepalive ping (empty payload, ignored by the receiver). */
export const PING_CODE = 254;
/** Frame code of an abort notice: the sender gave up on the session; the payload says why. */
export const ABORT_CODE = 253;
/** Largest payload of an abort notice. */
export const ABORT_MAX_BYTES = 1024;
/** Payloads at least this large are written from the caller's buffer instead of being copied. */
export const ZERO_COPY_FROM: number = 1 << 20;

const CODE: Record<Phase, number> = { online: 0, offline: 1 };

/** A frame to send. */
export interface FrameOut {
  /** Payload. */
  payload: Uint8Array;
  /** Lamport depth. */
  depth: number;
  /** Phase, or `close` for a close notice, `ping` for a keepalive. */
  phase: Phase | "close" | "ping" | "abort";
}

/** A received, verified frame. */
export interface FrameIn {
  /** Payload (an `ArrayBuffer` of its own, offset 0). */
  payload: Uint8Array;
  /** Lamport depth. */
  depth: number;
  /** Phase, or `close` for a close notice, `ping` for a keepalive. */
  phase: Phase | "close" | "ping" | "abort";
}

function putHeader(buf: Uint8Array, off: number, f: FrameOut, seq: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset + off, HEADER_BYTES);
  v.setUint32(0, f.payload.byteLength, true);
  v.setUint32(4, seq >>> 0, true);
  v.setUint32(8, Math.floor(seq / 2 ** 32), true);
  v.setUint32(12, f.depth, true);
  v.setUint8(
    16,
    f.phase === "close"
      ? CLOSE_CODE
      : f.phase === "ping"
      ? PING_CODE
      : f.phase === "abort"
      ? ABORT_CODE
      : CODE[f.phase],
  );
}

/**
 * Encrypt and encode `frames` with sequence numbers from `seq` on. Returns the segments to write
 * in order: one buffer for a batch of ordinary messages; the ciphertext of a payload of
 * {@link ZERO_COPY_FROM} bytes or more is a segment of its own (not copied again).
 */
export async function encodeFrames(
  frames: FrameOut[],
  seq: number,
  cipher: FrameCipher,
): Promise<Uint8Array[]> {
  const sizes: number[] = [];
  let size = 0;
  for (const f of frames) {
    size += HEADER_BYTES;
    if (f.payload.byteLength >= ZERO_COPY_FROM) {
      sizes.push(size);
      size = 0;
    } else size += f.payload.byteLength + TAG_BYTES;
  }
  sizes.push(size);
  const segments: Uint8Array[] = [];
  let buf = new Uint8Array(sizes[0]);
  let part = 0;
  let off = 0;
  for (const f of frames) {
    const n = f.payload.byteLength;
    putHeader(buf, off, f, seq);
    const sealed = await cipher.seal(buf.subarray(off, off + HEADER_BYTES), f.payload, seq++);
    if (n >= ZERO_COPY_FROM) {
      segments.push(buf, sealed);
      buf = new Uint8Array(sizes[++part]);
      off = 0;
    } else {
      buf.set(sealed, off + HEADER_BYTES);
      off += HEADER_BYTES + n + TAG_BYTES;
    }
  }
  if (buf.length > 0) segments.push(buf);
  return segments;
}

/** Counters of a {@link FrameReader}. */
export interface ReadStats {
  /** `read` calls that returned data. */
  reads: number;
  /** Bytes read, framing included. */
  bytes: number;
  /** Frames accepted. */
  frames: number;
}

/** First size of the reusable read buffer; doubled while reads fill it, up to SMALL_BUFFER. */
const START_BUFFER = 16 << 10;
const SMALL_BUFFER = 256 << 10;
const BUFFER_LIMIT = 1 << 20;
/** First allocation for a large payload (what a forged length costs); grown ×8 as data arrives. */
const BIG_START = 1 << 20;

/**
 * Buffered reader of frames from one peer: one reusable buffer for small frames (16 KiB at first,
 * doubled while reads fill it up to 256 KiB, and up to 1 MiB for a frame that needs it); larger
 * payloads are read straight into their own buffer, which starts at 1 MiB and grows eightfold as
 * data arrives, so an announced length costs nothing until the bytes really come.
 */
export class FrameReader {
  #buf = new Uint8Array(START_BUFFER);
  #start = 0;
  #end = 0;
  #seq = 0;
  /** Counters. */
  readonly stats: ReadStats = { reads: 0, bytes: 0, frames: 0 };

  /** A reader of frames from `peer` on `src`; `onData` is called whenever bytes arrive. */
  constructor(
    readonly src: { read(p: Uint8Array): Promise<number | null> },
    readonly cipher: FrameCipher,
    readonly maxFrameBytes: number,
    readonly peer: PartyId,
    readonly onData: () => void = () => {},
  ) {}

  /** The next verified frame, or `null` at a clean end of stream (between frames). */
  async next(): Promise<FrameIn | null> {
    if (!(await this.#fill(HEADER_BYTES))) {
      if (this.#end === this.#start) return null;
      throw this.#truncated();
    }
    const v = new DataView(this.#buf.buffer, this.#start, HEADER_BYTES);
    const len = v.getUint32(0, true);
    const seq = v.getUint32(4, true) + v.getUint32(8, true) * 2 ** 32;
    const depth = v.getUint32(12, true);
    const code = v.getUint8(16);
    if (len > this.maxFrameBytes) {
      throw this.#error(
        "protocol",
        `frame from party ${this.peer} announces ${len} bytes, over the limit of ${this.maxFrameBytes}`,
      );
    }
    const total = HEADER_BYTES + len + TAG_BYTES;
    let payload: Uint8Array | null;
    if (total <= BUFFER_LIMIT) {
      if (!(await this.#fill(total))) throw this.#truncated();
      const s = this.#start;
      // decrypt before the buffer moves on: `open` returns a copy of its own
      payload = await this.cipher.open(
        this.#buf.subarray(s, s + HEADER_BYTES),
        this.#buf.subarray(s + HEADER_BYTES, s + total),
        seq,
      );
      this.#start += total;
    } else {
      const header = this.#buf.slice(this.#start, this.#start + HEADER_BYTES);
      this.#start += HEADER_BYTES;
      payload = await this.cipher.open(header, await this.#readLarge(len + TAG_BYTES), seq);
    }
    if (payload === null) {
      throw this.#error(
        "auth",
        `frame from party ${this.peer} failed authentication (tampered or corrupted)`,
      );
    }
    if (seq !== this.#seq) {
      throw this.#error(
        "protocol",
        `frame from party ${this.peer} replayed or out of order (sequence ${seq}, expected ${this.#seq})`,
      );
    }
    const phase = code === 0
      ? "online"
      : code === 1
      ? "offline"
      : code === CLOSE_CODE
      ? "close"
      : code === PING_CODE
      ? "ping"
      : code === ABORT_CODE
      ? "abort"
      : "";
    if (phase === "") {
      throw this.#error("protocol", `frame from party ${this.peer} has unknown code ${code}`);
    }
    if ((phase === "close" || phase === "ping") && len !== 0) {
      throw this.#error("protocol", `${phase} frame from party ${this.peer} carries a payload`);
    }
    if (phase === "abort" && len > ABORT_MAX_BYTES) {
      throw this.#error("protocol", `abort notice from party ${this.peer} is too long`);
    }
    this.#seq++;
    this.stats.frames++;
    return { payload, depth, phase };
  }

  /** Make at least `n` bytes available at `#start`; `false` if the stream ends first. */
  async #fill(n: number): Promise<boolean> {
    if (this.#end - this.#start >= n) return true;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#buf.length - this.#start < n) {
      const have = this.#end - this.#start;
      if (this.#buf.length < n) {
        const size = Math.min(BUFFER_LIMIT, Math.max(n, 2 * this.#buf.length));
        const bigger = new Uint8Array(size);
        bigger.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = bigger;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = have;
    }
    while (this.#end - this.#start < n) {
      const space = this.#buf.length - this.#end;
      const r = await this.src.read(this.#buf.subarray(this.#end));
      if (r === null) return false;
      this.#count(r);
      this.#end += r;
      if (r === space && this.#buf.length < SMALL_BUFFER) {
        // the peer sends more than fits: read in bigger bites from now on
        const bigger = new Uint8Array(2 * this.#buf.length);
        bigger.set(this.#buf.subarray(this.#start, this.#end));
        this.#end -= this.#start;
        this.#start = 0;
        this.#buf = bigger;
      }
    }
    return true;
  }

  /** Read a payload of `len` bytes into its own buffer (grown in steps as data arrives). */
  async #readLarge(len: number): Promise<Uint8Array> {
    const buffered = Math.min(len, this.#end - this.#start);
    let out = new Uint8Array(Math.min(len, Math.max(buffered, BIG_START)));
    out.set(this.#buf.subarray(this.#start, this.#start + buffered));
    this.#start += buffered;
    let filled = buffered;
    while (filled < len) {
      if (filled === out.length) {
        const grown = new Uint8Array(Math.min(len, 8 * out.length));
        grown.set(out);
        out = grown;
      }
      const r = await this.src.read(out.subarray(filled));
      if (r === null) throw this.#truncated();
      this.#count(r);
      filled += r;
    }
    return out;
  }

  #count(r: number): void {
    this.stats.reads++;
    this.stats.bytes += r;
    this.onData();
  }

  #truncated(): TransportError {
    return this.#error(
      "protocol",
      `connection to party ${this.peer} ended in the middle of a frame (truncated)`,
    );
  }

  #error(kind: "protocol" | "auth", reason: string): TransportError {
    return new TransportError(reason, { kind, peer: this.peer });
  }
}
