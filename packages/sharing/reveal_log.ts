/**
 * The reveal ledger: every opening a party performs (every time it combines shares and so learns
 * a value), with the op path, the receiving party and the distribution of what it learns:
 *
 * - `uniform-ring`: the value plus a fresh uniform ring mask (Beaver e = x − a, f = y − b, the
 *   fixed-operand mask W − B and x − A, the truncation opening x + 2^62 + r, XOR-masked bits):
 *   perfectly hiding;
 * - `uniform-mod-2^k`: (x − t) mod 2^k with t uniform mod 2^k (the Π_cos phase): perfectly hiding;
 * - `statistical`: x + r with r much wider than x (the paper variant of Π_cos): statistically
 *   hiding;
 * - `cleartext-output`: the value itself, e.g. the logits opened to the data owner. Anything else
 *   opened in the clear would be a leak, so a test can assert where these occur.
 *
 * The backend records masks it adds itself; for `reveal`/`revealRing`/`openMod2k` the caller
 * declares the mask (default `cleartext-output`). Records are aggregated by (path, receiver,
 * mask, bits, width), so the log stays small over thousands of calls.
 *
 * @module
 */
import type { PartyId } from "@secp/transport";

/** What the receiver of an opening learns (see the module doc). */
export type MaskKind = "uniform-ring" | "uniform-mod-2^k" | "statistical" | "cleartext-output";

/** Every {@link MaskKind}, masked ones first. */
export const MASK_KINDS: readonly MaskKind[] = [
  "uniform-ring",
  "uniform-mod-2^k",
  "statistical",
  "cleartext-output",
];

/** One opening as reported by a backend. */
export interface RevealRecord {
  /** Op path of the opening (the path of its messages in the ledger). */
  path: string;
  /** The party that learns the opened value. */
  receiver: PartyId;
  /** Distribution of what it learns. */
  mask: MaskKind;
  /** Elements opened. */
  elements: number;
  /** Size of the last axis of the opened tensor (e.g. C for logits). */
  width: number;
  /** For `uniform-mod-2^k`: k. */
  bits?: number;
}

/** All openings with the same (path, receiver, mask, bits, width). */
export interface RevealEntry extends RevealRecord {
  /** How many openings. */
  openings: number;
}

/** Where backends record openings. */
export interface RevealSink {
  /** Record one opening. */
  recordReveal(r: RevealRecord): void;
}

/** Serialized form (see {@link RevealLog.toJSON}). */
export interface RevealLogJSON {
  /** Format version. */
  version: 1;
  /** All aggregates. */
  entries: RevealEntry[];
}

const keyOf = (r: RevealRecord) =>
  `${r.receiver}\u0000${r.mask}\u0000${r.bits ?? ""}\u0000${r.width}\u0000${r.path}`;

/** A {@link RevealSink} that aggregates openings (one log can serve all parties of a process). */
export class RevealLog implements RevealSink {
  #entries = new Map<string, RevealEntry>();

  /** Record one opening. */
  recordReveal(r: RevealRecord): void {
    const k = keyOf(r);
    const e = this.#entries.get(k);
    if (e === undefined) {
      const entry: RevealEntry = {
        path: r.path,
        receiver: r.receiver,
        mask: r.mask,
        elements: r.elements,
        width: r.width,
        openings: 1,
      };
      if (r.bits !== undefined) entry.bits = r.bits;
      this.#entries.set(k, entry);
    } else {
      e.elements += r.elements;
      e.openings++;
    }
  }

  /** All aggregates (copies), sorted by receiver, mask and path. */
  entries(): RevealEntry[] {
    return [...this.#entries.values()].map((e) => ({ ...e })).sort((a, b) =>
      a.receiver - b.receiver || MASK_KINDS.indexOf(a.mask) - MASK_KINDS.indexOf(b.mask) ||
      a.path.localeCompare(b.path) || a.width - b.width || (a.bits ?? 0) - (b.bits ?? 0)
    );
  }

  /** Entries whose receiver is `party`. */
  receivedBy(party: PartyId): RevealEntry[] {
    return this.entries().filter((e) => e.receiver === party);
  }

  /** Opened elements per receiver and mask kind. */
  summary(): { receiver: PartyId; mask: MaskKind; openings: number; elements: number }[] {
    const g = new Map<
      string,
      { receiver: PartyId; mask: MaskKind; openings: number; elements: number }
    >();
    for (const e of this.entries()) {
      const k = `${e.receiver}\u0000${e.mask}`;
      const s = g.get(k);
      if (s === undefined) {
        g.set(k, {
          receiver: e.receiver,
          mask: e.mask,
          openings: e.openings,
          elements: e.elements,
        });
      } else {
        s.openings += e.openings;
        s.elements += e.elements;
      }
    }
    return [...g.values()];
  }

  /** An independent copy. */
  snapshot(): RevealLog {
    return new RevealLog().merge(this);
  }

  /** The openings recorded since `before` (a snapshot of this log). */
  since(before: RevealLog): RevealLog {
    const d = new RevealLog();
    for (const [k, e] of this.#entries) {
      const b = before.#entries.get(k);
      const openings = e.openings - (b?.openings ?? 0);
      if (openings <= 0) continue;
      d.#entries.set(k, { ...e, openings, elements: e.elements - (b?.elements ?? 0) });
    }
    return d;
  }

  /** Add another log's openings (e.g. another process's). */
  merge(other: RevealLog): this {
    for (const [k, e] of other.#entries) {
      const mine = this.#entries.get(k);
      if (mine === undefined) this.#entries.set(k, { ...e });
      else {
        mine.openings += e.openings;
        mine.elements += e.elements;
      }
    }
    return this;
  }

  /** Serializable form. */
  toJSON(): RevealLogJSON {
    return { version: 1, entries: this.entries() };
  }

  /** Rebuild a log from {@link RevealLog.toJSON} output. */
  static fromJSON(json: RevealLogJSON): RevealLog {
    if (json?.version !== 1 || !Array.isArray(json.entries)) {
      throw new Error("RevealLog.fromJSON: not a version-1 reveal log");
    }
    const l = new RevealLog();
    for (const e of json.entries) {
      if (!MASK_KINDS.includes(e.mask)) throw new Error(`RevealLog.fromJSON: bad mask ${e.mask}`);
      l.#entries.set(keyOf(e), { ...e });
    }
    return l;
  }
}
