/**
 * The start-up sequence of a run, written once: links (in-memory or loopback TCP), pairwise
 * seeds, one backend per party from the registry, and close-all-on-failure. `runLocal` and the
 * in-process session start their parties here; a party of a deployment connects with
 * `connectParty` (tcp.ts), which ends in the same `makeBackend`.
 *
 * @module
 */
import {
  type Channel,
  createMemoryNetwork,
  createTcpNetwork,
  Ledger,
  type NetworkProfile,
  type PartyId,
} from "@secp/transport";
import type { BackendKind, SecretBackend, TruncMode } from "../backend.ts";
import type { Roles } from "../networked.ts";
import { insecureTestSeed } from "../prg.ts";
import { backendInfo } from "../registry.ts";
import type { RevealSink } from "../reveal_log.ts";
import { localTopology, pairwiseSeeds } from "./topology.ts";

/** How each party's backend is configured. */
export interface BackendOptions {
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Truncation of the 2PC or 3PC backend (default `exact`). */
  trunc?: TruncMode;
  /**
   * Seed label for deterministic runs: **tests only** (insecure, recomputable). Without it every
   * seed comes from the CSPRNG.
   */
  insecureSeed?: string;
  /** Where every party records its openings (the reveal ledger, e.g. a `RevealLog`). */
  reveals?: RevealSink;
}

/** Builds the backend of one party of a networked kind (see the registry). */
export function makeBackend(
  kind: BackendKind,
  channel: Channel,
  roles: Roles,
  seeds: ReadonlyMap<PartyId, Uint8Array>,
  opts: BackendOptions = {},
): SecretBackend {
  const make = backendInfo(kind).make;
  if (make === undefined) {
    throw new Error(`makeBackend: "${kind}" is not a networked backend (it has no parties)`);
  }
  const localSeed = opts.insecureSeed === undefined
    ? undefined
    : insecureTestSeed(`${opts.insecureSeed}/local/${channel.self}`);
  return make({
    channel,
    roles,
    seeds,
    fracBits: opts.fracBits,
    trunc: opts.trunc,
    localSeed,
    reveals: opts.reveals,
  });
}

/**
 * Receive timeout of parties in one process (24 h): there a silent peer is one still computing
 * (e.g. the data owner waiting for a whole forward of a large population to be revealed, which
 * takes the better part of an hour for the 16-shot preset on 2 cores), never a vanished one: a
 * failing party closes every link (one thread) or reports its error (workers), which fails every
 * pending receive at once.
 */
export const IN_PROCESS_TIMEOUT_MS = 24 * 3600 * 1000;

/** Options of {@link startLocalParties}. */
export interface LocalPartiesOptions extends BackendOptions {
  /** Receive timeout in ms (default {@link IN_PROCESS_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Delay delivery per a network profile (in-memory links). */
  profile?: NetworkProfile;
  /** `memory` (default) or `tcp`: authenticated TCP links over loopback, still in this process. */
  link?: "memory" | "tcp";
  /** Wraps each party's channel (e.g. to record a transcript in tests). */
  wrapChannel?: (ch: Channel) => Channel;
  /** Record into this ledger (default: a new one). */
  ledger?: Ledger;
}

/** Every party of a networked backend, started in this process. */
export interface LocalParties {
  /** The backend kind. */
  readonly kind: BackendKind;
  /** Party ids, in channel order. */
  readonly parties: readonly PartyId[];
  /** The role mapping. */
  readonly roles: Roles;
  /** The ledger of every message. */
  readonly ledger: Ledger;
  /** Each party's channel (wrapped, if asked). */
  readonly channels: readonly Channel[];
  /** Each party's backend, in the order of `parties`. */
  readonly backends: readonly SecretBackend[];
  /** Closes every link (idempotent; a party blocked on a receive fails at once). */
  closeAll(): Promise<void>;
}

/** Starts every party of `kind` in this process: links, seeds, backends. */
export async function startLocalParties(
  kind: BackendKind,
  opts: LocalPartiesOptions = {},
): Promise<LocalParties> {
  const { parties, roles } = localTopology(kind);
  const ledger = opts.ledger ?? new Ledger();
  const timeoutMs = opts.timeoutMs ?? IN_PROCESS_TIMEOUT_MS;
  const raw: Channel[] = opts.link === "tcp"
    ? await createTcpNetwork(parties, { ledger, timeoutMs })
    : createMemoryNetwork(parties, { ledger, timeoutMs, profile: opts.profile });
  const channels = raw.map((c) => (opts.wrapChannel ? opts.wrapChannel(c) : c));
  const seeds = pairwiseSeeds(parties, opts.insecureSeed);
  const backends = channels.map((ch) => makeBackend(kind, ch, roles, seeds.get(ch.self)!, opts));
  const closeAll = async () => {
    await Promise.allSettled(channels.map((c) => c.close()));
  };
  return { kind, parties, roles, ledger, channels, backends, closeAll };
}

/**
 * Runs `work(i)` for every party index concurrently; when one fails, closes every link so the
 * others fail fast instead of waiting for their timeout, and rethrows the first (root-cause)
 * error. Returns each party's value.
 */
export async function allOrNothing<T>(
  n: number,
  work: (i: number) => Promise<T>,
  closeAll: () => Promise<void>,
): Promise<T[]> {
  let first: unknown; // the root cause: the others fail because the links were closed after it
  let failed = false;
  const runs = Array.from({ length: n }, async (_, i) => {
    try {
      return await work(i);
    } catch (e) {
      if (!failed) [failed, first] = [true, e];
      await closeAll();
      throw e;
    }
  });
  const settled = await Promise.allSettled(runs);
  if (failed) throw first;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
