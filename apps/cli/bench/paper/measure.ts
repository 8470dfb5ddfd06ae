/**
 * Measurement harness of `deno task bench paper`: runs one SPMD program on all parties in this
 * process and measures named phases. Before each phase a barrier (a one-element opening to all
 * computing parties) lines the parties up; the first computing party past it starts the clock and
 * notes the ledger's depth, the last one to finish the phase stops the clock. A phase's bytes per
 * party, offline bytes and per-op bytes come from the ledger entries under the phase's path, its
 * rounds from the deepest of its online messages minus the starting depth, its seconds from the
 * clock. All parties share one JS thread, so
 * the seconds are the serialised compute of every party (2PC: both parties and the dealer).
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import { type BackendKind, runLocal, type SecretBackend, type TruncMode } from "@secp/sharing";
import { Ledger } from "@secp/transport";

/** What one measured phase cost. */
export interface PhaseCost {
  /** Wall seconds (all parties, one thread). */
  seconds: number;
  /** Online dependent rounds. */
  rounds: number;
  /** Online bytes sent per computing party. */
  bytesByParty: Record<number, number>;
  /** Largest online bytes sent by one party. */
  bytesSent: number;
  /** Offline (dealer / preprocessing) bytes, all senders. */
  offlineBytes: number;
  /** Online bytes of the busiest party per op (the path segment after the phase name). */
  byOp: Record<string, number>;
}

/** A phase: a name and the work to time (runs inside `be.scope(name)`). */
export interface Phase<S> {
  /** Phase name (also the ledger scope). */
  name: string;
  /** The work. */
  run: (be: SecretBackend, state: S) => Promise<unknown>;
}

/** Options of {@link measurePhases}. */
export interface MeasureOptions {
  /** 2PC truncation mode (default exact). */
  trunc?: TruncMode;
  /** Deterministic seeds (tests only). */
  insecureSeed?: string;
}

/**
 * Runs `setup` (untimed) and then each phase with a barrier before it; returns each phase's cost.
 */
export async function measurePhases<S>(
  kind: BackendKind,
  setup: (be: SecretBackend) => Promise<S>,
  phases: readonly Phase<S>[],
  opts: MeasureOptions = {},
): Promise<Record<string, PhaseCost>> {
  const marks = phases.map(() => ({
    t0: NaN,
    t1: NaN,
    before: undefined as Ledger | undefined,
    done: 0,
  }));
  const run = await runLocal(kind, async (be) => {
    const state = await be.scope("setup", () => setup(be));
    const token = await be.scope(
      "barrier",
      () =>
        be.input(0, be.party === 0 || kind === "plain" ? FloatTensor.from([0]) : undefined, [1]),
    );
    for (const [i, ph] of phases.entries()) {
      await be.scope("barrier", () => be.reveal(token, "all"));
      const m = marks[i];
      if (be.computing && Number.isNaN(m.t0)) {
        m.t0 = performance.now();
        m.before = ledgerOf(be)?.snapshot();
      }
      await be.scope(ph.name, () => ph.run(be, state));
      if (be.computing) {
        m.done++;
        m.t1 = performance.now();
      }
    }
  }, { trunc: opts.trunc, insecureSeed: opts.insecureSeed });
  const out: Record<string, PhaseCost> = {};
  for (const [i, ph] of phases.entries()) {
    const m = marks[i];
    // Bytes from the whole run's ledger by path (the dealer runs ahead and may send a phase's
    // offline material before the phase starts); rounds = the deepest online message of the phase
    // minus the depth when the phase started (a party that finishes early may already have sent
    // its next barrier message, so the end snapshot is not used for rounds).
    let deepest = m.before?.maxDepth("online") ?? 0;
    const bytesByParty: Record<number, number> = {};
    const byOpParty = new Map<string, Record<number, number>>();
    let offlineBytes = 0;
    for (const e of run.ledger.entries()) {
      const segs = e.path.split("/");
      const at = segs.indexOf(ph.name);
      if (at < 0) continue;
      if (e.phase === "offline") {
        offlineBytes += e.bytes;
        continue;
      }
      bytesByParty[e.from] = (bytesByParty[e.from] ?? 0) + e.bytes;
      deepest = Math.max(deepest, e.maxDepth);
      const op = segs[at + 1] ?? "(direct)";
      const rec = byOpParty.get(op) ?? {};
      rec[e.from] = (rec[e.from] ?? 0) + e.bytes;
      byOpParty.set(op, rec);
    }
    const busiest = Object.entries(bytesByParty).sort((a, b) => b[1] - a[1])[0]?.[0];
    const byOp: Record<string, number> = {};
    for (const [op, rec] of byOpParty) byOp[op] = busiest === undefined ? 0 : rec[+busiest] ?? 0;
    out[ph.name] = {
      seconds: (m.t1 - m.t0) / 1000,
      rounds: kind === "plain" ? 0 : deepest - (m.before?.maxDepth("online") ?? 0),
      bytesByParty,
      bytesSent: Math.max(0, ...Object.values(bytesByParty)),
      offlineBytes,
      byOp,
    };
  }
  return out;
}

function ledgerOf(be: SecretBackend): Ledger | undefined {
  return be.ledger instanceof Ledger ? be.ledger : undefined;
}
