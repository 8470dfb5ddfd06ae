/**
 * The communication ledger: bytes, messages and dependent rounds, aggregated by
 * (sender, receiver, op path, phase) so it stays small for millions of messages.
 *
 * Rounds are the length of the longest chain of dependent messages (the Lamport depth carried by
 * each message, see `Channel` in types.ts), never the number of send calls; bytes are bytes *sent*
 * (payload only), never sent plus received.
 *
 * @module
 */
import type { LedgerSink, MessageRecord, PartyId, Phase } from "./types.ts";

/** The two phases, in report order. */
export const PHASES: readonly Phase[] = ["online", "offline"];

/** Messages and payload bytes. */
export interface Count {
  /** Number of messages. */
  messages: number;
  /** Payload bytes. */
  bytes: number;
}

/** One aggregate: all messages from `from` to `to` at `path` in `phase`. */
export interface LedgerEntry extends Count {
  /** Sender. */
  from: PartyId;
  /** Receiver. */
  to: PartyId;
  /** Op path. */
  path: string;
  /** Phase. */
  phase: Phase;
  /** Largest Lamport depth among these messages (absolute clock value). */
  maxDepth: number;
}

/** What one party sent, per phase. */
export interface PartySummary {
  /** The sender. */
  party: PartyId;
  /** Online messages and bytes sent. */
  online: Count;
  /** Offline messages and bytes sent. */
  offline: Count;
}

/** Totals of a ledger. */
export interface LedgerSummary {
  /** Dependent rounds per phase (see {@link Ledger.rounds}). */
  rounds: Record<Phase, number>;
  /** All messages and bytes per phase. */
  total: Record<Phase, Count>;
  /** Largest number of bytes any single party sent, per phase (the bandwidth bottleneck). */
  maxBytesSent: Record<Phase, number>;
  /** Per sending party, sorted by id. */
  parties: PartySummary[];
}

/** Traffic under one op-path prefix (see {@link Ledger.byPath}). */
export interface PathSummary extends Count {
  /** The first `k` segments of the path. */
  prefix: string;
  /** Phase. */
  phase: Phase;
  /** Round (relative to this ledger's start) of the prefix's last message. */
  lastRound: number;
}

/** Traffic on one directed link (see {@link Ledger.links}). */
export interface LinkSummary extends Count {
  /** Sender. */
  from: PartyId;
  /** Receiver. */
  to: PartyId;
  /** Phase. */
  phase: Phase;
}

/** Serialized ledger (see {@link Ledger.toJSON}). */
export interface LedgerJSON {
  /** Format version. */
  version: 1;
  /** Lamport depth per phase at the ledger's start (after the last reset). */
  base: Record<Phase, number>;
  /** Largest Lamport depth recorded per phase. */
  maxDepth: Record<Phase, number>;
  /** The totals, for human readers. */
  summary: LedgerSummary;
  /** All aggregates. */
  entries: LedgerEntry[];
}

const zeroCount = (): Count => ({ messages: 0, bytes: 0 });
const perPhase = <T>(f: () => T): Record<Phase, T> => ({ online: f(), offline: f() });
const keyOf = (from: PartyId, to: PartyId, phase: Phase, path: string): string =>
  `${from}\u0000${to}\u0000${phase}\u0000${path}`;

/**
 * A {@link LedgerSink} that aggregates records and reports costs. One ledger can be shared by all
 * parties of an in-memory network; with one process per party, {@link Ledger.merge} the parties'
 * ledgers (e.g. via {@link Ledger.fromJSON}) to get global figures.
 *
 * To measure one operation: `const before = ledger.snapshot(); await op(); const cost =
 * ledger.since(before);` — `cost.rounds("online")` is then the growth of the longest dependent
 * chain during the operation.
 */
export class Ledger implements LedgerSink {
  #entries = new Map<string, LedgerEntry>();
  #base: Record<Phase, number> = perPhase(() => 0);
  #max: Record<Phase, number> = perPhase(() => 0);

  /** Record one sent message. */
  record(m: MessageRecord): void {
    const key = keyOf(m.from, m.to, m.phase, m.path);
    const e = this.#entries.get(key);
    if (e === undefined) {
      this.#entries.set(key, {
        from: m.from,
        to: m.to,
        path: m.path,
        phase: m.phase,
        messages: 1,
        bytes: m.bytes,
        maxDepth: m.depth,
      });
    } else {
      e.messages++;
      e.bytes += m.bytes;
      if (m.depth > e.maxDepth) e.maxDepth = m.depth;
    }
    if (m.depth > this.#max[m.phase]) this.#max[m.phase] = m.depth;
  }

  /** Forget all records; rounds are counted from the current depth on. */
  reset(): void {
    this.#entries.clear();
    this.#base = { ...this.#max };
  }

  /** An independent copy of the current state. */
  snapshot(): Ledger {
    const s = new Ledger();
    for (const [k, e] of this.#entries) s.#entries.set(k, { ...e });
    s.#base = { ...this.#base };
    s.#max = { ...this.#max };
    return s;
  }

  /**
   * The traffic between two snapshots of the same ledger: counts are `after − before` and rounds
   * are `maxDepth(after) − maxDepth(before)` per phase. The round count is exact when all parties
   * start the operation at the same depth (the usual SPMD case); otherwise it is the growth of the
   * global critical path, which is what a latency model needs.
   */
  static diff(before: Ledger, after: Ledger): Ledger {
    const d = new Ledger();
    for (const [k, a] of after.#entries) {
      const b = before.#entries.get(k);
      const messages = a.messages - (b?.messages ?? 0);
      if (messages <= 0) continue;
      d.#entries.set(k, { ...a, messages, bytes: a.bytes - (b?.bytes ?? 0) });
    }
    for (const p of PHASES) {
      d.#base[p] = Math.max(before.#max[p], before.#base[p]);
      d.#max[p] = Math.max(after.#max[p], d.#base[p]);
    }
    return d;
  }

  /** Shorthand for `Ledger.diff(before, this.snapshot())`. */
  since(before: Ledger): Ledger {
    return Ledger.diff(before, this.snapshot());
  }

  /** Add another ledger's records (e.g. another process's); depths combine by maximum. */
  merge(other: Ledger): this {
    for (const [k, e] of other.#entries) {
      const mine = this.#entries.get(k);
      if (mine === undefined) this.#entries.set(k, { ...e });
      else {
        mine.messages += e.messages;
        mine.bytes += e.bytes;
        mine.maxDepth = Math.max(mine.maxDepth, e.maxDepth);
      }
    }
    for (const p of PHASES) {
      this.#base[p] = Math.max(this.#base[p], other.#base[p]);
      this.#max[p] = Math.max(this.#max[p], other.#max[p]);
    }
    return this;
  }

  /**
   * Dependent rounds in `phase` since the ledger's start (or last reset): the largest Lamport depth
   * recorded minus the depth at the start. Without `phase`, online plus offline.
   */
  rounds(phase?: Phase): number {
    if (phase === undefined) return this.rounds("online") + this.rounds("offline");
    return Math.max(0, this.#max[phase] - this.#base[phase]);
  }

  /** Largest absolute Lamport depth recorded in `phase` (not reset by {@link reset}). */
  maxDepth(phase: Phase): number {
    return this.#max[phase];
  }

  /** Payload bytes sent by `party` (in `phase`, or both phases). */
  bytesSent(party: PartyId, phase?: Phase): number {
    return this.#sum((e) => e.from === party && (phase === undefined || e.phase === phase)).bytes;
  }

  /** Messages sent by `party` (in `phase`, or both phases). */
  messagesSent(party: PartyId, phase?: Phase): number {
    return this.#sum((e) => e.from === party && (phase === undefined || e.phase === phase))
      .messages;
  }

  /** Totals: rounds, bytes and messages per phase and per sending party. */
  summary(): LedgerSummary {
    const parties = new Map<PartyId, PartySummary>();
    const total = perPhase(zeroCount);
    for (const e of this.#entries.values()) {
      let ps = parties.get(e.from);
      if (ps === undefined) {
        ps = { party: e.from, online: zeroCount(), offline: zeroCount() };
        parties.set(e.from, ps);
      }
      ps[e.phase].messages += e.messages;
      ps[e.phase].bytes += e.bytes;
      total[e.phase].messages += e.messages;
      total[e.phase].bytes += e.bytes;
    }
    const list = [...parties.values()].sort((a, b) => a.party - b.party);
    const maxBytesSent = perPhase(() => 0);
    for (const ps of list) {
      for (const p of PHASES) maxBytesSent[p] = Math.max(maxBytesSent[p], ps[p].bytes);
    }
    return {
      rounds: { online: this.rounds("online"), offline: this.rounds("offline") },
      total,
      maxBytesSent,
      parties: list,
    };
  }

  /**
   * Traffic grouped by the first `k` `/`-separated segments of the op path (all segments when `k`
   * is omitted), per phase, sorted by bytes (largest first).
   */
  byPath(k?: number): PathSummary[] {
    const groups = new Map<string, PathSummary>();
    for (const e of this.#entries.values()) {
      const prefix = k === undefined ? e.path : e.path.split("/").slice(0, k).join("/");
      const key = `${e.phase}\u0000${prefix}`;
      const lastRound = Math.max(0, e.maxDepth - this.#base[e.phase]);
      const g = groups.get(key);
      if (g === undefined) {
        groups.set(key, {
          prefix,
          phase: e.phase,
          messages: e.messages,
          bytes: e.bytes,
          lastRound,
        });
      } else {
        g.messages += e.messages;
        g.bytes += e.bytes;
        g.lastRound = Math.max(g.lastRound, lastRound);
      }
    }
    return [...groups.values()].sort((a, b) =>
      b.bytes - a.bytes || a.prefix.localeCompare(b.prefix)
    );
  }

  /** Traffic per directed link and phase, sorted by sender then receiver. */
  links(): LinkSummary[] {
    const groups = new Map<string, LinkSummary>();
    for (const e of this.#entries.values()) {
      const key = `${e.from}\u0000${e.to}\u0000${e.phase}`;
      const g = groups.get(key);
      if (g === undefined) {
        groups.set(key, {
          from: e.from,
          to: e.to,
          phase: e.phase,
          messages: e.messages,
          bytes: e.bytes,
        });
      } else {
        g.messages += e.messages;
        g.bytes += e.bytes;
      }
    }
    return [...groups.values()].sort((a, b) =>
      a.from - b.from || a.to - b.to || a.phase.localeCompare(b.phase)
    );
  }

  /** All aggregates (copies). */
  entries(): LedgerEntry[] {
    return [...this.#entries.values()].map((e) => ({ ...e }));
  }

  /** Serializable form; {@link Ledger.fromJSON} reads it back. */
  toJSON(): LedgerJSON {
    return {
      version: 1,
      base: { ...this.#base },
      maxDepth: { ...this.#max },
      summary: this.summary(),
      entries: this.entries(),
    };
  }

  /** Rebuild a ledger from {@link Ledger.toJSON} output (e.g. received from another process). */
  static fromJSON(json: LedgerJSON): Ledger {
    if (json?.version !== 1 || !Array.isArray(json.entries)) {
      throw new Error("Ledger.fromJSON: not a version-1 ledger");
    }
    const l = new Ledger();
    for (const e of json.entries) {
      l.#entries.set(keyOf(e.from, e.to, e.phase, e.path), { ...e });
    }
    l.#base = { online: json.base.online, offline: json.base.offline };
    l.#max = { online: json.maxDepth.online, offline: json.maxDepth.offline };
    return l;
  }

  #sum(pred: (e: LedgerEntry) => boolean): Count {
    const c = zeroCount();
    for (const e of this.#entries.values()) {
      if (!pred(e)) continue;
      c.messages += e.messages;
      c.bytes += e.bytes;
    }
    return c;
  }
}
