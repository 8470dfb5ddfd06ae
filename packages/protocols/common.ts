/**
 * Shared vocabulary of the protocols: declared domains and error contracts, the debug-mode domain
 * check of the `plain` backend, and small helpers built only on the `SecretBackend` interface.
 *
 * @module
 */
import { FloatTensor, RingTensor, type Shape, sizeOf } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";

/** The input interval a protocol is specified on (closed unless `note` says otherwise). */
export interface Domain {
  /** Smallest admissible input. */
  lo: number;
  /** Largest admissible input. */
  hi: number;
  /** What the interval refers to and what happens outside it. */
  note: string;
}

/**
 * An error contract: a declared bound and what was measured against float64 on a dense grid
 * (tests re-measure on the plain ring backend and on 2PC/3PC and assert the declared bounds).
 */
export interface ErrorContract {
  /** Declared bound on the absolute error over the grid. */
  maxAbs: number;
  /** Declared bound on the relative error where |f(x)| ≥ `relFloor`, where meaningful. */
  maxRel?: number;
  /** Relative errors are taken where |f(x)| ≥ this (default 0). */
  relFloor?: number;
  /** Measured max abs error (worst of plain ring, 2PC, 3PC), default options, f = 16. */
  measuredAbs: number;
  /** Measured max relative error. */
  measuredRel?: number;
  /** The grid the measurement used. */
  grid: string;
}

/**
 * A protocol's specification: domain, error contract, method and provenance. Every protocol of
 * this package exports one.
 */
export interface ProtocolSpec {
  /** Protocol name as used in op paths and benchmarks. */
  name: string;
  /** The method, and which paper or system it follows. */
  method: string;
  /** Declared input domain. */
  domain: Domain;
  /** Error contract at the default options and f = 16 fractional bits. */
  error: ErrorContract;
  /** The float64 function the protocol approximates (elementwise protocols only). */
  reference?: (x: number) => number;
}

/** Options every protocol accepts. */
export interface DebugOptions {
  /**
   * Check declared domains on the `plain` backend by revealing the input (throws a `RangeError`
   * naming the protocol and the offending value). Default: the `SECP_PROTOCOLS_DEBUG` environment
   * variable is set to `1`. Never done on `2pc`/`3pc`: revealing would leak the secret, so there an
   * out-of-domain input silently gives the result described in the protocol's `domain.note`.
   */
  debug?: boolean;
}

/** True when the environment variable `SECP_PROTOCOLS_DEBUG` is `1` (false without env access). */
export function debugFromEnv(): boolean {
  try {
    return Deno.env.get("SECP_PROTOCOLS_DEBUG") === "1";
  } catch {
    return false;
  }
}

/**
 * Debug-mode domain assertion (plain backend only; see {@link DebugOptions}). Checks that every
 * element of `x` lies in [lo, hi].
 */
export async function checkDomain(
  be: SecretBackend,
  protocol: string,
  x: Shared,
  lo: number,
  hi: number,
  opts: DebugOptions = {},
): Promise<void> {
  if (be.kind !== "plain" || !(opts.debug ?? debugFromEnv())) return;
  const v = await be.reveal(x, "all");
  if (!v) return;
  for (let i = 0; i < v.size; i++) {
    const e = v.data[i];
    if (!(e >= lo && e <= hi)) {
      throw new RangeError(
        `${protocol}: input ${e} (element ${i}) is outside the declared domain [${lo}, ${hi}]`,
      );
    }
  }
}

/** A ring tensor of `shape` filled with the raw integer `v`. */
export function ringFill(shape: Shape, v: bigint): RingTensor {
  return new RingTensor(new BigUint64Array(sizeOf(shape)).fill(BigInt.asUintN(64, v)), shape);
}

/** Fixed-point encoding of a public constant tensor (per-element coefficients for `mulRing`). */
export function encodeConst(
  be: SecretBackend,
  values: ArrayLike<number>,
  shape: Shape,
): RingTensor {
  return be.fp.encode(new FloatTensor(Float64Array.from(values), shape));
}

/** Flattens every tensor, concatenates them, runs `op` once, and splits the result back. */
export async function batched(
  be: SecretBackend,
  xs: readonly Shared[],
  op: (all: Shared) => Promise<Shared>,
): Promise<Shared[]> {
  if (xs.length === 1) return [await op(xs[0])];
  const all = be.concat(xs.map((x) => be.reshape(x, [x.size])), 0);
  const out = await op(all);
  return split(be, out, xs.map((x) => x.shape));
}

/** Splits a flat shared tensor into consecutive pieces of the given shapes. */
export function split(be: SecretBackend, flat: Shared, shapes: readonly Shape[]): Shared[] {
  const out: Shared[] = [];
  let at = 0;
  for (const s of shapes) {
    const n = sizeOf(s);
    out.push(be.reshape(be.slice(flat, 0, at, at + n), s));
    at += n;
  }
  return out;
}

/** Truncates several tensors by the same number of bits in one call (one round). */
export function truncateAll(
  be: SecretBackend,
  xs: readonly Shared[],
  bits?: number,
): Promise<Shared[]> {
  return batched(be, xs, (all) => be.truncate(all, bits));
}

/** Elementwise products without truncation of several pairs in one call (one round). */
export async function mulNoTruncAll(
  be: SecretBackend,
  pairs: readonly (readonly [Shared, Shared])[],
): Promise<Shared[]> {
  return await productAll(be, pairs, (x, y) => be.mulNoTrunc(x, y));
}

/**
 * Truncated elementwise products of several pairs in one call (one `mul`), truncated by `bits`
 * (default f; more when the operands carry extra fractional bits).
 */
export async function mulAll(
  be: SecretBackend,
  pairs: readonly (readonly [Shared, Shared])[],
  bits?: number,
): Promise<Shared[]> {
  return await productAll(be, pairs, (x, y) => be.mul(x, y, bits));
}

async function productAll(
  be: SecretBackend,
  pairs: readonly (readonly [Shared, Shared])[],
  product: (x: Shared, y: Shared) => Promise<Shared>,
): Promise<Shared[]> {
  if (pairs.length === 1) return [await product(pairs[0][0], pairs[0][1])];
  const flat = (i: 0 | 1) => be.concat(pairs.map((p) => be.reshape(p[i], [p[i].size])), 0);
  return split(be, await product(flat(0), flat(1)), pairs.map((p) => p[0].shape));
}

/**
 * a₀ + Σ aᵢ·tᵢ on the ring, no communication: the shared terms tᵢ carry `termBits` fractional
 * bits (default f), the public coefficients are encoded with f + `extra` bits, so the result
 * carries termBits + f + extra fractional bits; the caller truncates it once (by termBits +
 * extra to come back to f bits), so small coefficients keep their precision.
 */
export function ringPolynomial(
  be: SecretBackend,
  terms: readonly (readonly [Shared, number])[],
  a0: number,
  extra: number,
  termBits: number = be.fp.fracBits,
): Shared {
  const t0 = terms[0][0];
  const coef = (a: number) => ringFill(t0.shape, be.fp.encodeScalar(a * 2 ** extra));
  const sum = terms.reduce((acc, [t, a]) => be.add(acc, be.mulRing(t, coef(a))), zerosLike(be, t0));
  return be.addRing(sum, ringFill(t0.shape, be.fp.encodeScalar(a0 * 2 ** (termBits + extra))));
}

/** A shared tensor of zeros with `x`'s shape (x − x: no communication). */
export function zerosLike(be: SecretBackend, x: Shared): Shared {
  return be.sub(x, x);
}

/** Shares of the fixed-point constant `c` with `x`'s shape (no communication). */
export function constLike(be: SecretBackend, x: Shared, c: number): Shared {
  return be.addPublic(zerosLike(be, x), c);
}

/**
 * For shares `b` of integer bits (as returned by `ltz`): shares of the integer 1 − b. Uses the raw
 * ring constant 1, so it is right on every backend (the float plain backend represents the integer
 * 1 as 2^−f, which is what `addRing` of the raw 1 adds there).
 */
export function oneMinusBit(be: SecretBackend, b: Shared): Shared {
  return be.addRing(be.neg(b), ringFill(b.shape, 1n));
}

/**
 * x · c for a public constant c with full relative precision: c is encoded as c·2^s (s extra
 * bits so that |c·2^s| ∈ [0.5, 1) for |c| < 1) and the product truncated once by f + s bits. Same
 * cost as `mulPublic` (one truncation); `mulPublic` would encode c with f bits only (1/768 at
 * f = 16 is off by 0.4 %). Needs |x·c|·2^(2f+s) < 2^62 for the product.
 */
export async function mulConst(be: SecretBackend, x: Shared, c: number): Promise<Shared> {
  const s = constShift(c);
  const f = be.fp.fracBits;
  const enc = ringFill(x.shape, be.fp.encodeScalar(c * 2 ** s));
  return await be.truncate(be.mulRing(x, enc), f + s);
}

/** Extra bits used by {@link mulConst} for the constant c. */
export function constShift(c: number): number {
  if (c === 0 || Math.abs(c) >= 0.5) return 0;
  return Math.min(24, -Math.floor(Math.log2(Math.abs(c))) - 1);
}
