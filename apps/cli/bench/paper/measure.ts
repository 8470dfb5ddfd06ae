/**
 * Measurement harness of `deno task bench paper`: runs one SPMD program on all parties, on one
 * thread or with each party in its own Worker (`--parties-in`), and measures named phases in a
 * steady state: each phase first runs once untimed (its warm-up: every thread compiles its code
 * and grows its memory on its own), then timed. Before each timed phase a barrier (a one-element
 * opening to the helpers, e.g. the 2PC dealer, which would otherwise run ahead into later phases,
 * then to all computing parties) lines the parties up; each party notes its clock
 * (`performance.timeOrigin + now()`, one time base for every thread of the process) and the
 * deepest online message it has sent, at the start and end of every phase. A phase's seconds run
 * from the first computing party's start to the last one's end; its bytes per party, offline bytes
 * and per-op bytes come from the (merged) ledger entries under the phase's path (the warm-up's
 * are not counted), its rounds from the deepest of its online messages minus the depth at its
 * start. On one thread the seconds are the serialised compute of every party (2PC: both parties
 * and the dealer); in workers, the parties' compute overlaps on the machine's cores.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import { backendInfo, type BackendKind, type SecretBackend, type TruncMode } from "@secp/sharing";
import { type PartiesIn, runProgram, type WorkerProgramRef } from "@secp/sharing/run";
import { Ledger } from "@secp/transport";

/** What one measured phase cost. */
export interface PhaseCost {
  /** Wall seconds from the first computing party's start to the last one's end. */
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
  /** Every party on this thread (default) or each in its own Worker. */
  partiesIn?: PartiesIn;
}

/** What one party saw of each phase (structured-cloneable: it crosses from a worker). */
export interface PartyMarks {
  /** Whether the party computes (its clock counts). */
  computing: boolean;
  /** Per phase: start and end (ms since the epoch), the deepest online message sent before it. */
  phases: { t0: number; t1: number; depth: number }[];
}

const now = () => performance.timeOrigin + performance.now();

/** Scope of each phase's untimed warm-up run (its messages are not counted). */
const WARMUP = "warmup";

/**
 * The SPMD body of a measured program: `setup` (untimed), then each phase after a barrier; returns
 * this party's marks. A program module exports a function that calls this, so that a worker can
 * load it (see {@link measurePhases}).
 */
export async function runPhases<S>(
  be: SecretBackend,
  setup: (be: SecretBackend) => Promise<S>,
  phases: readonly Phase<S>[],
): Promise<PartyMarks> {
  // The deepest online message this party has sent (its own entries: on one thread the ledger is
  // shared, and another party may already have sent the phase's first messages).
  const depth = () => {
    if (!(be.ledger instanceof Ledger)) return 0;
    let d = 0;
    for (const e of be.ledger.entries()) {
      if (e.from === be.party && e.phase === "online" && e.maxDepth > d) d = e.maxDepth;
    }
    return d;
  };
  const state = await be.scope("setup", () => setup(be));
  const token = await be.scope(
    "barrier",
    () =>
      be.input(0, be.party === 0 || be.kind === "plain" ? FloatTensor.from([0]) : undefined, [1]),
  );
  const marks: PartyMarks = { computing: be.computing, phases: [] };
  // Helpers (the 2PC dealer) only send, so without a barrier of their own they run ahead and do
  // a later phase's work while an earlier one is timed: the barrier opens the token to them too.
  const { topology, helperRoles } = backendInfo(be.kind);
  const helpers = helperRoles.map((r) => topology.roles[r]!);
  for (const ph of phases) {
    // Warm-up: the phase once untimed (scope `warmup`, not counted), so that the timed run finds
    // its code compiled and its memory grown in every thread (each Worker compiles on its own).
    await be.scope(WARMUP, () => be.scope(ph.name, () => ph.run(be, state)));
    await be.scope("barrier", async () => {
      for (const h of helpers) await be.reveal(token, h);
      await be.reveal(token, "all");
    });
    const mark = { t0: now(), t1: NaN, depth: depth() };
    await be.scope(ph.name, () => ph.run(be, state));
    mark.t1 = now();
    marks.phases.push(mark);
  }
  return marks;
}

/**
 * Runs the program `ref` (whose function calls {@link runPhases} with the phases `names`, in
 * order) on every party of `kind`, and returns each phase's cost.
 */
export async function measurePhases(
  kind: BackendKind,
  ref: WorkerProgramRef,
  names: readonly string[],
  opts: MeasureOptions = {},
): Promise<Record<string, PhaseCost>> {
  const run = await runProgram<PartyMarks>(kind, ref, {
    trunc: opts.trunc,
    insecureSeed: opts.insecureSeed,
    partiesIn: opts.partiesIn,
  });
  const computing = [...run.results.values()].filter((m) => m.computing || kind === "plain");
  const out: Record<string, PhaseCost> = {};
  for (const [i, name] of names.entries()) {
    const t0 = Math.min(...computing.map((m) => m.phases[i].t0));
    const t1 = Math.max(...computing.map((m) => m.phases[i].t1));
    // The depth when the phase started: the deepest message a computing party sent before it.
    const start = Math.max(...computing.map((m) => m.phases[i].depth));
    // Bytes from the whole run's ledger by path (the dealer runs ahead and may send a phase's
    // offline material before the phase starts); rounds = the deepest online message of the phase
    // minus the depth when the phase started.
    let deepest = start;
    const bytesByParty: Record<number, number> = {};
    const byOpParty = new Map<string, Record<number, number>>();
    let offlineBytes = 0;
    for (const e of run.ledger.entries()) {
      const segs = e.path.split("/");
      const at = segs.indexOf(name);
      if (at < 0 || segs.includes(WARMUP)) continue;
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
    out[name] = {
      seconds: (t1 - t0) / 1000,
      rounds: kind === "plain" ? 0 : deepest - start,
      bytesByParty,
      bytesSent: Math.max(0, ...Object.values(bytesByParty)),
      offlineBytes,
      byOp,
    };
  }
  return out;
}
