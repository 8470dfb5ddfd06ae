/**
 * HMAC-SHA256 (@noble/hashes) for the handshake's key proofs, and constant-time comparison.
 * Frames are protected by AES-256-GCM (`aead.ts`), not by this.
 *
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

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
