/**
 * What a step of a session cost, from its ledger: the online bytes of the busiest party, offline
 * bytes, rounds, messages, and the modelled time on the standard networks.
 *
 * @module
 */
import { LAN, type Ledger, modelTime, type NetworkProfile, WAN, WAN200 } from "@secp/transport";

/** Cost of the traffic of one step (bytes and rounds from the ledger, times modelled from it). */
export interface StepCost {
  /** Online bytes sent by the busiest party. */
  bytesSent: number;
  /** Offline bytes (all parties). */
  bytesOffline: number;
  /** Online dependent rounds. */
  rounds: number;
  /** Online messages. */
  messages: number;
  /** Modelled time on a LAN (ms), with the measured compute time. */
  lanMs: number;
  /** Modelled time on a 100 Mbps / 80 ms WAN (ms). */
  wanMs: number;
  /** Modelled time on a 200 Mbps / 40 ms WAN (ms). */
  wan200Ms: number;
}

/** Online/offline cost of the traffic of `ledger` since `before`, with modelled network time. */
export function costSince(ledger: Ledger, before: Ledger, computeMs: number): StepCost {
  const d = ledger.since(before);
  const s = d.summary();
  const model = (p: NetworkProfile) => 1000 * modelTime(d, p, computeMs / 1000);
  return {
    bytesSent: s.maxBytesSent.online,
    bytesOffline: s.total.offline.bytes,
    rounds: s.rounds.online,
    messages: s.total.online.messages,
    lanMs: model(LAN),
    wanMs: model(WAN),
    wan200Ms: model(WAN200),
  };
}
