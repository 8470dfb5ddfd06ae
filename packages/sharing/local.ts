/**
 * Running one SPMD program on every party of a backend inside this process (in-memory links):
 * the default single-machine mode and the way tests drive the secure backends.
 *
 * @module
 */
import {
  createMemoryNetwork,
  createTcpNetwork,
  Ledger,
  type NetworkProfile,
} from "@secp/transport";
import type { Channel, PartyId } from "@secp/transport";
import { Additive2pc } from "./additive2pc.ts";
import type { BackendKind, SecretBackend, TruncMode } from "./backend.ts";
import type { Roles } from "./networked.ts";
import { PlainBackend, type PlainOptions } from "./plain.ts";
import { insecureTestSeed, randomSeed } from "./prg.ts";
import { Replicated3pc } from "./replicated3pc.ts";
import type { RevealSink } from "./reveal_log.ts";

/** Options of {@link runLocal}. */
export interface LocalRunOptions {
  /** Fractional bits (default 16). */
  fracBits?: number;
  /**
   * 2PC/3PC truncation (default `exact`); for `plain`, the kind protocols are told
   * (`PlainOptions.trunc`).
   */
  trunc?: TruncMode;
  /**
   * Seed label for deterministic runs: **tests only** (insecure, recomputable). Without it every
   * pairwise seed comes from the CSPRNG.
   */
  insecureSeed?: string;
  /**
   * Receive timeout in ms (default 10 minutes: in one process a silent peer is one still
   * computing, e.g. the data owner waiting for a whole forward pass to be revealed).
   */
  timeoutMs?: number;
  /** Delay delivery per a network profile. */
  profile?: NetworkProfile;
  /** Plain backend mode (default `ring`). */
  plainMode?: "ring" | "float";
  /** Plain backend, ring mode: see `PlainOptions.truncProbe`. */
  plainTruncProbe?: PlainOptions["truncProbe"];
  /**
   * `memory` (default) or `tcp`: authenticated TCP links over loopback, all parties still in this
   * process (to measure the real transport without extra processes).
   */
  link?: "memory" | "tcp";
  /** Wraps each party's channel (e.g. to record a transcript in tests). */
  wrapChannel?: (ch: Channel) => Channel;
  /** Where every party records its openings (the reveal ledger, e.g. a `RevealLog`). */
  reveals?: RevealSink;
}

/** Result of {@link runLocal}. */
export interface LocalRun<T> {
  /** Each party's return value, by party id. */
  results: Map<PartyId, T>;
  /** The ledger of all messages. */
  ledger: Ledger;
  /** The role mapping used. */
  roles: Roles;
}

/** Party ids and roles used for in-process runs of each backend. */
export function localTopology(kind: BackendKind): { parties: PartyId[]; roles: Roles } {
  if (kind === "plain") return { parties: [0], roles: { dataOwner: 0, modelOwner: 0 } };
  if (kind === "2pc") {
    return { parties: [0, 1, 2, 3, 4], roles: { dealer: 2, dataOwner: 3, modelOwner: 4 } };
  }
  return { parties: [0, 1, 2, 3, 4], roles: { dataOwner: 3, modelOwner: 4 } };
}

/** Pairwise seeds for all parties (identical on both sides of each pair). */
export function pairwiseSeeds(
  parties: readonly PartyId[],
  insecureSeed?: string,
): Map<PartyId, Map<PartyId, Uint8Array>> {
  const out = new Map(parties.map((p) => [p, new Map<PartyId, Uint8Array>()]));
  for (const i of parties) {
    for (const j of parties) {
      if (i >= j) continue;
      const s = insecureSeed === undefined
        ? randomSeed()
        : insecureTestSeed(`${insecureSeed}/${i}-${j}`);
      out.get(i)!.set(j, s);
      out.get(j)!.set(i, s);
    }
  }
  return out;
}

/** Builds the backend of one party. */
export function makeBackend(
  kind: BackendKind,
  channel: Channel,
  roles: Roles,
  seeds: ReadonlyMap<PartyId, Uint8Array>,
  opts: LocalRunOptions = {},
): SecretBackend {
  const localSeed = opts.insecureSeed === undefined
    ? undefined
    : insecureTestSeed(`${opts.insecureSeed}/local/${channel.self}`);
  const common = {
    channel,
    roles,
    seeds,
    fracBits: opts.fracBits,
    localSeed,
    reveals: opts.reveals,
  };
  if (kind === "2pc") return new Additive2pc({ ...common, trunc: opts.trunc });
  if (kind === "3pc") return new Replicated3pc({ ...common, trunc: opts.trunc });
  throw new Error(`makeBackend: unknown networked backend "${kind}" (expected 2pc or 3pc)`);
}

/**
 * Runs `program` on every party of `kind` concurrently over in-memory links. If one party fails,
 * all links are closed so the others fail fast instead of waiting for the timeout; the first
 * error is rethrown.
 */
export async function runLocal<T>(
  kind: BackendKind,
  program: (be: SecretBackend) => Promise<T>,
  opts: LocalRunOptions = {},
): Promise<LocalRun<T>> {
  const { parties, roles } = localTopology(kind);
  const ledger = new Ledger();
  if (kind === "plain") {
    const seed = opts.insecureSeed === undefined ? undefined : insecureTestSeed(opts.insecureSeed);
    const be = new PlainBackend({
      mode: opts.plainMode,
      fracBits: opts.fracBits,
      seed,
      truncProbe: opts.plainTruncProbe,
      trunc: opts.trunc,
    });
    return { results: new Map([[0, await program(be)]]), ledger, roles };
  }
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const raw: Channel[] = opts.link === "tcp"
    ? await createTcpNetwork(parties, { ledger, timeoutMs })
    : createMemoryNetwork(parties, { ledger, timeoutMs, profile: opts.profile });
  const channels = raw.map((c) => (opts.wrapChannel ? opts.wrapChannel(c) : c));
  const seeds = pairwiseSeeds(parties, opts.insecureSeed);
  const closeAll = () => Promise.allSettled(channels.map((c) => c.close()));
  let first: unknown; // the root cause: the others fail because the links were closed after it
  const runs = channels.map(async (ch) => {
    try {
      return await program(makeBackend(kind, ch, roles, seeds.get(ch.self)!, opts));
    } catch (e) {
      first ??= e;
      await closeAll();
      throw e;
    }
  });
  const settled = await Promise.allSettled(runs);
  await closeAll();
  if (first !== undefined) throw first;
  const results = new Map<PartyId, T>();
  settled.forEach((s, i) => results.set(parties[i], (s as PromiseFulfilledResult<T>).value));
  return { results, ledger, roles };
}
