/**
 * What a backend's closed-form costs look like (types and composition only; each backend states
 * its own in its cost file, and `cost.ts` dispatches by kind through the registry).
 *
 * @module
 */
import type { TruncMode } from "./backend.ts";

/** Cost of one primitive call. */
export interface Cost {
  /** Dependent online rounds. */
  rounds: number;
  /** Online bytes sent, per sending party id. */
  bytes: Record<number, number>;
  /** Offline (correlated randomness) bytes, all senders. */
  offlineBytes: number;
  /** Dependent offline rounds. */
  offlineRounds: number;
}

/** Bytes per ring element. */
export const W = 8;

/** Sequential composition: rounds and bytes add. */
export function seq(...cs: Cost[]): Cost {
  const out = zeroCost();
  for (const c of cs) {
    out.rounds += c.rounds;
    out.offlineBytes += c.offlineBytes;
    out.offlineRounds += c.offlineRounds;
    for (const [p, v] of Object.entries(c.bytes)) out.bytes[+p] = (out.bytes[+p] ?? 0) + v;
  }
  return out;
}

/** The cost of doing nothing (a fresh value to accumulate into). */
export function zeroCost(): Cost {
  return { rounds: 0, bytes: {}, offlineBytes: 0, offlineRounds: 0 };
}

/**
 * How one message step moves the parties' dependency clocks (the round model of
 * `@secp/protocols`' `CostModel`): `exchange` (parties 0 and 1 send to each other), `ring`
 * (party i sends to party i−1 of 3), `oneToZero` (party 1 to party 0), `fold` (3PC fused product +
 * truncation, round 1: party 2 to 0 and 1, and 0 ↔ 1), or `none` (no online message).
 */
export type RoundPattern = "none" | "exchange" | "ring" | "oneToZero" | "fold";

/** Message steps of a primitive, in order. */
export type RoundSteps = readonly RoundPattern[];

/** A backend's closed-form costs: bytes per party and the message pattern of each primitive. */
export interface BackendCosts {
  /** Computing parties whose clocks the round model follows. */
  readonly computing: readonly number[];
  /** Whether `truncate` is exact in `mode` (as `SecretBackend.exactTruncation`). */
  exactTruncation(mode: TruncMode): boolean;
  /** `truncate` of n elements. */
  trunc(n: number, mode: TruncMode): Cost;
  /** Its message steps. */
  truncSteps(mode: TruncMode): RoundSteps;
  /** A truncated product's cost from its untruncated cost: product then truncation, or fused. */
  truncatedProduct(noTrunc: Cost, n: number, mode: TruncMode): Cost;
  /** The fused product's message steps, when this backend fuses product and truncation in `mode`. */
  fusedProductSteps(mode: TruncMode): RoundSteps | null;
  /** Message steps of an elementwise or matrix product, and of an opening. */
  readonly productSteps: RoundSteps;
  /** `mulNoTrunc` of n elements. */
  mulNoTrunc(n: number): Cost;
  /** `matmulNoTrunc` [b,m,k] @ [b?,k,n]. */
  matmulNoTrunc(b: number, m: number, k: number, n: number, bBatched: boolean): Cost;
  /** `fixed(W)` of a `[k, n]` weight (once per weight). */
  fixed(k: number, n: number): Cost;
  /** `matmulFixed` [m,k] @ W[k,n] after `fixed(W)`, without truncation. */
  matmulFixedNoTrunc(m: number, k: number, n: number): Cost;
  /** `openMod2k` of n elements mod 2^k to the computing parties. */
  openMod2k(n: number, k: number): Cost;
  /** `ltz` of n elements of `bits` bits. */
  ltz(n: number, bits: number): Cost;
  /** Its message steps (one per round of `ltz(…).rounds`). */
  readonly ltzStep: RoundPattern;
  /** `trigTuple` of n elements (all offline). */
  trigTuple(n: number, mode: TruncMode): Cost;
}
