/**
 * How a deployed party accounts for its traffic to the data owner: after the weights are shared
 * and after every command it sends what it recorded since its last report (ledger and reveal-log
 * deltas) out of band, so the data owner's ledger and reveal log are the global ones, exactly as
 * with every party in one process.
 *
 * @module
 */
import { Ledger, type LedgerEntry, type PartyId } from "@secp/transport";
import { RevealLog, type RevealLogJSON } from "../reveal_log.ts";

/** One party's ledger and reveal-log delta since its previous report. */
export interface Report {
  ledger: { entries: LedgerEntry[]; maxDepth: { online: number; offline: number } };
  reveals: RevealLogJSON;
}

/** Reports what a party recorded since its last report. */
export class Reporter {
  #lastLedger: Ledger;
  #lastReveals: RevealLog;
  constructor(readonly ledger: Ledger, readonly reveals: RevealLog) {
    this.#lastLedger = ledger.snapshot();
    this.#lastReveals = reveals.snapshot();
  }
  delta(): Report {
    const l = this.ledger.snapshot(), r = this.reveals.snapshot();
    const d = Ledger.diff(this.#lastLedger, l);
    const report: Report = {
      ledger: {
        entries: d.entries(),
        maxDepth: { online: l.maxDepth("online"), offline: l.maxDepth("offline") },
      },
      reveals: r.since(this.#lastReveals).toJSON(),
    };
    this.#lastLedger = l;
    this.#lastReveals = r;
    return report;
  }
}

/** Adds a party's report to the session's global ledger and reveal log. */
export function absorb(ledger: Ledger, reveals: RevealLog, b: Uint8Array, from: PartyId): void {
  const r = unjson(b, `report from party ${from}`) as Report;
  if (!Array.isArray(r?.ledger?.entries)) throw new Error(`malformed report from party ${from}`);
  ledger.merge(
    Ledger.fromJSON({
      version: 1,
      base: { online: 0, offline: 0 },
      maxDepth: r.ledger.maxDepth,
      summary: undefined as never,
      entries: r.ledger.entries,
    }),
  );
  reveals.merge(RevealLog.fromJSON(r.reveals));
}

function unjson(b: Uint8Array, what: string): any {
  try {
    return JSON.parse(new TextDecoder().decode(b));
  } catch {
    throw new Error(`malformed ${what} (not JSON)`);
  }
}
