/**
 * Kernel dispatch: the fastest available implementation of each hot kernel. All implementations
 * give bit-identical results; tests compare them with a BigInt reference.
 *
 * @module
 */
import * as portable from "./portable.ts";

/** The set of hot kernels used by the tensor types. */
export interface Kernels {
  /** Which implementation this is. */
  readonly name: string;
  /** `out = a + b mod 2^64`. */
  addU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /** `out = a - b mod 2^64`. */
  subU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /** `out = a ⊙ b mod 2^64`. */
  mulU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /** `out = a · s mod 2^64`. */
  scaleU64(a: BigUint64Array, s: bigint, out: BigUint64Array): void;
  /** `c += a · b mod 2^64` on row-major sub-matrices at the given offsets. */
  matmulU64(
    a: BigUint64Array,
    aOff: number,
    b: BigUint64Array,
    bOff: number,
    c: BigUint64Array,
    cOff: number,
    m: number,
    k: number,
    n: number,
  ): void;
  /** `c += a · b` in float64 on row-major sub-matrices at the given offsets. */
  matmulF64(
    a: Float64Array,
    aOff: number,
    b: Float64Array,
    bOff: number,
    c: Float64Array,
    cOff: number,
    m: number,
    k: number,
    n: number,
  ): void;
}

/** Portable TypeScript kernels. */
export const portableKernels: Kernels = { name: "portable", ...portable };

let active: Kernels = portableKernels;

/** The kernels currently used by `RingTensor` and `FloatTensor`. */
export function kernels(): Kernels {
  return active;
}

/** Replaces the active kernels (e.g. to compare implementations in a benchmark); returns the previous. */
export function setKernels(k: Kernels): Kernels {
  const prev = active;
  active = k;
  return prev;
}
