/**
 * The `SecretBackend` interface: the only thing protocols and models use. Every computing party,
 * the dealer and the input/output parties run the same program (SPMD) each with its own backend
 * instance; a call that needs communication awaits its peers.
 *
 * @module
 */
import type { FixedPoint, FloatTensor, RingTensor, Shape } from "@secp/field";
import type { LedgerSink } from "@secp/transport";
import type { MaskKind } from "./reveal_log.ts";
import type { FixedOperand, Shared, TrigTuple } from "./shared.ts";

/** Which sharing scheme a backend implements. */
export type BackendKind = "plain" | "2pc" | "3pc";

/**
 * Who owns an input or receives an output: a computing party index, or a named role.
 * `dataOwner` holds the texts and prompts and receives the logits; `modelOwner` holds the weights.
 */
export type Role = number | "dataOwner" | "modelOwner";

/** Truncation method after fixed-point products. */
export type TruncMode = "local" | "exact";

/** Operations every backend provides. All tensors are fixed-point unless a name says `Ring`/`Int`. */
export interface SecretBackend {
  /** Sharing scheme. */
  readonly kind: BackendKind;
  /** Fixed-point codec (fractional bits f). */
  readonly fp: FixedPoint;
  /** This party's id on the network (0 for `plain`). */
  readonly party: number;
  /** True for parties that hold shares and compute. */
  readonly computing: boolean;
  /**
   * True when `truncate` is exact for any |x| < 2^62 as a ring integer (plain; 2PC and 3PC
   * `exact`), so a caller may defer a truncation and rescale a wider value later. False for local
   * truncation (`local`), which fails with probability ≈ |x|/2^64 per element: keep values narrow.
   */
  readonly exactTruncation: boolean;
  /** The ledger of this run (shared by all parties in one process), if any. */
  readonly ledger?: LedgerSink;

  /** True when this party plays `role`. */
  is(role: Role): boolean;
  /** Runs `fn` with `name` appended to the op path recorded for every message it sends. */
  scope<T>(name: string, fn: () => Promise<T>): Promise<T>;

  /** Secret-shares `value`, supplied only by `owner` (others pass `undefined`), of `shape`. */
  input(owner: Role, value: FloatTensor | undefined, shape: Shape): Promise<Shared>;
  /** Like `input` for raw ring elements (no encoding). */
  inputRing(owner: Role, value: RingTensor | undefined, shape: Shape): Promise<Shared>;
  /**
   * Opens `x` to `to` (or all computing parties); others get `undefined`. `mask` declares, for the
   * reveal ledger, how `x` is masked (default `cleartext-output`: the receiver learns the value).
   */
  reveal(x: Shared, to: Role | "all", mask?: MaskKind): Promise<FloatTensor | undefined>;
  /** Opens the raw ring value of `x` (`mask` as in `reveal`). */
  revealRing(x: Shared, to: Role | "all", mask?: MaskKind): Promise<RingTensor | undefined>;
  /**
   * Opens `x mod 2^k` to all computing parties (each sends only k bits per element, rounded up to
   * whole bytes). Non-computing parties get zeros. `mask` as in `reveal` (default
   * `cleartext-output`; Π_cos opens a uniformly masked phase, `uniform-mod-2^k`).
   */
  openMod2k(x: Shared, k: number, mask?: MaskKind): Promise<RingTensor>;

  /** x + y. */
  add(x: Shared, y: Shared): Shared;
  /** x − y. */
  sub(x: Shared, y: Shared): Shared;
  /** −x. */
  neg(x: Shared): Shared;
  /** x + c for a public c (broadcast to x's shape). */
  addPublic(x: Shared, c: FloatTensor | number): Shared;
  /** x · c for a public fixed-point c (broadcast); truncates. */
  mulPublic(x: Shared, c: FloatTensor | number): Promise<Shared>;
  /** x · c for a public integer c; exact, no truncation. */
  mulInt(x: Shared, c: bigint | number): Shared;
  /** x + c for a public raw ring tensor (no encoding), broadcast. */
  addRing(x: Shared, c: RingTensor): Shared;
  /** x ⊙ c elementwise for a public raw ring tensor; no truncation. */
  mulRing(x: Shared, c: RingTensor): Shared;
  /** x @ w for a public fixed-point matrix w; truncates. */
  matmulPublic(x: Shared, w: FloatTensor): Promise<Shared>;
  /** x ⊙ y, truncated by 2^bits (default f; more for operands carrying extra fractional bits). */
  mul(x: Shared, y: Shared, bits?: number): Promise<Shared>;
  /** x ⊙ y without truncation (integer or pre-scaled operands). */
  mulNoTrunc(x: Shared, y: Shared): Promise<Shared>;
  /** x @ y without truncation: the result carries 2f fractional bits (see `exactTruncation`). */
  matmulNoTrunc(x: Shared, y: Shared): Promise<Shared>;
  /**
   * x @ y (batched as in `RingTensor.matmul`), truncated by 2^bits (default f; 2f rescales an
   * operand that carries 2f fractional bits at the same time, where `exactTruncation` allows).
   */
  matmul(x: Shared, y: Shared, bits?: number): Promise<Shared>;
  /** Prepares a constant operand for repeated `matmulFixed` (opens its mask once). */
  fixed(w: Shared): Promise<FixedOperand>;
  /** x @ w for a prepared constant w; only x's mask is opened. Truncates. */
  matmulFixed(x: Shared, w: FixedOperand): Promise<Shared>;
  /**
   * Does the input-independent (offline) work of `count` later `matmulFixed(x, w)` calls on x of
   * `xShape` now, so those calls do only their online part (a no-op where there is none).
   */
  preprocessFixed(w: FixedOperand, xShape: Shape, count?: number): Promise<void>;
  /**
   * The offline pass of a step (backends with a separate offline phase; absent elsewhere): runs
   * `program`, the step this party runs next, on shapes only, doing all of its input-independent
   * work now (masks, the helper's corrections, products with opened constants), so the next run
   * of the same program does only its online part. Sends and opens nothing.
   */
  preprocess?(program: () => Promise<unknown>): Promise<void>;
  /** Divides by 2^bits (fixed-point rescale after a product). */
  truncate(x: Shared, bits?: number): Promise<Shared>;

  /** Same data, new shape. */
  reshape(x: Shared, shape: Shape): Shared;
  /** Axis permutation (default: swap the last two). */
  transpose(x: Shared, perm?: readonly number[]): Shared;
  /** Elements start..end along axis. */
  slice(x: Shared, axis: number, start: number, end: number): Shared;
  /** Concatenation along axis. */
  concat(xs: readonly Shared[], axis: number): Shared;
  /** Sum along axis. */
  sum(x: Shared, axis: number, keepDims?: boolean): Shared;
  /** Broadcast to shape. */
  broadcastTo(x: Shared, shape: Shape): Shared;

  /**
   * Sign test: shares of the integer 1 where x < 0 and 0 elsewhere (not fixed-point scaled), via
   * secure MSB extraction. Multiply with `mulNoTrunc` to select (e.g. ReLU = x − x·ltz(x)).
   * `bits`: the caller guarantees |x| < 2^(bits−1) as a ring integer (|value| < 2^(bits−1−f));
   * with bits ≤ 32 the adder runs on 32-bit lanes, two elements per word (about half the traffic
   * of the default 64). Outside that bound the result is wrong, silently (checking would leak).
   */
  ltz(x: Shared, opts?: { bits?: number }): Promise<Shared>;

  /** Correlated randomness for Π_cos: shares of t mod 2^k with cos/sin of 2πt/2^k. */
  trigTuple(shape: Shape, k: number): Promise<TrigTuple>;
}
