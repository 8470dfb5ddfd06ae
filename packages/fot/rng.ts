/**
 * Seeded, deterministic random numbers from a ChaCha20 keystream (RFC 8439 block function from
 * `@noble/ciphers`). The whole state is a key, a stream id and a word position, so a generator can
 * be checkpointed as JSON and resumed bit-identically.
 *
 * @module
 */

import { chacha20 } from "@noble/ciphers/chacha.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "./codec.ts";

/**
 * A seed: 32+ random bytes (`Uint8Array`), any string (e.g. the hex from {@link seedFromCrypto}),
 * or a non-negative safe integer (tests only). It is hashed with a label into the ChaCha20 key.
 */
export type Seed = Uint8Array | string | number;

/** JSON-serialisable state of an {@link Rng}: enough to resume the exact same stream. */
export interface RngState {
  /** Always `"chacha20"`. */
  algorithm: "chacha20";
  /** The 32-byte ChaCha20 key as 64 hex digits. */
  key: string;
  /** Stream id (the first nonce word), an unsigned 32-bit integer. */
  stream: number;
  /** Number of 32-bit keystream words consumed so far. */
  position: number;
}

const CHUNK_BLOCKS = 64; // 64 ChaCha blocks = 4096 bytes per refill; divides BLOCKS_PER_NONCE.
// Block index b uses nonce (stream, ⌊b / 2^31⌋) and counter b mod 2^31, so noble's 32-bit block
// counter never reaches its limit and the stream never repeats below 2^53 words.
const BLOCKS_PER_NONCE = 2 ** 31;
const CHUNK_BYTES = CHUNK_BLOCKS * 64;
const CHUNK_WORDS = CHUNK_BYTES / 4;
const TWO32 = 4294967296;
const TWO_PI = 2 * Math.PI;

/** Fresh 32-byte seed from `crypto.getRandomValues`, as 64 hex digits. Use this for real runs. */
export function seedFromCrypto(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Derives the 32-byte ChaCha20 key for `seed` under a domain-separation `label`, so the same seed
 * gives independent streams for different purposes (e.g. `"cmaes"` and `"projection"`).
 */
export function deriveKey(seed: Seed, label = ""): Uint8Array {
  let tag: string;
  let body: Uint8Array;
  if (seed instanceof Uint8Array) {
    tag = "b";
    body = seed;
  } else if (typeof seed === "string") {
    tag = "s";
    body = new TextEncoder().encode(seed);
  } else if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`numeric seed must be a non-negative safe integer, got ${seed}`);
    }
    tag = "n";
    body = new Uint8Array(8);
    new DataView(body.buffer).setBigUint64(0, BigInt(seed), true);
  } else {
    throw new TypeError("seed must be a Uint8Array, a string or a number");
  }
  const head = new TextEncoder().encode(`secp-fot/rng/v1\u0000${label}\u0000${tag}\u0000`);
  const msg = new Uint8Array(head.length + body.length);
  msg.set(head);
  msg.set(body, head.length);
  return sha256(msg);
}

/** Deterministic generator of uint32 words, uniform doubles in [0, 1) and standard normals. */
export class Rng {
  readonly #key: Uint8Array;
  readonly #stream: number;
  readonly #nonce = new Uint8Array(12);
  readonly #zeros = new Uint8Array(CHUNK_BYTES);
  readonly #bytes = new Uint8Array(CHUNK_BYTES);
  readonly #words = new Uint32Array(CHUNK_WORDS);
  #chunk = -1; // index of the chunk held in #words
  #offset = CHUNK_WORDS; // next word inside the chunk

  private constructor(key: Uint8Array, stream: number, position: number) {
    if (key.length !== 32) throw new RangeError("ChaCha20 key must be 32 bytes");
    if (!Number.isInteger(stream) || stream < 0 || stream >= TWO32) {
      throw new RangeError(`stream must be a uint32, got ${stream}`);
    }
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new RangeError(`position must be a non-negative safe integer, got ${position}`);
    }
    this.#key = key.slice();
    this.#stream = stream;
    new DataView(this.#nonce.buffer).setUint32(0, stream, true);
    const chunk = Math.floor(position / CHUNK_WORDS);
    this.#fill(chunk);
    this.#offset = position - chunk * CHUNK_WORDS;
  }

  /** Generator for `seed` (hashed with `label`) on stream `stream` (default 0). */
  static fromSeed(seed: Seed, label = "", stream = 0): Rng {
    return new Rng(deriveKey(seed, label), stream, 0);
  }

  /** Restores a generator from {@link Rng.state}; throws on malformed state. */
  static fromState(state: RngState): Rng {
    if (state === null || typeof state !== "object" || state.algorithm !== "chacha20") {
      throw new TypeError("RNG state: expected {algorithm: 'chacha20', ...}");
    }
    if (typeof state.key !== "string" || state.key.length !== 64) {
      throw new TypeError("RNG state: key must be 64 hex digits");
    }
    return new Rng(hexToBytes(state.key), state.stream, state.position);
  }

  /** Current state; `Rng.fromState(rng.state())` continues with exactly the same outputs. */
  state(): RngState {
    return {
      algorithm: "chacha20",
      key: bytesToHex(this.#key),
      stream: this.#stream,
      position: this.#chunk * CHUNK_WORDS + this.#offset,
    };
  }

  /** An independent generator with the same key on another stream id. */
  fork(stream: number): Rng {
    return new Rng(this.#key, stream, 0);
  }

  #fill(chunk: number): void {
    const block = chunk * CHUNK_BLOCKS;
    const high = Math.floor(block / BLOCKS_PER_NONCE);
    const counter = block - high * BLOCKS_PER_NONCE;
    const view = new DataView(this.#nonce.buffer);
    view.setUint32(4, high >>> 0, true);
    view.setUint32(8, Math.floor(high / TWO32) >>> 0, true);
    chacha20(this.#key, this.#nonce, this.#zeros, this.#bytes, counter);
    const b = this.#bytes;
    const w = this.#words;
    for (let i = 0, j = 0; i < CHUNK_WORDS; i++, j += 4) {
      w[i] = (b[j] | (b[j + 1] << 8) | (b[j + 2] << 16) | (b[j + 3] << 24)) >>> 0;
    }
    this.#chunk = chunk;
    this.#offset = 0;
  }

  /** Next keystream word as an unsigned 32-bit integer. */
  nextUint32(): number {
    if (this.#offset === CHUNK_WORDS) this.#fill(this.#chunk + 1);
    return this.#words[this.#offset++];
  }

  /** Uniform double in [0, 1) with 53 random bits (two words). */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, n) by rejection (no modulo bias); `n` must be in [1, 2^32]. */
  uniformInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO32) throw new RangeError(`bad range ${n}`);
    const limit = TWO32 - (TWO32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** One standard normal (Box–Muller; consumes four words, the sine partner is discarded). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
  }

  /** Fills `out` with normals of mean 0 and standard deviation `std` (Box–Muller pairs). */
  fillNormal(out: Float64Array | Float32Array, std = 1): void {
    const n = out.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const u1 = 1 - this.uniform();
      const u2 = this.uniform();
      const r = std * Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(TWO_PI * u2);
      out[i + 1] = r * Math.sin(TWO_PI * u2);
    }
    if (i < n) out[i] = std * this.normal();
  }

  /** Fills `out` with uniform doubles in [0, 1). */
  fillUniform(out: Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform();
  }

  /** Fisher–Yates shuffle of `items` in place; returns `items`. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.uniformInt(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }
}
