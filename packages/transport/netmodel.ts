/**
 * Network model: modelled run time from measured communication.
 *
 * `time = compute + rounds · (RTT / 2) + maxBytesSent · 8 / bandwidth`
 *
 * - **Latency per round is one-way (RTT/2).** In one dependent round every party sends and then
 *   waits for its peers' messages of the same round, which are in flight concurrently: the round
 *   costs one one-way delay, not a round trip. (Papers that charge a full RTT per round get twice
 *   our latency term; pass `{ roundLatency: "rtt" }` to reproduce them.)
 * - **Bandwidth term uses the largest number of bytes any one party sent**, since parties send in
 *   parallel over their own links. Bytes are payload bytes sent, never sent + received.
 * - Rounds and bytes are taken from one phase (`online` by default), or from both (`all`: offline
 *   rounds and bytes added to the online ones, as when the dealer's material is not precomputed).
 *
 * The profiles are the settings of the SecP-Tuning paper: LAN 3 Gbps / 0.8 ms RTT, WAN 100 Mbps /
 * 80 ms RTT, and 200 Mbps / 40 ms RTT.
 *
 * @module
 */
import { Ledger, type LedgerSummary } from "./ledger.ts";
import type { Phase } from "./types.ts";

/** A network: bandwidth per link and round-trip time. */
export interface NetworkProfile {
  /** Short name, e.g. `lan`. */
  name: string;
  /** Link bandwidth in bits per second. */
  bandwidthBitsPerSecond: number;
  /** Round-trip time in seconds. */
  rttSeconds: number;
}

/** LAN: 3 Gbps, 0.8 ms RTT. */
export const LAN: NetworkProfile = Object.freeze({
  name: "lan",
  bandwidthBitsPerSecond: 3e9,
  rttSeconds: 0.8e-3,
});

/** WAN: 100 Mbps, 80 ms RTT. */
export const WAN: NetworkProfile = Object.freeze({
  name: "wan",
  bandwidthBitsPerSecond: 100e6,
  rttSeconds: 80e-3,
});

/** WAN with 200 Mbps and 40 ms RTT. */
export const WAN200: NetworkProfile = Object.freeze({
  name: "wan200",
  bandwidthBitsPerSecond: 200e6,
  rttSeconds: 40e-3,
});

/** The named profiles. */
export const PROFILES: Readonly<Record<"lan" | "wan" | "wan200", NetworkProfile>> = Object
  .freeze({ lan: LAN, wan: WAN, wan200: WAN200 });

/** The profile called `name` (`lan`, `wan`, `wan200`); throws listing the known names. */
export function getProfile(name: string): NetworkProfile {
  const p = (PROFILES as Record<string, NetworkProfile>)[name];
  if (p === undefined) {
    throw new Error(
      `unknown network profile "${name}" (known: ${Object.keys(PROFILES).join(", ")})`,
    );
  }
  return p;
}

/** One-way delay of `profile` in seconds (RTT/2): the latency of one dependent round. */
export function oneWaySeconds(profile: NetworkProfile): number {
  return profile.rttSeconds / 2;
}

/** Seconds to push `bytes` through one link of `profile`. */
export function transferSeconds(bytes: number, profile: NetworkProfile): number {
  return (bytes * 8) / profile.bandwidthBitsPerSecond;
}

/** Communication given directly: rounds and the bytes each party sent. */
export interface Traffic {
  /** Dependent rounds. */
  rounds: number;
  /** Bytes sent, per party (array indexed by party, or record keyed by party id). */
  bytesSent: readonly number[] | Readonly<Record<number, number>>;
}

/** Options of {@link modelTime}. */
export interface ModelOptions {
  /** Which phase of a ledger to model: `online` (default), `offline` or `all` (both added). */
  phase?: Phase | "all";
  /** Latency charged per round: `one-way` (RTT/2, default) or `rtt`. */
  roundLatency?: "one-way" | "rtt";
}

/** The terms of a modelled time. */
export interface ModelTime {
  /** Profile name. */
  profile: string;
  /** Dependent rounds used. */
  rounds: number;
  /** Largest number of bytes sent by one party. */
  maxBytesSent: number;
  /** Local computation. */
  computeSeconds: number;
  /** rounds × per-round latency. */
  latencySeconds: number;
  /** maxBytesSent × 8 / bandwidth. */
  transferSeconds: number;
  /** Sum of the three terms. */
  totalSeconds: number;
}

function traffic(cost: Ledger | LedgerSummary | Traffic, phase: Phase | "all"): Traffic {
  const s = cost instanceof Ledger ? cost.summary() : cost;
  if (!("parties" in s)) return s;
  const phases: Phase[] = phase === "all" ? ["online", "offline"] : [phase];
  return {
    rounds: phases.reduce((r, p) => r + s.rounds[p], 0),
    bytesSent: s.parties.map((ps) => phases.reduce((b, p) => b + ps[p].bytes, 0)),
  };
}

/** The terms of {@link modelTime}. */
export function modelBreakdown(
  cost: Ledger | LedgerSummary | Traffic,
  profile: NetworkProfile,
  computeSeconds = 0,
  options: ModelOptions = {},
): ModelTime {
  const t = traffic(cost, options.phase ?? "online");
  const maxBytesSent = Math.max(0, ...Object.values(t.bytesSent));
  const perRound = options.roundLatency === "rtt" ? profile.rttSeconds : oneWaySeconds(profile);
  const latencySeconds = t.rounds * perRound;
  const transfer = transferSeconds(maxBytesSent, profile);
  return {
    profile: profile.name,
    rounds: t.rounds,
    maxBytesSent,
    computeSeconds,
    latencySeconds,
    transferSeconds: transfer,
    totalSeconds: computeSeconds + latencySeconds + transfer,
  };
}

/**
 * Modelled seconds: `computeSeconds + rounds · RTT/2 + maxBytesSent · 8 / bandwidth`, from a
 * ledger, its summary, or rounds and per-party bytes given directly.
 */
export function modelTime(
  cost: Ledger | LedgerSummary | Traffic,
  profile: NetworkProfile,
  computeSeconds = 0,
  options: ModelOptions = {},
): number {
  return modelBreakdown(cost, profile, computeSeconds, options).totalSeconds;
}
