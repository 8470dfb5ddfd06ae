/**
 * Closed-form costs of the composite protocols, built from the primitive costs of
 * `@secp/sharing`'s cost.ts. Every protocol exports a `…Cost(kind, shape, options)` function; tests
 * assert each equals the ledger (bytes sent per party, online rounds, offline bytes) for 2PC in both
 * truncation modes and for 3PC.
 *
 * Bytes add up; rounds do not always: the ledger counts rounds as the longest chain of dependent
 * messages (a Lamport clock per party), and a 3PC truncation is a single message from party 1 to
 * party 0 that the next product partly overlaps. {@link CostModel} therefore replays each
 * primitive's message pattern on a per-party clock, as each backend's cost file states it (2PC: both
 * parties exchange; 3PC products and openings: party i sends to party i−1; 3PC local truncation:
 * party 1 → party 0) and reports the exact critical path, assuming all parties start the
 * operation at the same depth. Nothing here names a backend: a new one brings its cost file.
 *
 * @module
 */
import { type Shape, sizeOf } from "@secp/field";
import {
  type BackendCosts,
  type BackendKind,
  type Cost,
  costsOf,
  type RoundPattern,
  type RoundSteps,
  type TruncMode,
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
  readonly #c: BackendCosts;

  /** An empty model for `kind`. */
  constructor(kind: BackendKind, opts: CostOptions = {}) {
    this.kind = kind;
    this.truncMode = opts.trunc ?? "exact";
    this.fracBits = opts.fracBits ?? 16;
    this.#c = costsOf(kind);
    this.#depth = this.#c.computing.map(() => 0);
  }

  /** Adds `c`'s bytes and advances the clocks by one message of each step. */
  #add(c: Cost, steps: RoundSteps): this {
    if (this.#depth.length === 0) return this; // one party in the clear: nothing travels
    for (const [p, v] of Object.entries(c.bytes)) this.#bytes[+p] = (this.#bytes[+p] ?? 0) + v;
    this.#offlineBytes += c.offlineBytes;
    this.#offlineRounds += c.offlineRounds;
    for (const step of steps) this.#step(step);
    return this;
  }

  #step(pattern: RoundPattern): void {
    const d = this.#depth;
    if (pattern === "exchange") {
      const [a, b] = d;
      this.#depth = [Math.max(a, b + 1), Math.max(b, a + 1), ...d.slice(2)];
    } else if (pattern === "ring") {
      this.#depth = d.map((di, i) => Math.max(di, d[(i + 1) % d.length] + 1));
    } else if (pattern === "fold") {
      // Fused product + truncation, round 1: party 2 → 0 and 1, and 0 ↔ 1.
      const [a, b, c] = d;
      this.#depth = [Math.max(a, b + 1, c + 1), Math.max(b, a + 1, c + 1), c];
    } else if (pattern === "oneToZero") {
      this.#depth = [Math.max(d[0], d[1] + 1), ...d.slice(1)];
    }
  }

  /** `mulNoTrunc` of n elements. */
  mulNoTrunc(n: number): this {
    return this.#add(this.#c.mulNoTrunc(n), this.#c.productSteps);
  }

  /** `truncate` of n elements (any shift). */
  truncate(n: number): this {
    if (n === 0) return this;
    return this.#add(this.#c.trunc(n, this.truncMode), this.#c.truncSteps(this.truncMode));
  }

  /** `mul` of n elements: product, then truncation (or the backend's fused protocol). */
  mul(n: number): this {
    if (this.#fused()) return this.#truncatedProduct(this.#c.mulNoTrunc(n), n);
    return this.mulNoTrunc(n).truncate(n);
  }

  #fused(): boolean {
    return this.#c.fusedProductSteps(this.truncMode) !== null;
  }

  /** The backend's fused product + truncation (see `truncatedProductCost`). */
  #truncatedProduct(noTrunc: Cost, n: number): this {
    const c = this.#c.truncatedProduct(noTrunc, n, this.truncMode);
    return this.#add(c, this.#c.fusedProductSteps(this.truncMode)!);
  }

  /** `matmulNoTrunc` [b,m,k] @ [b?,k,n]. */
  matmulNoTrunc(b: number, m: number, k: number, n: number, bBatched: boolean): this {
    return this.#add(this.#c.matmulNoTrunc(b, m, k, n, bBatched), this.#c.productSteps);
  }

  /** `matmul` [b,m,k] @ [b?,k,n], then truncation of the b·m·n outputs. */
  matmul(b: number, m: number, k: number, n: number, bBatched: boolean): this {
    if (this.#fused()) {
      return this.#truncatedProduct(this.#c.matmulNoTrunc(b, m, k, n, bBatched), b * m * n);
    }
    return this.matmulNoTrunc(b, m, k, n, bBatched).truncate(b * m * n);
  }

  /** `fixed(W)` of a `[k, n]` weight. */
  fixed(k: number, n: number): this {
    const c = this.#c.fixed(k, n);
    return this.#add(c, c.rounds > 0 ? this.#c.productSteps : []);
  }

  /** `matmulFixed` [m,k] @ W[k,n] after `fixed(W)`, then truncation of the m·n outputs. */
  matmulFixed(m: number, k: number, n: number): this {
    const noTrunc = this.#c.matmulFixedNoTrunc(m, k, n);
    if (this.#fused()) return this.#truncatedProduct(noTrunc, m * n);
    return this.#add(noTrunc, this.#c.productSteps).truncate(m * n);
  }

  /** Whether truncation is exact (`exact` mode; plain), as `SecretBackend.exactTruncation`. */
  get exactTruncation(): boolean {
    return this.#c.exactTruncation(this.truncMode);
  }

  /** `openMod2k` of n elements. */
  openMod2k(n: number, k: number): this {
    return this.#add(this.#c.openMod2k(n, k), this.#c.productSteps);
  }

  /** `revealRing(x, "all")` of n elements: every computing party sends its 8-byte share once. */
  revealAll(n: number): this {
    const bytes: Record<number, number> = {};
    for (const p of this.#c.computing) bytes[p] = W * n;
    return this.#add({ rounds: 1, bytes, offlineBytes: 0, offlineRounds: 0 }, this.#c.productSteps);
  }

  /** `trigTuple` of n elements, all offline (each backend's cost file says how it is made). */
  trigTuple(n: number): this {
    return this.#add(this.#c.trigTuple(n, this.truncMode), []);
  }

  /** `ltz` of n elements: the backend's bytes; each of its rounds one product-like step. */
  ltz(n: number, bits = 64): this {
    const c = this.#c.ltz(n, bits);
    return this.#add(c, Array.from({ length: c.rounds }, () => this.#c.ltzStep));
  }

  /** The accumulated cost. */
  cost(): Cost {
    return {
      rounds: Math.max(0, ...this.#depth),
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
