/**
 * Mutual authentication of a fresh connection with the pair's pre-shared key, and derivation of
 * per-direction session encryption keys. The connecting party C (higher id) and the listening
 * party L:
 *
 * ```
 * C → L  hello   = "SECPTRv2" ‖ u32 C ‖ u32 L ‖ nonceC[32]
 * L → C  reply   = "SECPTRv2" ‖ u8 status ‖ u32 L ‖ nonceL[32] ‖ HMAC(K, "L" ‖ hello ‖ reply[..45])
 * C → L  proof   = HMAC(K, "C" ‖ hello ‖ reply)
 * L → C  verdict = u8 status
 * keys:  C→L, L→C = HKDF-SHA256(K, salt nonceC ‖ nonceL, info "C>L" / "L>C" ‖ hello ‖ reply)
 * ```
 *
 * Nonces come from `crypto.getRandomValues`, so every session has fresh keys and frames of an
 * old session cannot be replayed into a new one. The listening side decides whether a claimed
 * id may connect twice: before sending its reply (`lookup`: unknown ids are refused at once) and
 * after the claimant proved the key (`admit`), so an id is taken only by a verified peer.
 *
 * @module
 */
import { pairName } from "./config.ts";
import { TransportError, type TransportErrorKind } from "./errors.ts";
import { readExact, type Stream, writeAll } from "./io.ts";
import { equalBytes, hmacSha256 } from "./mac.ts";
import { deriveSessionKeys } from "./aead.ts";
import type { PartyId } from "./types.ts";

const MAGIC = new TextEncoder().encode("SECPTRv2");
const HELLO_BYTES = 48;
const REPLY_BYTES = 77;
const REPLY_SIGNED = 45;
const enc = (s: string) => new TextEncoder().encode(s);

/** Handshake status codes sent by the listening side. */
export const Status = {
  ok: 0,
  unknownParty: 1,
  unexpected: 2,
  wrongTarget: 3,
  keyMismatch: 4,
} as const;

const STATUS_TEXT: Record<number, string> = {
  1: "unknown party id",
  2: "not expected to connect (only higher ids connect to lower ones, once)",
  3: "connected to the wrong party",
  4: "key mismatch",
};

/** AES-256-GCM keys of one session, seen from one side. */
export interface SessionKeys {
  /** Key for frames this side sends. */
  send: Uint8Array;
  /** Key for frames this side receives. */
  recv: Uint8Array;
}

/** What the listening side answers for a claimed peer id: its key, or a rejection status. */
export type KeyLookup = (claimed: PartyId) => Uint8Array | number;

/**
 * Called on the listening side once `peer` proved the pair key, before the verdict is sent:
 * {@link Status.ok} to take the connection, or a rejection status.
 */
export type Admit = (peer: PartyId) => number;

function err(self: PartyId, peer: PartyId | undefined, kind: TransportErrorKind, reason: string) {
  return new TransportError(reason, { kind, party: self, peer });
}

/** Rejections that may go away by themselves: the listener still held the id (`unexpected`). */
const retryable = new WeakSet<object>();

/**
 * Whether `e` is a dialer's rejection that a later attempt may overcome: the listener held the
 * claimed id for another connection (a stale attempt of ours, or an outsider's claim).
 */
export function isRetryableRejection(e: unknown): boolean {
  return typeof e === "object" && e !== null && retryable.has(e);
}

/**
 * Read one whole handshake message; `false` at a clean end of stream before it, a `protocol`
 * error when the stream ends inside it.
 */
async function readMessage(
  s: Stream,
  buf: Uint8Array,
  self: PartyId,
  peer: PartyId | undefined,
): Promise<boolean> {
  try {
    return await readExact(s, buf);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("stream ended after")) {
      throw err(self, peer, "protocol", `handshake message truncated (${e.message})`);
    }
    throw e;
  }
}

function hasMagic(b: Uint8Array): boolean {
  return equalBytes(b.subarray(0, MAGIC.length), MAGIC);
}

function sessionKeys(key: Uint8Array, hello: Uint8Array, reply: Uint8Array) {
  const transcript = new Uint8Array(hello.length + reply.length);
  transcript.set(hello);
  transcript.set(reply, hello.length);
  return deriveSessionKeys(key, hello.subarray(16, 48), reply.subarray(13, 45), transcript);
}

/** Run the connecting side against `peer`, proving `key`. */
export async function dialHandshake(
  s: Stream,
  self: PartyId,
  peer: PartyId,
  key: Uint8Array,
): Promise<SessionKeys> {
  const hello = new Uint8Array(HELLO_BYTES);
  const hv = new DataView(hello.buffer);
  hello.set(MAGIC);
  hv.setUint32(8, self, true);
  hv.setUint32(12, peer, true);
  hello.set(crypto.getRandomValues(new Uint8Array(32)), 16);
  await writeAll(s, hello);
  const reply = new Uint8Array(REPLY_BYTES);
  if (!(await readMessage(s, reply, self, peer))) {
    throw err(self, peer, "lost", `party ${peer} closed the connection during the handshake`);
  }
  if (!hasMagic(reply)) {
    throw err(self, peer, "protocol", `the endpoint of party ${peer} does not speak this protocol`);
  }
  const status = reply[8];
  const lid = new DataView(reply.buffer).getUint32(9, true);
  if (status !== Status.ok) {
    const kind = status === Status.keyMismatch ? "auth" : "connect";
    const text = STATUS_TEXT[status] ?? `status ${status}`;
    const e = err(self, peer, kind, `party ${peer} rejected the connection: ${text}`);
    if (status === Status.unexpected) retryable.add(e);
    throw e;
  }
  if (lid !== peer) {
    throw err(self, peer, "connect", `reached party ${lid} at the address of party ${peer}`);
  }
  const tagL = hmacSha256(key, enc("L"), hello, reply.subarray(0, REPLY_SIGNED));
  const listenerOk = equalBytes(tagL, reply.subarray(REPLY_SIGNED));
  await writeAll(s, hmacSha256(key, enc("C"), hello, reply));
  if (!listenerOk) {
    throw err(
      self,
      peer,
      "auth",
      `handshake with party ${peer} failed: it did not prove pair key ${
        pairName(self, peer)
      } (key mismatch)`,
    );
  }
  const verdict = new Uint8Array(1);
  if (!(await readMessage(s, verdict, self, peer))) {
    throw err(self, peer, "lost", `party ${peer} closed the connection during the handshake`);
  }
  if (verdict[0] !== Status.ok && verdict[0] !== Status.keyMismatch) {
    const text = STATUS_TEXT[verdict[0]] ?? `status ${verdict[0]}`;
    const e = err(self, peer, "connect", `party ${peer} rejected the connection: ${text}`);
    if (verdict[0] === Status.unexpected) retryable.add(e);
    throw e;
  }
  if (verdict[0] !== Status.ok) {
    throw err(
      self,
      peer,
      "auth",
      `handshake with party ${peer} failed: it rejected our proof of pair key ${
        pairName(self, peer)
      } (key mismatch)`,
    );
  }
  const k = sessionKeys(key, hello, reply);
  return { send: k.c2l, recv: k.l2c };
}

/**
 * Run the listening side; `lookup` gives the claimed peer's key (or refuses the id at once) and
 * `admit` takes or refuses a peer that proved the key.
 */
export async function acceptHandshake(
  s: Stream,
  self: PartyId,
  lookup: KeyLookup,
  admit: Admit = () => Status.ok,
): Promise<{ peer: PartyId; keys: SessionKeys }> {
  const hello = new Uint8Array(HELLO_BYTES);
  if (!(await readMessage(s, hello, self, undefined))) {
    throw err(self, undefined, "lost", "a connection closed before its handshake");
  }
  if (!hasMagic(hello)) {
    throw err(self, undefined, "protocol", "a connection does not speak this protocol");
  }
  const hv = new DataView(hello.buffer);
  const peer = hv.getUint32(8, true);
  const target = hv.getUint32(12, true);
  const found = target === self ? lookup(peer) : Status.wrongTarget;
  const reply = new Uint8Array(REPLY_BYTES);
  reply.set(MAGIC);
  reply[8] = typeof found === "number" ? found : Status.ok;
  new DataView(reply.buffer).setUint32(9, self, true);
  reply.set(crypto.getRandomValues(new Uint8Array(32)), 13);
  if (typeof found === "number") {
    await writeAll(s, reply);
    const text = STATUS_TEXT[found] ?? `status ${found}`;
    throw err(self, peer, "connect", `rejected a connection claiming to be party ${peer}: ${text}`);
  }
  reply.set(hmacSha256(found, enc("L"), hello, reply.subarray(0, REPLY_SIGNED)), REPLY_SIGNED);
  await writeAll(s, reply);
  const proof = new Uint8Array(32);
  if (!(await readMessage(s, proof, self, peer))) {
    throw err(self, peer, "lost", `party ${peer} closed the connection during the handshake`);
  }
  const ok = equalBytes(proof, hmacSha256(found, enc("C"), hello, reply));
  const verdict = ok ? admit(peer) : Status.keyMismatch;
  await writeAll(s, Uint8Array.of(verdict));
  if (ok && verdict !== Status.ok) {
    const text = STATUS_TEXT[verdict] ?? `status ${verdict}`;
    throw err(self, peer, "connect", `rejected a connection of party ${peer}: ${text}`);
  }
  if (!ok) {
    throw err(
      self,
      peer,
      "auth",
      `handshake with party ${peer} failed: it did not prove pair key ${
        pairName(self, peer)
      } (key mismatch)`,
    );
  }
  const k = sessionKeys(found, hello, reply);
  return { peer, keys: { send: k.l2c, recv: k.c2l } };
}
