/**
 * Closed-form costs of the composite protocols, built from the primitive costs of
 * `@secp/sharing`'s cost.ts. Every protocol exports a `…Cost(kind, shape, options)` function; tests
 * assert each equals the ledger (bytes sent per party, online rounds, offline bytes) for 2PC in both
 * truncation modes and for 3PC.
 *
 * Bytes add up; rounds do not always: the ledger counts rounds as the longest chain of dependent
 * messages (a Lamport clock per party), and a 3PC truncation is a single message from party 1 to
 * party 0 that the next product partly overlaps. {@link CostModel} therefore replays each
 * primitive's message pattern on a per-party clock (2PC: both parties exchange; 3PC products and
 * openings: party i sends to party i−1; 3PC truncation: party 1 → party 0) and reports the exact
 * critical path, assuming all parties start the operation at the same depth.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import {
  type BackendKind,
  type Cost,
  ltzCost,
  matmulNoTruncCost,
  mulNoTruncCost,
  openMod2kCost,
  truncatedProductCost,
  truncCost,
  type TruncMode,
  zeroCost,
} from "@secp/sharing";

export type { BackendKind, Cost, TruncMode } from "@secp/sharing";

/** Options every cost function accepts. */
export interface CostOptions {
  /** 2PC truncation mode of the backend (default `exact`, the backend's default). */
  trunc?: TruncMode;
  /** Fractional bits of the backend (default 16). */
  fracBits?: number;
}

const W = 8; // bytes per ring element

/** Message pattern of a primitive, for the round model. */
type Pattern = "none" | "exchange" | "ring" | "oneToZero" | "fold";

/**
 * Accumulates the cost of a sequence of backend primitives. Bytes and offline bytes add; online
 * rounds follow the per-party Lamport clocks (see the module docs). Offline rounds are summed (an
 * upper bound: the dealer pipelines its material).
 */
export class CostModel {
  /** Backend kind. */
  readonly kind: BackendKind;
  /** 2PC truncation mode. */
  readonly truncMode: TruncMode;
  /** Fractional bits. */
  readonly fracBits: number;
  #depth: number[];
  #bytes: Record<number, number> = {};
  #offlineBytes = 0;
  #offlineRounds = 0;

  /** An empty model for `kind`. */
  constructor(kind: BackendKind, opts: CostOptions = {}) {
    this.kind = kind;
    this.truncMode = opts.trunc ?? "exact";
    this.fracBits = opts.fracBits ?? 16;
    this.#depth = kind === "3pc" ? [0, 0, 0] : [0, 0];
  }

  /** Adds `c`'s bytes and advances the clocks by `steps` messages of `pattern`. */
  #add(c: Cost, pattern: Pattern, steps = 1): this {
    if (this.kind === "plain") return this;
    for (const [p, v] of Object.entries(c.bytes)) this.#bytes[+p] = (this.#bytes[+p] ?? 0) + v;
    this.#offlineBytes += c.offlineBytes;
    this.#offlineRounds += c.offlineRounds;
    for (let s = 0; s < steps; s++) {
      const d = this.#depth;
      if (pattern === "exchange") {
        const [a, b] = d;
        this.#depth = [Math.max(a, b + 1), Math.max(b, a + 1), ...d.slice(2)];
      } else if (pattern === "ring") {
        this.#depth = d.map((di, i) => Math.max(di, d[(i + 1) % 3] + 1));
      } else if (pattern === "fold") {
        // 3PC fused product + truncation, round 1: party 2 → 0 and 1, and 0 ↔ 1.
        const [a, b, c] = d;
        this.#depth = [Math.max(a, b + 1, c + 1), Math.max(b, a + 1, c + 1), c];
      } else if (pattern === "oneToZero") {
        this.#depth = [Math.max(d[0], d[1] + 1), d[1], d[2]];
      }
    }
    return this;
  }

  #pairwise(): Pattern {
    return this.kind === "2pc" ? "exchange" : "ring";
  }

  /** `mulNoTrunc` of n elements. */
  mulNoTrunc(n: number): this {
    return this.#add(mulNoTruncCost(this.kind, n), this.#pairwise());
  }

  /** `truncate` of n elements (any shift). */
  truncate(n: number): this {
    if (n === 0) return this;
    const c = truncCost(this.kind, n, this.truncMode);
    if (this.truncMode === "exact") {
      // 2PC: one exchange; 3PC: parties 0 and 1 exchange c, then their reshare halves.
      return this.#add(c, "exchange", this.kind === "3pc" ? 2 : 1);
    }
    return this.#add(c, this.kind === "3pc" ? "oneToZero" : "none");
  }

  /** `mul` of n elements: product, then truncation (fused on 3PC with exact truncation). */
  mul(n: number): this {
    if (this.#fused()) return this.#truncatedProduct(mulNoTruncCost(this.kind, n), n);
    return this.mulNoTrunc(n).truncate(n);
  }

  #fused(): boolean {
    return this.kind === "3pc" && this.truncMode === "exact";
  }

  /** 3PC exact: the fused product + truncation (see `truncatedProductCost`). */
  #truncatedProduct(noTrunc: Cost, n: number): this {
    const c = truncatedProductCost(this.kind, noTrunc, n, this.truncMode);
    return this.#add(c, "fold").#add(zeroCost(), "exchange");
  }

  /** `matmulNoTrunc` [b,m,k] @ [b?,k,n]. */
  matmulNoTrunc(b: number, m: number, k: number, n: number, bBatched: boolean): this {
    return this.#add(matmulNoTruncCost(this.kind, b, m, k, n, bBatched), this.#pairwise());
  }

  /** `matmul` [b,m,k] @ [b?,k,n], then truncation of the b·m·n outputs. */
  matmul(b: number, m: number, k: number, n: number, bBatched: boolean): this {
    if (this.#fused()) {
      return this.#truncatedProduct(matmulNoTruncCost(this.kind, b, m, k, n, bBatched), b * m * n);
    }
    return this.matmulNoTrunc(b, m, k, n, bBatched).truncate(b * m * n);
  }

  /** Whether truncation is exact (`exact` mode; plain), as `SecretBackend.exactTruncation`. */
  get exactTruncation(): boolean {
    return this.kind === "plain" || this.truncMode === "exact";
  }

  /** `openMod2k` of n elements. */
  openMod2k(n: number, k: number): this {
    return this.#add(openMod2kCost(this.kind, n, k), this.#pairwise());
  }

  /** `revealRing(x, "all")` of n elements: every computing party sends its 8-byte share once. */
  revealAll(n: number): this {
    const parties = this.kind === "3pc" ? [0, 1, 2] : [0, 1];
    const bytes: Record<number, number> = {};
    for (const p of parties) bytes[p] = W * n;
    return this.#add({ rounds: 1, bytes, offlineBytes: 0, offlineRounds: 0 }, this.#pairwise());
  }

  /**
   * `trigTuple` of n elements, all offline. 2PC: the dealer sends party 1's corrections of cos and
   * sin (16n bytes). 3PC: the parties combine their PRG phases by the angle-addition formula, two
   * truncated products of 4n elements (over all parties: 256n bytes with local truncation, 512n
   * with exact).
   */
  trigTuple(n: number): this {
    if (this.kind === "2pc") {
      return this.#add({ rounds: 0, bytes: {}, offlineBytes: 2 * W * n, offlineRounds: 1 }, "none");
    }
    if (this.kind === "3pc") {
      const one = truncatedProductCost("3pc", mulNoTruncCost("3pc", 4 * n), 4 * n, this.truncMode);
      const total = Object.values(one.bytes).reduce((a, b) => a + b, 0) + one.offlineBytes;
      return this.#add(
        { rounds: 0, bytes: {}, offlineBytes: 2 * total, offlineRounds: 2 * one.rounds },
        "none",
      );
    }
    return this;
  }

  /**
   * `ltz` of n elements: `@secp/sharing`'s `ltzCost` bytes; its rounds are all pairwise
   * exchanges (2PC: 7 AND levels and one product; 3PC: one carry-save AND, 7 prefix levels and two
   * products, each a reshare to party i−1).
   */
  ltz(n: number, bits = 64): this {
    const c = ltzCost(this.kind, n, bits);
    return this.#add(c, this.#pairwise(), c.rounds);
  }

  /** The accumulated cost. */
  cost(): Cost {
    return {
      rounds: Math.max(...this.#depth),
      bytes: { ...this.#bytes },
      offlineBytes: this.#offlineBytes,
      offlineRounds: this.#offlineRounds,
    };
  }
}

/** Runs a plan on a fresh model and returns its cost. */
export function costOf(
  kind: BackendKind,
  opts: CostOptions,
  plan: (m: CostModel) => void,
): Cost {
  const m = new CostModel(kind, opts);
  plan(m);
  return m.cost();
}

/** Number of elements of a shape. */
export function numel(shape: Shape): number {
  return sizeOf(shape);
}

/** Largest number of online bytes any single party sends. */
export function maxBytes(c: Cost): number {
  return Math.max(0, ...Object.values(c.bytes));
}
