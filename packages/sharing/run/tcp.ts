/**
 * One party of a deployment over authenticated TCP (one process or host per party): the TCP
 * half of the start-up sequence. Pairwise PRG seeds are derived fresh for every session: each pair
 * exchanges nonces over its authenticated link and both compute HMAC-SHA256(pair key, label ‖
 * nonce_low ‖ nonce_high), so seeds are never reused across runs and never travel on the wire.
 *
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import {
  type Channel,
  connectTcp,
  type Ledger,
  parseConfig,
  type PartyId,
  type TcpChannel,
  type TcpConfig,
} from "@secp/transport";
import type { BackendKind, SecretBackend } from "../backend.ts";
import type { Roles } from "../networked.ts";
import { type BackendOptions, makeBackend } from "./start.ts";
import { localTopology, pairwiseSeeds } from "./topology.ts";

const LABEL = new TextEncoder().encode("secp-tuning/prg-seed/v1");
const SETUP = { path: "setup/seed", phase: "offline" } as const;

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
    seeds.set(p, hmac(sha256, hexToBytes(key), msg).slice(0, 16));
  }
  return seeds;
}

/** Options of {@link connectParty}. */
export interface ConnectPartyOptions {
  /** Ledger to record into (default: a new one per channel). */
  ledger?: Ledger;
  /** An already-open listener for this party's port. */
  listener?: Deno.TcpListener;
  /** Role mapping (default: the config's `roles`, else the backend's default topology). */
  roles?: Roles;
  /** Deterministic seeds: **tests only**; every party must use the same label. */
  insecureSeed?: string;
  /** Wraps the TCP channel before anything is sent (e.g. a session's watchdog). */
  wrap?: (ch: TcpChannel) => Channel;
}

/** A party linked to every peer of a deployment, with its pairwise seeds, before its backend. */
export interface ConnectedParty {
  /** The TCP channel. */
  readonly tcp: TcpChannel;
  /** The channel the backend runs on (`wrap(tcp)`, or `tcp`). */
  readonly channel: Channel;
  /** Pairwise seeds with every peer. */
  readonly seeds: ReadonlyMap<PartyId, Uint8Array>;
  /** Builds this party's backend of `kind` on `channel` (the same `makeBackend` as in process). */
  backend(kind: BackendKind, roles: Roles, opts?: BackendOptions): SecretBackend;
}

/**
 * Links party `self` of a TCP config to every peer and derives the pairwise seeds (fresh from
 * the pair keys, or, in tests, from `insecureSeed`). On failure the links are dropped.
 */
export async function linkParty(
  config: TcpConfig,
  self: PartyId,
  opts: ConnectPartyOptions = {},
): Promise<ConnectedParty> {
  const tcp = await connectTcp(config, self, { ledger: opts.ledger, listener: opts.listener });
  const channel = opts.wrap ? opts.wrap(tcp) : tcp;
  try {
    const seeds = opts.insecureSeed === undefined
      ? await deriveSeeds(channel, config.keys)
      : pairwiseSeeds(tcp.parties, opts.insecureSeed).get(self)!;
    return {
      tcp,
      channel,
      seeds,
      backend: (kind, roles, o = {}) =>
        makeBackend(kind, channel, roles, seeds, { ...o, insecureSeed: opts.insecureSeed }),
    };
  } catch (e) {
    await tcp.abort(e instanceof Error ? e.message : String(e));
    throw e;
  }
}

/** Connects party `self` of a TCP config and builds its backend of `kind`. */
export async function connectParty(
  kind: BackendKind,
  config: string | Record<string, unknown>,
  self: PartyId,
  opts: ConnectPartyOptions & BackendOptions = {},
): Promise<{ backend: SecretBackend; channel: TcpChannel }> {
  const raw = typeof config === "string" ? JSON.parse(config) : config;
  const roles = opts.roles ?? (raw.roles as Roles | undefined) ?? localTopology(kind).roles;
  const linked = await linkParty(parseConfig(raw), self, opts);
  return { backend: linked.backend(kind, roles, opts), channel: linked.tcp };
}
