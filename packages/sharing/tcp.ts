/**
 * Running a backend party over authenticated TCP (one process or host per party). Pairwise PRG
 * seeds are derived fresh for every session: each pair exchanges nonces over its authenticated link
 * and both compute HMAC-SHA256(pair key, label ‖ nonce_low ‖ nonce_high), so seeds are never reused
 * across runs and never travel on the wire.
 *
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  type Channel,
  connectTcp,
  type Ledger,
  parseConfig,
  type PartyId,
  type TcpChannel,
} from "@secp/transport";
import type { BackendKind, SecretBackend, TruncMode } from "./backend.ts";
import { localTopology, makeBackend } from "./local.ts";
import type { Roles } from "./networked.ts";
import type { RevealSink } from "./reveal_log.ts";

const LABEL = new TextEncoder().encode("secp-tuning/prg-seed/v1");
const SETUP = { path: "setup/seed", phase: "offline" } as const;

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** Derives a fresh 16-byte PRG seed with every peer (one exchange of 32-byte nonces per pair). */
export async function deriveSeeds(
  ch: Channel,
  keys: Readonly<Record<string, string>>,
): Promise<Map<PartyId, Uint8Array>> {
  const me = ch.self;
  const peers = ch.parties.filter((p) => p !== me);
  const mine = crypto.getRandomValues(new Uint8Array(32));
  for (const p of peers) ch.send(p, mine, SETUP);
  await ch.flush();
  const seeds = new Map<PartyId, Uint8Array>();
  for (const p of peers) {
    const theirs = await ch.recv(p, SETUP);
    if (theirs.length !== 32) throw new Error(`party ${me}: bad seed nonce from party ${p}`);
    const [lo, hi] = me < p ? [mine, theirs] : [theirs, mine];
    const key = keys[`${Math.min(me, p)}-${Math.max(me, p)}`];
    if (!key) throw new Error(`party ${me}: no key for pair ${Math.min(me, p)}-${Math.max(me, p)}`);
    const msg = new Uint8Array(LABEL.length + 64);
    msg.set(LABEL);
    msg.set(lo, LABEL.length);
    msg.set(hi, LABEL.length + 32);
    seeds.set(p, hmac(sha256, hexBytes(key), msg).slice(0, 16));
  }
  return seeds;
}

/** Options of {@link connectParty}. */
export interface ConnectPartyOptions {
  /** Ledger to record into (default: a new one per channel). */
  ledger?: Ledger;
  /** An already-open listener for this party's port. */
  listener?: Deno.TcpListener;
  /** Role mapping (default: the config's `roles`, else the in-process default of the backend). */
  roles?: Roles;
  /** Fractional bits. */
  fracBits?: number;
  /** 2PC truncation. */
  trunc?: TruncMode;
  /** Where this party records its openings (the reveal ledger). */
  reveals?: RevealSink;
}

/** Connects party `self` of a TCP config and builds its backend of `kind`. */
export async function connectParty(
  kind: BackendKind,
  config: string | Record<string, unknown>,
  self: PartyId,
  opts: ConnectPartyOptions = {},
): Promise<{ backend: SecretBackend; channel: TcpChannel }> {
  const raw = typeof config === "string" ? JSON.parse(config) : config;
  const cfg = parseConfig(raw);
  const roles = opts.roles ?? (raw.roles as Roles | undefined) ?? localTopology(kind).roles;
  const channel = await connectTcp(cfg, self, { ledger: opts.ledger, listener: opts.listener });
  const seeds = await deriveSeeds(channel, cfg.keys);
  const backend = makeBackend(kind, channel, roles, seeds, {
    fracBits: opts.fracBits,
    trunc: opts.trunc,
    reveals: opts.reveals,
  });
  return { backend, channel };
}
