/**
 * HMAC-SHA256 for frames and handshakes. Short inputs use @noble/hashes with a precomputed keyed
 * state (about 3 µs per frame); inputs of 1 KiB and more use the native `node:crypto` HMAC
 * (about 1.5 GB/s, against 0.17 GB/s for the JavaScript one). Both give identical tags.
 *
 * @module
 */
import { _HMAC, hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { createHmac } from "node:crypto";

/** Bytes in an HMAC-SHA256 tag. */
export const TAG_BYTES = 32;

/** From this input size on, the native implementation is faster. */
const NATIVE_FROM = 1024;

/** HMAC-SHA256 under one fixed key, over one or two concatenated parts. */
export class FrameMac {
  readonly #key: Uint8Array;
  readonly #keyed: _HMAC<any>;
  #scratch: _HMAC<any> | undefined;

  /** A MAC under `key`. */
  constructor(key: Uint8Array) {
    this.#key = key.slice();
    this.#keyed = new _HMAC(sha256, this.#key);
  }

  /** `HMAC(key, a || b)`. */
  tag(a: Uint8Array, b?: Uint8Array): Uint8Array {
    const n = a.byteLength + (b?.byteLength ?? 0);
    if (n >= NATIVE_FROM) {
      const h = createHmac("sha256", this.#key).update(a);
      if (b !== undefined) h.update(b);
      const d = h.digest();
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    }
    const h = this.#keyed._cloneInto(this.#scratch);
    this.#scratch = h;
    h.update(a);
    if (b !== undefined) h.update(b);
    const out = new Uint8Array(TAG_BYTES);
    h.digestInto(out);
    return out;
  }
}

/** `HMAC-SHA256(key, parts[0] || parts[1] || …)`. */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = hmac.create(sha256, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Constant-time equality of two byte strings (time depends on the length only). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let d = 0;
  for (let i = 0; i < a.byteLength; i++) d |= a[i] ^ b[i];
  return d === 0;
}
