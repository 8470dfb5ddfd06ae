/** Test helpers: run a program on a backend, reveal to the data owner, and measure costs. */
import type { FloatTensor } from "@secp/field";
import {
  type BackendKind,
  type Cost,
  type LocalRunOptions,
  runLocal,
  type SecretBackend,
  type Shared,
  type TruncMode,
} from "@secp/sharing";
import type { Ledger } from "@secp/transport";

/** Backends and truncation modes every protocol is tested on. */
export const SECURE: readonly [BackendKind, TruncMode][] = [
  ["2pc", "exact"],
  ["2pc", "local"],
  ["3pc", "local"],
];

/** Evenly spaced grid lo, lo + step, …, ≤ hi. */
export function grid(lo: number, hi: number, step: number): Float64Array {
  const n = Math.floor((hi - lo) / step + 1e-9) + 1;
  return Float64Array.from({ length: n }, (_, i) => lo + i * step);
}

/** Deterministic pseudo-random floats in [-a, a) (test data only). */
export function testData(n: number, a: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * a;
  }
  return out;
}

/** Input `v` from `owner` (only the owner passes the value). */
export function inputFrom(
  be: SecretBackend,
  owner: "dataOwner" | "modelOwner",
  v: FloatTensor,
): Promise<Shared> {
  return be.input(owner, be.is(owner) ? v : undefined, v.shape);
}

/** Runs `program` on `kind` and returns what the data owner got from revealing each output. */
export async function runAndReveal(
  kind: BackendKind,
  program: (be: SecretBackend) => Promise<Shared[]>,
  opts: LocalRunOptions = {},
): Promise<FloatTensor[]> {
  const { results, roles } = await runLocal(kind, async (be) => {
    const outs = await program(be);
    const revealed: FloatTensor[] = [];
    for (const o of outs) {
      const r = await be.reveal(o, "dataOwner");
      if (r) revealed.push(r);
    }
    return revealed;
  }, { insecureSeed: "protocol-tests", ...opts });
  return results.get(roles.dataOwner)!;
}

/** Applies a one-input protocol to `xs` on `kind` and returns the revealed output. */
export async function apply1(
  kind: BackendKind,
  xs: FloatTensor,
  op: (be: SecretBackend, x: Shared) => Promise<Shared>,
  opts: LocalRunOptions = {},
): Promise<FloatTensor> {
  const [out] = await runAndReveal(kind, async (be) => {
    const x = await inputFrom(be, "dataOwner", xs);
    return [await op(be, x)];
  }, opts);
  return out;
}

/** Max abs and max relative error of `got` against `ref(x)` elementwise. */
export function errors(
  got: FloatTensor,
  xs: ArrayLike<number>,
  ref: (x: number) => number,
  relFloor = 0,
): { abs: number; rel: number; at: number } {
  let abs = 0, rel = 0, at = NaN;
  for (let i = 0; i < got.size; i++) {
    const want = ref(xs[i]);
    const e = Math.abs(got.data[i] - want);
    if (e > abs) {
      abs = e;
      at = xs[i];
    }
    if (Math.abs(want) > relFloor) rel = Math.max(rel, e / Math.abs(want));
  }
  return { abs, rel, at };
}

/**
 * Measured cost of `op` after `setup`: the ledger of setup+op minus the ledger of setup alone
 * (bytes and offline bytes of messages under the "op" path; online rounds by difference).
 */
export async function measure<S = Shared[]>(
  kind: BackendKind,
  trunc: TruncMode,
  setup: (be: SecretBackend) => Promise<S>,
  op: (be: SecretBackend, xs: S) => Promise<unknown>,
): Promise<Cost> {
  const run = async (withOp: boolean): Promise<Ledger> =>
    (await runLocal(kind, async (be) => {
      const xs = await setup(be);
      if (withOp) await be.scope("op", () => op(be, xs));
    }, { insecureSeed: "cost", trunc })).ledger;
  const base = await run(false), full = await run(true);
  const bytes: Record<number, number> = {};
  let offlineBytes = 0;
  for (const e of full.entries()) {
    if (!e.path.startsWith("op")) continue;
    if (e.phase === "offline") offlineBytes += e.bytes;
    else bytes[e.from] = (bytes[e.from] ?? 0) + e.bytes;
  }
  return {
    rounds: full.rounds("online") - base.rounds("online"),
    bytes,
    offlineBytes,
    offlineRounds: full.rounds("offline") - base.rounds("offline"),
  };
}

/** The fields of a cost compared by the tests (offline rounds depend on the dealer's pacing). */
export function comparable(
  c: Cost,
): { rounds: number; bytes: Record<number, number>; offlineBytes: number } {
  const bytes: Record<number, number> = {};
  for (const [p, v] of Object.entries(c.bytes)) if (v > 0) bytes[+p] = v;
  return { rounds: c.rounds, bytes, offlineBytes: c.offlineBytes };
}
