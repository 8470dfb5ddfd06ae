/**
 * A long-lived secure session serving one job: the weights are shared once, then the data owner
 * drives any number of `prepare`/`evaluate` steps, and every other party runs the same SPMD step
 * on each command. {@link LocalSession} puts every party in this process; `RemoteSession`
 * (remote.ts) has the same API with the parties in their own processes or hosts.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import { Ledger, type NetworkProfile } from "@secp/transport";
import type { BackendKind, SecretBackend } from "../backend.ts";
import { RevealLog } from "../reveal_log.ts";
import { type Command, CONTROL, DataOwnerSteps, encodeCommand, partyLoop } from "./control.ts";
import type { JobSetup, SharedModel } from "./job.ts";
import { plainBackend } from "./local.ts";
import { allOrNothing, type BackendOptions, startLocalParties } from "./start.ts";

/**
 * The data owner's handle on a secure session, wherever the other parties run: in this process
 * ({@link LocalSession}) or in their own processes and hosts (`RemoteSession`).
 */
export interface SecureSession<Spec = unknown, Inputs = unknown> {
  /** The backend kind. */
  readonly kind: BackendKind;
  /** Every message of the session (all parties; framing excluded). */
  readonly ledger: Ledger;
  /** Every opening any party performed, with receiver and mask (the reveal ledger). */
  readonly reveals: RevealLog;
  /** The data owner's backend. */
  readonly backend: SecretBackend;
  /** The model owner's public description of the model, as every party received it. */
  readonly publicModel: unknown;
  /** Announces and prepares a batch (the inputs are the data owner's). */
  prepare(spec: Spec, inputs: Inputs): Promise<number>;
  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor>;
  /** Stops every party and closes the links. */
  close(): Promise<void>;
}

/** Options of {@link LocalSession.start}. */
export interface LocalSessionOptions<Spec, Inputs> extends BackendOptions {
  /** Backend. */
  kind: BackendKind;
  /** Each party's side of the job (called once per party of the topology). */
  setup: JobSetup<Spec, Inputs>;
  /** The data owner's description of the job, as it would announce it to deployed parties. */
  announce?: unknown;
  /** Receive timeout in ms (default `IN_PROCESS_TIMEOUT_MS`, 24 h: see start.ts). */
  timeoutMs?: number;
  /** Delay in-memory delivery per a network profile. */
  profile?: NetworkProfile;
}

/** The data owner's handle on a running session (all parties in this process). */
export class LocalSession<Spec = unknown, Inputs = unknown> implements SecureSession<Spec, Inputs> {
  readonly #steps: DataOwnerSteps<Spec, Inputs, unknown>;
  readonly #broadcastTo: ((bytes: Uint8Array) => void) | undefined;
  readonly #flush: () => Promise<void>;
  readonly #loops: Promise<unknown>;
  readonly #closeAll: () => Promise<void>;
  readonly #barrier: StepBarrier | undefined;

  private constructor(
    readonly kind: BackendKind,
    readonly ledger: Ledger,
    readonly reveals: RevealLog,
    readonly backend: SecretBackend,
    readonly publicModel: unknown,
    model: SharedModel<Spec, Inputs, unknown>,
    net?: {
      send: (bytes: Uint8Array) => void;
      flush: () => Promise<void>;
      loops: Promise<unknown>;
      closeAll: () => Promise<void>;
      steps: StepBarrier;
    },
  ) {
    this.#broadcastTo = net?.send;
    this.#flush = net?.flush ?? (() => Promise.resolve());
    this.#loops = net?.loops ?? Promise.resolve();
    this.#closeAll = net?.closeAll ?? (() => Promise.resolve());
    this.#barrier = net?.steps;
    this.#steps = new DataOwnerSteps(model, (cmd) => this.#broadcast(cmd));
  }

  /** Starts all parties, shares the weights, and returns the data owner's handle. */
  static async start<Spec, Inputs>(
    opts: LocalSessionOptions<Spec, Inputs>,
  ): Promise<LocalSession<Spec, Inputs>> {
    const ledger = new Ledger();
    const reveals = new RevealLog();
    if (opts.kind === "plain") {
      const be = plainBackend(opts);
      const party = await opts.setup(opts.announce, { modelOwner: true, dataOwner: true });
      const model = await (await party.job(party.publicModel)).share(be);
      return new LocalSession(opts.kind, ledger, reveals, be, party.publicModel, model);
    }
    const run = await startLocalParties(opts.kind, { ...opts, ledger, reveals });
    const { backends, channels, roles, closeAll } = run;
    const doIndex = backends.findIndex((be) => be.is("dataOwner"));
    try {
      const sides = await Promise.all(backends.map((be) =>
        opts.setup(opts.announce, {
          modelOwner: be.is("modelOwner"),
          dataOwner: be.is("dataOwner"),
        })
      ));
      const publicModel = sides[backends.findIndex((be) => be.is("modelOwner"))].publicModel;
      const jobs = await Promise.all(sides.map((s) => s.job(publicModel)));
      // Every party shares the weights, then every party but the data owner runs its loop until
      // `stop`. The session is ready once all have shared (as a deployed one is), so the weight
      // sharing is accounted before the first step.
      const steps = new StepBarrier(backends.length - 1);
      let doModel!: SharedModel<Spec, Inputs, unknown>;
      let pending = backends.length;
      let ready!: () => void;
      const shared = new Promise<void>((r) => (ready = r));
      const loops = allOrNothing(backends.length, async (i) => {
        const model = await jobs[i].share(backends[i]);
        if (--pending === 0) ready();
        if (i === doIndex) {
          doModel = model;
          return 0;
        }
        return await partyLoop(model as SharedModel, channels[i], roles.dataOwner, {
          afterCommand: () => steps.done(),
        });
      }, closeAll);
      await Promise.race([shared, loops]);
      loops.catch((e) => steps.fail(e));
      const me = channels[doIndex];
      const send = (bytes: Uint8Array) => {
        for (const p of me.parties) if (p !== me.self) me.send(p, bytes, CONTROL);
      };
      const session = new LocalSession(
        opts.kind,
        ledger,
        reveals,
        backends[doIndex],
        publicModel,
        doModel,
        {
          send,
          flush: () => me.flush(),
          loops,
          closeAll,
          steps,
        },
      );
      return session;
    } catch (e) {
      await closeAll();
      throw e;
    }
  }

  #broadcast(cmd: Command): void {
    this.#broadcastTo?.(encodeCommand(cmd));
  }

  /**
   * Runs one step and returns once every party has finished it (as a deployed session does), so
   * each step's traffic is in the ledger when it returns.
   */
  async #step<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const all = this.#barrier?.next();
      const out = await fn();
      if (all !== undefined) await all;
      return out;
    } catch (e) {
      throw await this.#rootCause(e);
    }
  }

  /**
   * The error that started a failure: when a party fails, every link is closed, so the data owner
   * sees only "channel closed"; the party's own error is the one to report.
   */
  async #rootCause(e: unknown): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const root = await Promise.race([
      this.#loops.then(() => e, (first) => first),
      new Promise((r) => (timer = setTimeout(() => r(e), 2000))),
    ]);
    clearTimeout(timer);
    return root;
  }

  /** Announces and prepares a batch (the inputs are the data owner's). */
  prepare(spec: Spec, inputs: Inputs): Promise<number> {
    return this.#step(() => this.#steps.prepare(spec, inputs));
  }

  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor> {
    return this.#step(() => this.#steps.evaluate(id, prompts));
  }

  /** Stops every party and closes the links. */
  async close(): Promise<void> {
    if (this.#broadcastTo === undefined) return;
    try {
      this.#broadcast({ op: "stop" });
      await this.#flush();
      await this.#loops;
    } catch (e) {
      throw await this.#rootCause(e);
    } finally {
      await this.#closeAll();
    }
  }
}

/**
 * Resolves each step once `parties` parties have reported it done (steps run one at a time);
 * rejects the step in progress, and every later one, when a party failed.
 */
class StepBarrier {
  #pending = 0;
  #resolve: (() => void) | undefined;
  #reject: ((e: unknown) => void) | undefined;
  #failure: { error: unknown } | undefined;
  constructor(readonly parties: number) {}

  /** The promise that the next step is done by every party. */
  next(): Promise<void> {
    this.#pending = this.parties;
    const step = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    step.catch(() => {}); // a step whose own part failed first never awaits it
    if (this.#failure !== undefined) this.#reject!(this.#failure.error);
    return step;
  }

  /** A party finished the current step. */
  done(): void {
    if (--this.#pending === 0) this.#resolve?.();
  }

  /** A party failed. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#reject?.(error);
  }
}
