/**
 * The session with every party in its own process or host, over authenticated TCP. The data
 * owner's {@link RemoteSession} has the API of `LocalSession`; every other party (computing
 * parties, the 2PC dealer, the model owner) runs {@link serveParty}: the same job setup and the
 * same control loop as in one process, so the same job sends the same messages and gives the same
 * result.
 *
 * Session setup, after the TCP handshakes: pairwise PRG seeds are derived fresh from the pair keys
 * (or, in tests, from an insecure label); the data owner announces the session (backend kind,
 * fixed-point settings and the job's description, from which each party builds its side of the
 * job); the model owner sends its public model description (shapes and public constants) and
 * shares its weights. After the weight sharing and after every command each party reports what it
 * recorded (report.ts), so the data owner's `ledger` and `reveals` are the global ones.
 *
 * Failures: every link of every party is watched (channel.ts). When any link breaks (peer killed,
 * host gone, silent beyond the timeout with keepalive on, tampered frame), the party stops at once
 * with an error naming the lost peer and the op it was in, e.g. `party 0: lost connection to party
 * 1 during recv at evaluate/layer0/ffn1/matmul-fixed/open`, and drops its own links without close
 * notices, so the failure reaches everyone within a round trip.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import { Ledger, type PartyId, type SendMeta, TransportError } from "@secp/transport";
import type { BackendKind, SecretBackend, TruncMode } from "../backend.ts";
import type { Roles } from "../networked.ts";
import { backendInfo } from "../registry.ts";
import { RevealLog } from "../reveal_log.ts";
import { SessionChannel } from "./channel.ts";
import { type Command, CONTROL, DataOwnerSteps, encodeCommand, partyLoop } from "./control.ts";
import { type Deployment, describeRole, parseDeployment } from "./deployment.ts";
import type { Job, JobSetup, SharedModel } from "./job.ts";
import { absorb, Reporter } from "./report.ts";
import type { SecureSession } from "./session.ts";
import type { BackendOptions } from "./start.ts";
import { type ConnectedParty, linkParty } from "./tcp.ts";

/** What the data owner announces to every party when a session starts. */
export interface SessionAnnouncement {
  /** Format version (2: jobs). */
  version: 2;
  /** Backend. */
  kind: BackendKind;
  /** Fractional bits. */
  fracBits: number;
  /** Truncation of the 2PC or 3PC backend. */
  trunc: TruncMode;
  /** The data owner's description of the job (each party builds its side of the job from it). */
  job: unknown;
  /** Whether the session uses insecure test seeds (both sides must agree). */
  insecure: boolean;
  /**
   * Offline ahead of online: before each step every party other than the data owner does its
   * offline pass (`SecretBackend.preprocess`; helpers produce their material) and says so, and
   * the data owner starts the step only then.
   */
  offlineAhead?: boolean;
}

const SETUP_SESSION: SendMeta = { path: "setup/session", phase: "online", oob: true };
const SETUP_MODEL: SendMeta = { path: "setup/model", phase: "online", oob: true };
const REPORT: SendMeta = { path: "control/report", phase: "online", oob: true };
/** A party's "my offline pass of this step is done" (offline ahead only). */
const READY: SendMeta = { path: "control/ready", phase: "online", oob: true };

const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x ?? null));
const unjson = (b: Uint8Array, what: string): any => {
  try {
    return JSON.parse(new TextDecoder().decode(b));
  } catch {
    throw new Error(`malformed ${what} (not JSON)`);
  }
};

/**
 * The public model description: the model owner publishes its own (and sends it to every other
 * party); every other party receives it.
 */
async function exchangeModel(
  ch: SessionChannel,
  modelOwner: PartyId,
  publicModel: unknown,
): Promise<unknown> {
  if (modelOwner !== ch.self) return unjson(await ch.recv(modelOwner, SETUP_MODEL), "model");
  if (publicModel === undefined) throw new Error("the model owner's job has no public model");
  for (const p of ch.parties) if (p !== ch.self) ch.send(p, json(publicModel), SETUP_MODEL);
  await ch.flush();
  return publicModel;
}

/** Links party `self` to every peer of `dep` through a watched channel (see channel.ts). */
async function linkWatched(
  dep: Deployment,
  self: PartyId,
  ledger: Ledger,
  opts: { listener?: Deno.TcpListener; insecureSeed?: string },
): Promise<{ linked: ConnectedParty; sc: SessionChannel }> {
  let sc: SessionChannel | undefined;
  const linked = await linkParty(dep.tcp, self, {
    ledger,
    listener: opts.listener,
    insecureSeed: opts.insecureSeed,
    wrap: (tcp) => (sc = new SessionChannel(tcp)),
  });
  return { linked, sc: sc! };
}

/**
 * A party linked to every peer (over TCP, or over ports between threads), before its session:
 * its watched channel and how to build its backend on it.
 */
export interface SessionLink {
  /** This party's channel, watched. */
  readonly sc: SessionChannel;
  /** The backend kind and the role mapping of the session. */
  readonly kind: BackendKind;
  /** Role mapping. */
  readonly roles: Roles;
  /** Builds this party's backend of the session on `sc` (with its pairwise seeds). */
  backend(opts: BackendOptions): SecretBackend;
}

/** The data owner's side of a session on an established link (see {@link RemoteSession.over}). */
export interface LinkedSessionOptions<Spec, Inputs> {
  /** The data owner's side of the job. */
  setup: JobSetup<Spec, Inputs>;
  /** The job's description every party builds its side from (JSON-serialisable). */
  announce: unknown;
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Truncation of the 2PC or 3PC backend (default exact). */
  trunc?: TruncMode;
  /** Deterministic seeds: tests only (insecure); every party must be started with the same. */
  insecureSeed?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /**
   * Offline ahead of online: on each step the data owner waits until the helper parties (the 2PC
   * dealer) have produced all their correlated randomness for it and the computing parties have
   * done their offline pass (`SecretBackend.preprocess`: masks drawn, corrections taken, products
   * with opened constants computed), then starts its own part, so the online phase does only
   * online work. {@link RemoteSession.lastStep} times both phases. Same messages, ledger and
   * results; it trades total time (and the memory of one step's material) for online time.
   */
  offlineAhead?: boolean;
}

/** Wall-clock phases of the last step of a session with `offlineAhead` (ms). */
export interface StepTiming {
  /** From the announcement until every helper party reported its part done. */
  preprocessMs: number;
  /** From then until every party reported the step done (the online phase). */
  onlineMs: number;
}

/** Options of {@link RemoteSession.connect}. */
export interface RemoteSessionOptions<Spec, Inputs> extends LinkedSessionOptions<Spec, Inputs> {
  /** The deployment config (JSON text or parsed object; see {@link parseDeployment}). */
  config: string | unknown;
  /** An already-open listener for the data owner's port. */
  listener?: Deno.TcpListener;
}

/**
 * The data owner's handle on a session whose other parties run elsewhere: in their own processes
 * or hosts ({@link RemoteSession.connect}), or in worker threads of this process (workers.ts).
 */
export class RemoteSession<Spec = unknown, Inputs = unknown>
  implements SecureSession<Spec, Inputs> {
  /** The backend kind. */
  readonly kind: BackendKind;
  /** Every message of the session: the data owner's own and those the parties reported. */
  readonly ledger: Ledger;
  /** Every opening any party performed (the parties' reports merged). */
  readonly reveals: RevealLog;
  /** The data owner's backend. */
  readonly backend: SecretBackend;
  /** The validated deployment (sessions over TCP only). */
  readonly deployment?: Deployment;
  /** The model owner's public description of the model. */
  readonly publicModel: unknown;
  readonly #ch: SessionChannel;
  readonly #steps: DataOwnerSteps<Spec, Inputs, unknown>;
  /** Parties whose step report is awaited before the data owner's own part (offline ahead). */
  readonly #ahead: readonly PartyId[];
  /** Parties whose offline pass is awaited before the data owner's own part (offline ahead). */
  readonly #ready: readonly PartyId[];
  #reported = new Set<PartyId>();
  #stepStart = 0;
  #onlineStart = 0;
  #closed = false;
  /** Phases of the last step (sessions with `offlineAhead` only). */
  lastStep: StepTiming | undefined;

  private constructor(
    link: SessionLink,
    ledger: Ledger,
    reveals: RevealLog,
    backend: SecretBackend,
    publicModel: unknown,
    model: SharedModel<Spec, Inputs, unknown>,
    offlineAhead: boolean,
    deployment?: Deployment,
  ) {
    this.kind = link.kind;
    this.deployment = deployment;
    this.publicModel = publicModel;
    this.ledger = ledger;
    this.reveals = reveals;
    this.backend = backend;
    this.#ch = link.sc;
    const helpers = helperParties(link.kind, link.roles);
    this.#ahead = offlineAhead ? helpers : [];
    this.#ready = offlineAhead
      ? link.sc.parties.filter((p) => p !== link.sc.self && !helpers.includes(p))
      : [];
    this.#steps = new DataOwnerSteps(
      model,
      (cmd) => this.#broadcast(cmd),
      () => this.#awaitHelpers(),
    );
  }

  /**
   * Connects to every party of the deployment (they must be running `serveParty`, e.g. `deno task
   * party`), announces the session, lets the model owner share the weights, and returns once every
   * party reported them shared.
   */
  static async connect<Spec, Inputs>(
    opts: RemoteSessionOptions<Spec, Inputs>,
  ): Promise<RemoteSession<Spec, Inputs>> {
    const dep = parseDeployment(opts.config);
    const self = dep.roles.dataOwner;
    const log = opts.log ?? (() => {});
    const ledger = new Ledger();
    const me = dep.tcp.parties.find((p) => p.id === self)!;
    log(`data owner (party ${self}): connecting to the parties of a ${dep.kind} deployment`);
    const { linked, sc } = await linkWatched(dep, self, ledger, opts);
    log(
      `data owner: connected to parties ${
        sc.parties.filter((p) => p !== self).join(", ")
      } (listening on ${me.host}:${me.port})`,
    );
    const link: SessionLink = {
      sc,
      kind: dep.kind,
      roles: dep.roles,
      backend: (o) => linked.backend(dep.kind, dep.roles, o),
    };
    return await RemoteSession.over(link, ledger, opts, dep);
  }

  /**
   * The data owner's side on an established link: announces the session, lets the model owner
   * share the weights, and returns once every party reported them shared. `ledger` is the one the
   * data owner's channel records into. On failure the links are dropped.
   */
  static async over<Spec, Inputs>(
    link: SessionLink,
    ledger: Ledger,
    opts: LinkedSessionOptions<Spec, Inputs>,
    deployment?: Deployment,
  ): Promise<RemoteSession<Spec, Inputs>> {
    const { sc, roles } = link;
    const self = roles.dataOwner;
    const log = opts.log ?? (() => {});
    const reveals = new RevealLog();
    try {
      const announcement: SessionAnnouncement = {
        version: 2,
        kind: link.kind,
        fracBits: opts.fracBits ?? 16,
        trunc: opts.trunc ?? "exact",
        job: opts.announce,
        insecure: opts.insecureSeed !== undefined,
        offlineAhead: opts.offlineAhead ?? false,
      };
      for (const p of sc.parties) if (p !== self) sc.send(p, json(announcement), SETUP_SESSION);
      await sc.flush();
      const mo = roles.modelOwner;
      const side = await opts.setup(opts.announce, { modelOwner: mo === self, dataOwner: true });
      const publicModel = await exchangeModel(sc, mo, side.publicModel);
      const job: Job<Spec, Inputs> = await side.job(publicModel);
      const be = link.backend({
        fracBits: announcement.fracBits,
        trunc: announcement.trunc,
        reveals,
      });
      const model = await job.share(be);
      const session = new RemoteSession<Spec, Inputs>(
        link,
        ledger,
        reveals,
        be,
        publicModel,
        model,
        opts.offlineAhead ?? false,
        deployment,
      );
      await session.#collect();
      log(`data owner: weights shared by party ${mo}; session ready`);
      return session;
    } catch (e) {
      const err = sc.failure ?? e;
      await sc.abort(err);
      throw err;
    }
  }

  /** Receives the report of party `p` on the current step. */
  async #report(p: PartyId): Promise<void> {
    absorb(this.ledger, this.reveals, await this.#ch.recv(p, REPORT), p);
    this.#reported.add(p);
  }

  /**
   * Offline ahead: the helper parties' reports of this step and the other parties' end of their
   * offline pass, before the data owner's part.
   */
  async #awaitHelpers(): Promise<void> {
    for (const p of this.#ahead) await this.#report(p);
    for (const p of this.#ready) await this.#ch.recv(p, READY);
    this.#onlineStart = performance.now();
  }

  /** Receives every other party's report of the step just done. */
  async #collect(): Promise<void> {
    for (const p of this.#ch.parties) {
      if (p !== this.#ch.self && !this.#reported.has(p)) await this.#report(p);
    }
    this.#reported.clear();
  }

  #broadcast(cmd: Command): void {
    const bytes = encodeCommand(cmd);
    for (const p of this.#ch.parties) if (p !== this.#ch.self) this.#ch.send(p, bytes, CONTROL);
  }

  /** Runs one step; after a failure every call rejects with the session's error. */
  async #step<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error("the session is closed");
    try {
      this.#stepStart = performance.now();
      const out = await fn();
      await this.#collect();
      if (this.#ahead.length > 0) {
        this.lastStep = {
          preprocessMs: this.#onlineStart - this.#stepStart,
          onlineMs: performance.now() - this.#onlineStart,
        };
      }
      return out;
    } catch (e) {
      throw this.#ch.failure ?? e;
    }
  }

  /** Announces and prepares a batch (the inputs are the data owner's). */
  prepare(spec: Spec, inputs: Inputs): Promise<number> {
    return this.#step(() => this.#steps.prepare(spec, inputs));
  }

  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor> {
    return this.#step(() => this.#steps.evaluate(id, prompts));
  }

  /** The error that ended the session, if any. */
  get failure(): Error | undefined {
    return this.#ch.failure;
  }

  /** Fails the session with `e` (e.g. a party's thread died): pending and later steps reject. */
  fail(e: Error): void {
    this.#ch.fail(e);
  }

  /**
   * Stops every party (they exit cleanly) and closes the links. After a failure it only drops the
   * links: the parties fail too, as they should.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ch.failure !== undefined) {
      await this.#ch.abort(this.#ch.failure);
      return;
    }
    try {
      this.#broadcast({ op: "stop" });
      await this.#ch.flush();
    } catch (e) {
      await this.#ch.abort(this.#ch.failure ?? e);
      return;
    }
    this.#ch.disarm();
    await this.#ch.close();
  }
}

/** Options of {@link serveParty}. */
export interface ServePartyOptions {
  /** The deployment config (JSON text or parsed object; see {@link parseDeployment}). */
  config: string | unknown;
  /** This party's id (not the data owner's). */
  self: PartyId;
  /**
   * Builds this party's side of the job the data owner announced (on the model owner: loads the
   * weights).
   */
  setup: JobSetup;
  /** Deterministic seeds: tests only (insecure); the data owner must use the same. */
  insecureSeed?: string;
  /** An already-open listener for this party's port. */
  listener?: Deno.TcpListener;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What {@link serveParty} returns after the data owner stopped the session. */
export interface ServedSession {
  /** Commands executed. */
  commands: number;
  /** What this party sent. */
  ledger: Ledger;
  /** What this party opened. */
  reveals: RevealLog;
}

/** The ids of the backend's helper parties (the 2PC dealer). */
function helperParties(kind: BackendKind, roles: Roles): PartyId[] {
  return backendInfo(kind).helperRoles.map((r) => roles[r]).filter((p) => p !== undefined);
}

/** Checks the data owner's announcement against this party's session kind and seeds. */
function checkAnnouncement(a: any, kind: BackendKind, insecure: boolean): SessionAnnouncement {
  if (a?.version !== 2) throw new Error("unsupported session announcement from the data owner");
  if (a.kind !== kind) {
    throw new Error(
      `the data owner runs a ${a.kind} session, this party's config says ${kind}`,
    );
  }
  if (a.insecure !== insecure) {
    throw new Error(
      a.insecure
        ? "the data owner uses insecure test seeds and this party does not"
        : "this party uses insecure test seeds and the data owner does not",
    );
  }
  return a as SessionAnnouncement;
}

/**
 * Runs one non-data-owner party of a deployment for one session: connect to every party, wait for
 * the data owner's announcement, build this party's side of the job, share the weights (model
 * owner) and execute the data owner's commands until it stops the session. Rejects with an error
 * naming the party, the lost peer and the op when anything fails; the links are then dropped so
 * every other party fails too.
 */
export async function serveParty(opts: ServePartyOptions): Promise<ServedSession> {
  const dep = parseDeployment(opts.config);
  const self = opts.self;
  const log = opts.log ?? (() => {});
  const me = dep.tcp.parties.find((p) => p.id === self);
  if (me === undefined) {
    throw new TransportError(
      `unknown party id ${self} (the config has ${dep.tcp.parties.map((p) => p.id).join(", ")})`,
      { kind: "config", party: self },
    );
  }
  if (self === dep.roles.dataOwner) {
    throw new TransportError(
      "this id is the data owner's: the data owner runs `deno task tune --parties CONFIG`",
      { kind: "usage", party: self },
    );
  }
  const ledger = new Ledger();
  log(
    `party ${self} (${
      describeRole(dep, self)
    }): ${dep.kind}, waiting for peers on ${me.host}:${me.port}`,
  );
  const { linked, sc } = await linkWatched(dep, self, ledger, opts);
  log(`party ${self}: connected to parties ${sc.parties.filter((p) => p !== self).join(", ")}`);
  const link: SessionLink = {
    sc,
    kind: dep.kind,
    roles: dep.roles,
    backend: (o) => linked.backend(dep.kind, dep.roles, o),
  };
  return await serveLinked(link, ledger, opts);
}

/**
 * One non-data-owner party on an established link: wait for the data owner's announcement, build
 * this party's side of the job, share the weights (model owner), then execute the data owner's
 * commands until it stops the session, reporting the ledger and reveal-log deltas after each step.
 * `ledger` is the one this party's channel records into. On failure the links are dropped and the
 * error names this party.
 */
export async function serveLinked(
  link: SessionLink,
  ledger: Ledger,
  opts: Pick<ServePartyOptions, "setup" | "insecureSeed" | "log">,
): Promise<ServedSession> {
  const { sc, roles } = link;
  const self = sc.self, dataOwner = roles.dataOwner;
  const log = opts.log ?? (() => {});
  const reveals = new RevealLog();
  try {
    const a = checkAnnouncement(
      unjson(await sc.recv(dataOwner, SETUP_SESSION), "session announcement"),
      link.kind,
      opts.insecureSeed !== undefined,
    );
    const isMo = roles.modelOwner === self;
    const side = await sc.during(
      "job set-up",
      opts.setup(a.job, { modelOwner: isMo, dataOwner: false }),
    );
    const job = await side.job(await exchangeModel(sc, roles.modelOwner, side.publicModel));
    const be = link.backend({ fracBits: a.fracBits, trunc: a.trunc, reveals });
    const reporter = new Reporter(ledger, reveals);
    const report = async () => {
      sc.send(dataOwner, json(reporter.delta()), REPORT);
      await sc.flush();
    };
    const t0 = performance.now();
    const model = await job.share(be);
    await report();
    log(`party ${self}: weights shared (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const offlinePass = a.offlineAhead === true &&
      !helperParties(link.kind, roles).includes(self);
    const commands = await partyLoop(model, sc, dataOwner, {
      afterCommand: report,
      onStop: () => sc.disarm(),
      beforeStep: offlinePass
        ? async (step) => {
          await be.preprocess?.(step);
          sc.send(dataOwner, new Uint8Array(0), READY);
          await sc.flush();
        }
        : undefined,
    });
    await sc.close();
    log(
      `party ${self}: session done: ${commands} commands, ${
        (ledger.bytesSent(self) / 1e6).toFixed(1)
      } MB sent`,
    );
    return { commands, ledger, reveals };
  } catch (e) {
    const err = sc.failure ?? e;
    await sc.abort(err);
    if (err instanceof Error && !err.message.startsWith(`party ${self}:`)) {
      err.message = `party ${self}: ${err.message}`;
    }
    throw err;
  }
}
