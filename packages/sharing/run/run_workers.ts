/**
 * {@link runLocal}'s twin with every party in its own Worker thread: one SPMD program, loaded by
 * each worker from a module (closures cannot cross threads), run by every party concurrently over
 * message-port links, so a benchmark or a test of a protocol uses every core. Each worker records
 * the messages it sends in its own ledger; the ledgers are merged, so bytes, rounds and paths equal
 * those of the one-thread run on the same seeds.
 *
 * @module
 */
import { createPortMesh, Ledger, type LedgerJSON, type PartyId } from "@secp/transport";
import type { BackendKind, SecretBackend } from "../backend.ts";
import { type LocalRun, type LocalRunOptions, plainBackend, runLocal } from "./local.ts";
import { IN_PROCESS_TIMEOUT_MS } from "./start.ts";
import { localTopology, pairwiseSeeds } from "./topology.ts";
import type { PartiesIn, WorkerLinks } from "./workers.ts";

/**
 * A program a worker can load: `module` (a URL, e.g. `import.meta.resolve("./x.ts")`) exports a
 * function `name(be, args)` returning a structured-cloneable value; `args` is structured-cloned.
 */
export interface WorkerProgramRef {
  /** Module URL. */
  module: string;
  /** Name of the exported function. */
  name: string;
  /** Its second argument. */
  args?: unknown;
}

/** The signature of a program named by a {@link WorkerProgramRef}. */
export type WorkerProgram<A = unknown, T = unknown> = (be: SecretBackend, args: A) => Promise<T>;

/** What a program worker receives (internal to the runtime). */
export interface ProgramInit extends WorkerLinks {
  opts: Omit<LocalRunOptions, "profile" | "wrapChannel" | "ledger" | "reveals" | "link">;
  program: WorkerProgramRef;
}

/** What a program worker answers (internal to the runtime). */
export type ProgramReply =
  | { t: "done"; result: unknown; ledger: LedgerJSON }
  | { t: "error"; message: string };

/**
 * Runs the program `ref` on every party of `kind`, each in its own Worker. The first party to fail
 * ends the run: every worker is terminated and its error (naming the party) is thrown. `plain`
 * has no parties: the program runs on this thread, as in {@link runLocal}.
 */
export async function runInWorkers<T>(
  kind: BackendKind,
  ref: WorkerProgramRef,
  opts: LocalRunOptions = {},
): Promise<LocalRun<T>> {
  const { parties, roles } = localTopology(kind);
  if (kind === "plain") {
    const program = await loadProgram<T>(ref);
    return {
      results: new Map([[0, await program(plainBackend(opts), ref.args)]]),
      ledger: new Ledger(),
      roles,
    };
  }
  for (const k of ["profile", "wrapChannel", "ledger", "reveals", "link"] as const) {
    if (opts[k] !== undefined) throw new Error(`runInWorkers: option "${k}" needs one thread`);
  }
  const mesh = createPortMesh(parties);
  const seeds = pairwiseSeeds(parties, opts.insecureSeed);
  const workers: Worker[] = [];
  const ledger = new Ledger();
  const results = new Map<PartyId, T>();
  try {
    await new Promise<void>((resolve, reject) => {
      let left = parties.length;
      const fail = (e: Error) => reject(e);
      for (const p of parties) {
        const w = new Worker(new URL("./program_worker.ts", import.meta.url).href, {
          type: "module",
        });
        workers.push(w);
        w.onmessage = (ev: MessageEvent<ProgramReply>) => {
          const m = ev.data;
          if (m.t === "error") return fail(new Error(m.message));
          results.set(p, m.result as T);
          ledger.merge(Ledger.fromJSON(m.ledger));
          if (--left === 0) resolve();
        };
        w.onerror = (ev: ErrorEvent) => {
          ev.preventDefault();
          fail(new Error(`party ${p}: its thread died: ${ev.message}`));
        };
        const ports = [...mesh.get(p)!];
        const init: ProgramInit = {
          self: p,
          kind,
          roles,
          ports,
          seeds: [...seeds.get(p)!],
          opts: { fracBits: opts.fracBits, trunc: opts.trunc, insecureSeed: opts.insecureSeed },
          timeoutMs: opts.timeoutMs ?? IN_PROCESS_TIMEOUT_MS,
          program: ref,
        };
        w.postMessage(init, ports.map(([, port]) => port));
      }
    });
  } finally {
    for (const w of workers) w.terminate();
  }
  return { results, ledger, roles };
}

/** Imports `ref.module` and returns its function `ref.name` (an error naming both if missing). */
export async function loadExport<F>(ref: { module: string; name: string }): Promise<F> {
  const mod = await import(ref.module);
  const f = mod[ref.name];
  if (typeof f !== "function") {
    throw new Error(`${ref.module} has no function export "${ref.name}"`);
  }
  return f as F;
}

/** The program a {@link WorkerProgramRef} names. */
export function loadProgram<T>(ref: WorkerProgramRef): Promise<WorkerProgram<unknown, T>> {
  return loadExport<WorkerProgram<unknown, T>>(ref);
}

/**
 * Runs the program `ref` on every party of `kind`, on this thread ({@link runLocal}) or one Worker
 * per party ({@link runInWorkers}): the same outputs and ledger either way.
 */
export async function runProgram<T>(
  kind: BackendKind,
  ref: WorkerProgramRef,
  opts: LocalRunOptions & { partiesIn?: PartiesIn } = {},
): Promise<LocalRun<T>> {
  const { partiesIn, ...rest } = opts;
  if (partiesIn === "workers") return await runInWorkers<T>(kind, ref, rest);
  const program = await loadProgram<T>(ref);
  return await runLocal(kind, (be) => program(be, ref.args), rest);
}
