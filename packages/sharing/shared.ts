/**
 * `Shared`: one party's view of a secret-shared tensor. Protocol and model code treat it as opaque
 * and only pass it to a backend.
 *
 * @module
 */
import type { FloatTensor, RingTensor, Shape } from "@secp/field";

/**
 * A secret-shared tensor as held by one party. `parts` are this party's ring shares: one for 2PC
 * additive sharing, two for 3PC replicated sharing (shares i and i+1), the cleartext for the `plain`
 * ring backend, and none for a party that holds no share (dealer, data owner): those parties only
 * track shapes. The float `plain` backend keeps the value in `float`.
 */
export class Shared {
  /** Tensor shape. */
  readonly shape: readonly number[];
  /** This party's ring shares. */
  readonly parts: readonly RingTensor[];
  /** Value for the float plain backend only. */
  readonly float?: FloatTensor;

  /** A shared tensor of `shape` with this party's `parts`. */
  constructor(shape: Shape, parts: readonly RingTensor[], float?: FloatTensor) {
    this.shape = [...shape];
    this.parts = parts;
    this.float = float;
  }

  /** Number of elements. */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/**
 * A constant shared operand prepared for repeated multiplication (e.g. a weight matrix): its mask
 * `W − B` is opened once and reused by every later product.
 */
export interface FixedOperand {
  /** The operand itself. */
  readonly value: Shared;
  /** Backend-specific prepared state. */
  readonly state: unknown;
}

/** One party's share of a trig tuple: t uniform mod 2^k with cos and sin of 2π·t/2^k. */
export interface TrigTuple {
  /** Shares of t, each reduced mod 2^k (their sum mod 2^k is t). */
  t: Shared;
  /** Fixed-point shares of cos(2πt/2^k). */
  cos: Shared;
  /** Fixed-point shares of sin(2πt/2^k). */
  sin: Shared;
}
