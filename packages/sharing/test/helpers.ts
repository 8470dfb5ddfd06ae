/** Test helpers: run a program on a backend and compare against the plain ring backend. */
import type { FloatTensor } from "@secp/field";
import type { BackendKind, SecretBackend, Shared } from "../mod.ts";
import { type LocalRunOptions, runLocal } from "../mod.ts";

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

/**
 * Runs `program` on `kind` (fixed test seeds) and returns what the data owner got from revealing
 * each output, plus the ledger.
 */
export async function runAndReveal(
  kind: BackendKind,
  program: (be: SecretBackend) => Promise<Shared[]>,
  opts: LocalRunOptions = {},
): Promise<{ outputs: FloatTensor[]; ledger: import("@secp/transport").Ledger }> {
  const { results, ledger, roles } = await runLocal(kind, async (be) => {
    const outs = await program(be);
    const revealed: FloatTensor[] = [];
    for (const o of outs) {
      const r = await be.reveal(o, "dataOwner");
      if (r) revealed.push(r);
    }
    return revealed;
  }, { insecureSeed: "sharing-tests", ...opts });
  return { outputs: results.get(roles.dataOwner)!, ledger };
}
