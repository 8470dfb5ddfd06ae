/**
 * Every party in this process, each computing party (and the 2PC dealer, the model owner) in its
 * own Worker thread, linked by message ports: the default single-machine mode, which uses every
 * core. The data owner stays on the calling thread. Each worker serves the session exactly as a
 * deployed party does (remote.ts): the same announcement, job setup, control loop and reports, so
 * the ledger, the reveal log and the logits equal those of the single-thread `LocalSession` on the
 * same seeds. A worker builds its side of the job from a module it imports ({@link WorkerSetupRef}),
 * as a deployed party loads its own: closures cannot cross threads.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import { createPortMesh, Ledger, type PartyId, PortChannel } from "@secp/transport";
import type { BackendKind, SecretBackend } from "../backend.ts";
import type { Roles } from "../networked.ts";
import type { RevealLog } from "../reveal_log.ts";
import { SessionChannel } from "./channel.ts";
import {
  type LinkedSessionOptions,
  RemoteSession,
  type SessionLink,
  type StepTiming,
} from "./remote.ts";
import { LocalSession, type LocalSessionOptions, type SecureSession } from "./session.ts";
import { IN_PROCESS_TIMEOUT_MS, makeBackend } from "./start.ts";
import { localTopology, pairwiseSeeds } from "./topology.ts";

/**
 * Where a worker finds its side of the job: `module` (a URL, e.g. `import.meta.resolve(...)`)
 * exports a function `name` that takes `args` (structured-cloneable) and returns the `JobSetup`
 * of a deployed party (the model owner loads the weights itself).
 */
export interface WorkerSetupRef {
  /** Module URL. */
  module: string;
  /** Name of the exported factory. */
  name: string;
  /** Its argument. */
  args?: unknown;
}

/** A party's links, seeds and role map, as every party Worker receives them (internal). */
export interface WorkerLinks {
  self: PartyId;
  kind: BackendKind;
  roles: Roles;
  ports: [PartyId, MessagePort][];
  seeds: [PartyId, Uint8Array][];
  timeoutMs: number;
}

/** What a session's worker receives (internal to the runtime). */
export interface WorkerInit extends WorkerLinks {
  insecureSeed?: string;
  setup: WorkerSetupRef;
}

/** What a worker answers when its session ends (internal to the runtime). */
export type WorkerReply = { t: "done"; commands: number } | { t: "error"; message: string };

/** How the parties of an in-process session run. */
export type PartiesIn = "thread" | "workers";

/** The `--parties-in` values. */
export const PARTIES_IN: readonly PartiesIn[] = ["thread", "workers"];

/** Options of {@link WorkerSession.start}. */
export interface WorkerSessionOptions<Spec, Inputs> extends LinkedSessionOptions<Spec, Inputs> {
  /** Backend (a networked kind). */
  kind: BackendKind;
  /** How each worker builds its side of the job. */
  workerSetup: WorkerSetupRef;
  /** Receive timeout in ms (default `IN_PROCESS_TIMEOUT_MS`, 24 h, as in one thread). */
  timeoutMs?: number;
}

/** How long `close` waits for the workers to finish before terminating them. */
const EXIT_GRACE_MS = 10_000;

/** The data owner's handle on a session whose other parties run in Worker threads. */
export class WorkerSession<Spec = unknown, Inputs = unknown>
  implements SecureSession<Spec, Inputs> {
  readonly #session: RemoteSession<Spec, Inputs>;
  readonly #workers: Worker[];
  readonly #ended: Promise<unknown>;

  private constructor(
    session: RemoteSession<Spec, Inputs>,
    workers: Worker[],
    ended: Promise<unknown>,
  ) {
    this.#session = session;
    this.#workers = workers;
    this.#ended = ended;
  }

  /** The backend kind. */
  get kind(): BackendKind {
    return this.#session.kind;
  }
  /** Every message of the session (every worker's reports merged). */
  get ledger(): Ledger {
    return this.#session.ledger;
  }
  /** Every opening any party performed. */
  get reveals(): RevealLog {
    return this.#session.reveals;
  }
  /** The data owner's backend. */
  get backend(): SecretBackend {
    return this.#session.backend;
  }
  /** The model owner's public description of the model. */
  get publicModel(): unknown {
    return this.#session.publicModel;
  }
  /** Phases of the last step (with `offlineAhead`). */
  get lastStep(): StepTiming | undefined {
    return this.#session.lastStep;
  }

  /** Starts one worker per party other than the data owner, shares the weights, and returns. */
  static async start<Spec, Inputs>(
    opts: WorkerSessionOptions<Spec, Inputs>,
  ): Promise<WorkerSession<Spec, Inputs>> {
    const { parties, roles } = localTopology(opts.kind);
    if (parties.length < 2) throw new Error(`${opts.kind} has no parties to run in workers`);
    const timeoutMs = opts.timeoutMs ?? IN_PROCESS_TIMEOUT_MS;
    const mesh = createPortMesh(parties);
    const seeds = pairwiseSeeds(parties, opts.insecureSeed);
    const me = roles.dataOwner;
    const ledger = new Ledger();
    const sc = new SessionChannel(new PortChannel(me, mesh.get(me)!, { ledger, timeoutMs }));
    const workers: Worker[] = [];
    const exits: Promise<void>[] = [];
    for (const p of parties) {
      if (p === me) continue;
      const w = new Worker(new URL("./worker_party.ts", import.meta.url).href, { type: "module" });
      workers.push(w);
      exits.push(
        new Promise<void>((resolve) => {
          w.onmessage = (ev: MessageEvent<WorkerReply>) => {
            if (ev.data.t === "error") sc.fail(new Error(ev.data.message));
            resolve();
          };
          w.onerror = (ev: ErrorEvent) => {
            ev.preventDefault();
            sc.fail(new Error(`party ${p}: its thread died: ${ev.message}`));
            resolve();
          };
        }),
      );
      const ports = [...mesh.get(p)!];
      const init: WorkerInit = {
        self: p,
        kind: opts.kind,
        roles,
        ports,
        seeds: [...seeds.get(p)!],
        insecureSeed: opts.insecureSeed,
        timeoutMs,
        setup: opts.workerSetup,
      };
      w.postMessage(init, ports.map(([, port]) => port));
    }
    const link: SessionLink = {
      sc,
      kind: opts.kind,
      roles,
      backend: (o) =>
        makeBackend(opts.kind, sc, roles, seeds.get(me)!, {
          ...o,
          insecureSeed: opts.insecureSeed,
        }),
    };
    try {
      const session = await RemoteSession.over<Spec, Inputs>(link, ledger, opts);
      return new WorkerSession(session, workers, Promise.all(exits));
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
  }

  /** Announces and prepares a batch (the inputs are the data owner's). */
  prepare(spec: Spec, inputs: Inputs): Promise<number> {
    return this.#session.prepare(spec, inputs);
  }

  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor> {
    return this.#session.evaluate(id, prompts);
  }

  /** Stops every party, waits for the workers to finish (bounded), and ends their threads. */
  async close(): Promise<void> {
    await this.#session.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#ended,
      new Promise((r) => (timer = setTimeout(r, EXIT_GRACE_MS))),
    ]);
    clearTimeout(timer);
    for (const w of this.#workers) w.terminate();
  }
}

/** Options of {@link startSession}: a {@link LocalSession}'s, plus where the parties run. */
export interface InProcessSessionOptions<Spec, Inputs> extends LocalSessionOptions<Spec, Inputs> {
  /** `thread` (every party on this thread) or `workers` (default: `thread`). */
  partiesIn?: PartiesIn;
  /** How each worker builds its side of the job (required for `workers`). */
  workerSetup?: WorkerSetupRef;
  /**
   * Workers only: each step's preprocessing (the dealer's material and the computing parties'
   * offline pass) before its online phase.
   */
  offlineAhead?: boolean;
}

/**
 * Starts a session with every party in this process: on this thread ({@link LocalSession}) or
 * one Worker per party ({@link WorkerSession}; `plain` has no parties and always runs here).
 */
export async function startSession<Spec, Inputs>(
  opts: InProcessSessionOptions<Spec, Inputs>,
): Promise<SecureSession<Spec, Inputs>> {
  if (opts.offlineAhead && opts.partiesIn !== "workers" && opts.kind !== "plain") {
    throw new Error(
      "offline ahead needs the parties in workers (or deployed): partiesIn is thread",
    );
  }
  if (opts.partiesIn !== "workers" || opts.kind === "plain") return await LocalSession.start(opts);
  if (opts.workerSetup === undefined) {
    throw new Error(
      "parties in workers need a workerSetup (the module each worker loads its job from)",
    );
  }
  if (opts.profile !== undefined) {
    throw new Error("a network profile is only simulated with the parties in one thread");
  }
  return await WorkerSession.start<Spec, Inputs>({
    ...opts,
    announce: opts.announce,
    workerSetup: opts.workerSetup,
  });
}
