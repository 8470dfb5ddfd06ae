/**
 * Running one SPMD program on every party of a backend inside this process: the default
 * single-machine mode and the way tests drive the secure backends.
 *
 * @module
 */
import { Ledger, type PartyId } from "@secp/transport";
import type { BackendKind, SecretBackend } from "../backend.ts";
import type { Roles } from "../networked.ts";
import { PlainBackend, type PlainOptions } from "../plain.ts";
import { insecureTestSeed } from "../prg.ts";
import { allOrNothing, type LocalPartiesOptions, startLocalParties } from "./start.ts";
import { localTopology } from "./topology.ts";

/** Options of {@link runLocal}. */
export interface LocalRunOptions extends LocalPartiesOptions {
  /** Plain backend mode (default `ring`). */
  plainMode?: "ring" | "float";
  /** Plain backend, ring mode: see `PlainOptions.truncProbe`. */
  plainTruncProbe?: PlainOptions["truncProbe"];
}

/** Result of {@link runLocal}. */
export interface LocalRun<T> {
  /** Each party's return value, by party id. */
  results: Map<PartyId, T>;
  /** The ledger of all messages. */
  ledger: Ledger;
  /** The role mapping used. */
  roles: Roles;
}

/** The `plain` backend of a run (one party, no links). */
export function plainBackend(opts: LocalRunOptions = {}): PlainBackend {
  const seed = opts.insecureSeed === undefined ? undefined : insecureTestSeed(opts.insecureSeed);
  return new PlainBackend({
    mode: opts.plainMode,
    fracBits: opts.fracBits,
    seed,
    truncProbe: opts.plainTruncProbe,
    trunc: opts.trunc,
  });
}

/**
 * Runs `program` on every party of `kind` concurrently over in-memory links. If one party fails,
 * all links are closed so the others fail fast instead of waiting for the timeout; the first
 * error is rethrown.
 */
export async function runLocal<T>(
  kind: BackendKind,
  program: (be: SecretBackend) => Promise<T>,
  opts: LocalRunOptions = {},
): Promise<LocalRun<T>> {
  if (kind === "plain") {
    const { roles } = localTopology(kind);
    return {
      results: new Map([[0, await program(plainBackend(opts))]]),
      ledger: new Ledger(),
      roles,
    };
  }
  const run = await startLocalParties(kind, opts);
  const values = await allOrNothing(
    run.backends.length,
    (i) => program(run.backends[i]),
    run.closeAll,
  );
  await run.closeAll();
  return {
    results: new Map(values.map((v, i) => [run.parties[i], v])),
    ledger: run.ledger,
    roles: run.roles,
  };
}
