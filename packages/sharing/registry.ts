/**
 * The backend registry: the one list of sharing schemes. Everything that needs to know which
 * backends exist (the runtime's topology, deployment configs, the CLI's flags and its trust table)
 * reads it here, so adding a backend touches its own file(s) plus this registry.
 *
 * @module
 */
import type { Channel, PartyId } from "@secp/transport";
import { Additive2pc } from "./additive2pc.ts";
import { ADDITIVE_2PC_COSTS } from "./additive2pc_cost.ts";
import type { BackendKind, SecretBackend, TruncMode } from "./backend.ts";
import type { Roles } from "./networked.ts";
import type { BackendCosts } from "./cost_model.ts";
import { PLAIN_COSTS } from "./plain_cost.ts";
import { Replicated3pc } from "./replicated3pc.ts";
import { REPLICATED_3PC_COSTS } from "./replicated3pc_cost.ts";
import type { RevealSink } from "./reveal_log.ts";

/** What one party's networked backend is built from. */
export interface BackendParams {
  /** This party's channel. */
  channel: Channel;
  /** Role mapping. */
  roles: Roles;
  /** Pairwise 16-byte seeds with every peer. */
  seeds: ReadonlyMap<PartyId, Uint8Array>;
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Truncation (default exact). */
  trunc?: TruncMode;
  /** Seed of the party's private randomness (tests only; default from the CSPRNG). */
  localSeed?: Uint8Array;
  /** Where the party records its openings. */
  reveals?: RevealSink;
}

/** One registered backend. */
export interface BackendInfo {
  /** Its name (`--backend`). */
  readonly kind: BackendKind;
  /** Party ids that hold shares and compute. */
  readonly computing: readonly PartyId[];
  /** Party ids and roles of the default topology (in one process, and `deno task keys`). */
  readonly topology: { readonly parties: readonly PartyId[]; readonly roles: Roles };
  /** Roles that must exist beside the data and model owner (e.g. the 2PC dealer). */
  readonly helperRoles: readonly (keyof Roles)[];
  /** Its threat model in one sentence. */
  readonly trust: string;
  /** Builds one party's backend over a channel (networked backends only). */
  readonly make?: (p: BackendParams) => SecretBackend;
  /** Its closed-form costs (bytes per party, message pattern of each primitive). */
  readonly costs: BackendCosts;
}

/** Every backend, by kind. */
export const BACKENDS: Readonly<Record<BackendKind, BackendInfo>> = Object.freeze({
  plain: {
    kind: "plain",
    computing: [0],
    topology: { parties: [0], roles: { dataOwner: 0, modelOwner: 0 } },
    helperRoles: [],
    trust: "no privacy: one party computes in the clear (the reference)",
    costs: PLAIN_COSTS,
  },
  "2pc": {
    kind: "2pc",
    computing: [0, 1],
    topology: { parties: [0, 1, 2, 3, 4], roles: { dealer: 2, dataOwner: 3, modelOwner: 4 } },
    helperRoles: ["dealer"],
    trust: "2 parties + dealer; secure unless the dealer colludes with a party",
    make: (p) => new Additive2pc(p),
    costs: ADDITIVE_2PC_COSTS,
  },
  "3pc": {
    kind: "3pc",
    computing: [0, 1, 2],
    topology: { parties: [0, 1, 2, 3, 4], roles: { dataOwner: 3, modelOwner: 4 } },
    helperRoles: [],
    trust: "3 parties, replicated; secure unless 2 of 3 collude (honest majority)",
    make: (p) => new Replicated3pc(p),
    costs: REPLICATED_3PC_COSTS,
  },
});

/** Every backend kind, in registry order. */
export const BACKEND_KINDS: readonly BackendKind[] = Object.freeze(
  Object.keys(BACKENDS) as BackendKind[],
);

/** The kinds whose parties talk over links (every kind with a `make`). */
export const NETWORKED_KINDS: readonly BackendKind[] = Object.freeze(
  BACKEND_KINDS.filter((k) => BACKENDS[k].make !== undefined),
);

/** The registry entry of `kind`; throws an Error naming the known kinds for anything else. */
export function backendInfo(kind: string): BackendInfo {
  const info = (BACKENDS as Record<string, BackendInfo>)[kind];
  if (info === undefined) {
    throw new Error(`unknown backend "${kind}" (expected ${BACKEND_KINDS.join(", ")})`);
  }
  return info;
}
