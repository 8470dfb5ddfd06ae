/** Test helpers: run a program on a backend and compare against the plain ring backend. */
import type { FloatTensor } from "@secp/field";
import type { Channel, Ledger, PartyId, SendMeta } from "@secp/transport";
import type { BackendKind, Cost, SecretBackend, Shared, TruncMode } from "../mod.ts";
import { type LocalRunOptions, Networked, runLocal } from "../mod.ts";

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
): Promise<{ outputs: FloatTensor[]; ledger: Ledger }> {
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
      if (be instanceof Networked) await be.alignClocks(); // the op's rounds from a common start
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

/**
 * A `wrapChannel` that calls `onSend(from, to, payload copy, meta)` for every message a party sends,
 * then sends it (to record transcripts in tests).
 */
export function recordSends(
  onSend: (from: PartyId, to: PartyId, payload: Uint8Array, meta: SendMeta) => void,
): (ch: Channel) => Channel {
  return (ch: Channel): Channel => ({
    self: ch.self,
    parties: ch.parties,
    ledger: ch.ledger,
    send(to: PartyId, payload: Uint8Array, meta: SendMeta) {
      onSend(ch.self, to, payload.slice(), meta);
      ch.send(to, payload, meta);
    },
    recv: (from, meta) => ch.recv(from, meta),
    flush: () => ch.flush(),
    close: () => ch.close(),
  });
}
