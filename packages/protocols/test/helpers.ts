/** Test helpers: run a program on a backend, reveal to the data owner, and measure costs. */
import type { FloatTensor } from "@secp/field";
import type {
  BackendKind,
  Cost,
  LocalRunOptions,
  SecretBackend,
  Shared,
  TruncMode,
} from "@secp/sharing";
import { inputFrom, runAndReveal as revealAll } from "../../sharing/test/helpers.ts";

// The sharing package's test helpers, shared rather than copied.
export { inputFrom, measure, testData } from "../../sharing/test/helpers.ts";

/** Backends and truncation modes every protocol is tested on. */
export const SECURE: readonly [BackendKind, TruncMode][] = [
  ["2pc", "exact"],
  ["2pc", "local"],
  ["3pc", "exact"],
  ["3pc", "local"],
];

/** Evenly spaced grid lo, lo + step, …, ≤ hi. */
export function grid(lo: number, hi: number, step: number): Float64Array {
  const n = Math.floor((hi - lo) / step + 1e-9) + 1;
  return Float64Array.from({ length: n }, (_, i) => lo + i * step);
}

/** Runs `program` on `kind` and returns what the data owner got from revealing each output. */
export async function runAndReveal(
  kind: BackendKind,
  program: (be: SecretBackend) => Promise<Shared[]>,
  opts: LocalRunOptions = {},
): Promise<FloatTensor[]> {
  return (await revealAll(kind, program, { insecureSeed: "protocol-tests", ...opts })).outputs;
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

/**
 * Max abs and max relative error of `got` against `ref(x)` elementwise. Throws if `got` does not
 * hold exactly one output per input; a NaN or infinite output (or reference) counts as an infinite
 * error, so it fails any bound instead of being skipped.
 */
export function errors(
  got: FloatTensor,
  xs: ArrayLike<number>,
  ref: (x: number) => number,
  relFloor = 0,
): { abs: number; rel: number; at: number } {
  if (got.size !== xs.length) {
    throw new RangeError(`errors: ${got.size} outputs for ${xs.length} inputs`);
  }
  let abs = 0, rel = 0, at = NaN;
  for (let i = 0; i < got.size; i++) {
    const want = ref(xs[i]);
    const d = Math.abs(got.data[i] - want);
    const e = Number.isFinite(d) ? d : Infinity; // NaN output or reference: never "within"
    if (e > abs) {
      abs = e;
      at = xs[i];
    }
    if (Math.abs(want) > relFloor) rel = Math.max(rel, e / Math.abs(want));
    else if (!Number.isFinite(want)) rel = Infinity;
  }
  return { abs, rel, at };
}

/** The fields of a cost compared by the tests (offline rounds depend on the dealer's pacing). */
export function comparable(
  c: Cost,
): { rounds: number; bytes: Record<number, number>; offlineBytes: number } {
  const bytes: Record<number, number> = {};
  for (const [p, v] of Object.entries(c.bytes)) if (v > 0) bytes[+p] = v;
  return { rounds: c.rounds, bytes, offlineBytes: c.offlineBytes };
}
