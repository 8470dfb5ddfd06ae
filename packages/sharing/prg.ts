/**
 * Pseudo-random generator streams: AES-128-CTR keystreams from a 16-byte seed. Two parties holding
 * the same seed draw identical streams, which is how correlated randomness is derived without
 * sending it. Bulk output comes from WebCrypto (≈1 GB/s here); `@noble/ciphers` gives the
 * byte-identical stream synchronously (tests check they agree).
 *
 * @module
 */
import { ctr } from "@noble/ciphers/aes.js";
import { RingTensor, type Shape, sizeOf } from "@secp/field";

/** Serialisable position of a PRG stream (for checkpoints). */
export interface PrgState {
  /** Seed as hex. */
  seed: string;
  /** Next AES block index. */
  block: number;
}

/** Fresh 16-byte seed from the platform CSPRNG (`crypto.getRandomValues`). */
export function randomSeed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

/**
 * A deterministic seed for tests only: **insecure**, anyone can recompute it. Never use it in a
 * normal run.
 */
export function insecureTestSeed(label: string): Uint8Array {
  const out = new Uint8Array(16);
  const b = new TextEncoder().encode(label);
  for (let i = 0; i < b.length; i++) out[i % 16] = (out[i % 16] * 31 + b[i] + i) & 0xff;
  return out;
}

function ivFor(block: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setBigUint64(8, BigInt(block));
  return iv;
}

/** An AES-128-CTR keystream; every draw advances the stream by whole 16-byte blocks. */
export class Prg {
  #seed: Uint8Array<ArrayBuffer>;
  #block: number;
  #key: Promise<CryptoKey> | undefined;

  /** A stream from a 16-byte seed, starting at block `block` (0 for a fresh stream). */
  constructor(seed: Uint8Array, block = 0) {
    if (seed.length !== 16) throw new RangeError(`Prg: seed must be 16 bytes, got ${seed.length}`);
    this.#seed = new Uint8Array(seed);
    this.#block = block;
  }

  /** Restores a stream from {@link PrgState}. */
  static fromState(s: PrgState): Prg {
    const seed = new Uint8Array(s.seed.match(/../g)!.map((h) => parseInt(h, 16)));
    return new Prg(seed, s.block);
  }

  /** Current position. */
  state(): PrgState {
    return {
      seed: [...this.#seed].map((b) => b.toString(16).padStart(2, "0")).join(""),
      block: this.#block,
    };
  }

  #take(n: number): number {
    const start = this.#block;
    this.#block += Math.ceil(n / 16);
    return start;
  }

  /** Next `n` bytes of the stream (WebCrypto). */
  async bytes(n: number): Promise<Uint8Array> {
    const start = this.#take(n);
    if (n === 0) return new Uint8Array(0);
    this.#key ??= crypto.subtle.importKey("raw", this.#seed, "AES-CTR", false, ["encrypt"]);
    const zeros = new Uint8Array(Math.ceil(n / 16) * 16);
    const ks = await crypto.subtle.encrypt(
      { name: "AES-CTR", counter: ivFor(start), length: 64 },
      await this.#key,
      zeros,
    );
    return new Uint8Array(ks, 0, n);
  }

  /** Next `n` bytes, computed synchronously with `@noble/ciphers` (slower; same stream). */
  bytesSync(n: number): Uint8Array {
    const start = this.#take(n);
    const zeros = new Uint8Array(Math.ceil(n / 16) * 16);
    return ctr(this.#seed, ivFor(start)).encrypt(zeros).subarray(0, n);
  }

  /** A uniformly random ring tensor. */
  async ring(shape: Shape): Promise<RingTensor> {
    return RingTensor.fromBytes(await this.bytes(8 * sizeOf(shape)), shape);
  }

  /** A ring tensor uniform in [0, 2^k). */
  async ringMod(shape: Shape, k: number): Promise<RingTensor> {
    return (await this.ring(shape)).mod2k(k);
  }
}
