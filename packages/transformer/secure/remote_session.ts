/**
 * The secure session with every party in its own process or host, over authenticated TCP. The
 * data owner's {@link RemoteSession} has the API of `LocalSession`; every other party (computing
 * parties, the 2PC dealer, the model owner) runs {@link serveParty}: the same control loop as in
 * one process, so the same job sends the same messages and gives the same result.
 *
 * Session setup, after the TCP handshakes: pairwise PRG seeds are derived fresh from the pair keys
 * (or, in tests, from an insecure label); the data owner announces the session (backend kind,
 * fixed-point settings and an opaque description of the nonlinear protocols that each party turns
 * into its `ModelOps`); the model owner sends the public model description (config and timing
 * constants) and shares its weights. After the weight sharing and after every command each party
 * sends the data owner what it recorded since its last report (its ledger and reveal-ledger
 * deltas) **out of band** (not recorded, no Lamport depth), so the data owner's `ledger` and
 * `reveals` are the global ones, exactly as with all parties in one process.
 *
 * Failures: every link of every party is watched. When any link breaks (peer killed, host gone,
 * silent beyond the timeout with keepalive on, tampered frame), the party stops at once with an
 * error naming the lost peer and the op it was in, e.g. `party 0: lost connection to party 1
 * during recv at evaluate/layer0/ffn1/matmul-fixed/open`, and drops its own links without close
 * notices, so the failure reaches everyone within a round trip.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import {
  type BackendKind,
  deriveSeeds,
  localTopology,
  makeBackend,
  pairwiseSeeds,
  RevealLog,
  type RevealLogJSON,
  type Roles,
  type SecretBackend,
  type TruncMode,
} from "@secp/sharing";
import {
  type Channel,
  connectTcp,
  Ledger,
  type LedgerEntry,
  type LedgerSink,
  type LinkFailure,
  parseConfig,
  type PartyId,
  type SendMeta,
  type TcpChannel,
  type TcpConfig,
  TransportError,
} from "@secp/transport";
import type { UseLiteWeights } from "../weights/use_lite.ts";
import { type UseLiteConfig, validateUseLiteConfig } from "../weights/use_lite_config.ts";
import {
  type Command,
  CONTROL,
  DataOwnerSteps,
  encodeCommand,
  partyLoop,
  type PartyModel,
} from "./control.ts";
import { type SecureUseLite, shareUseLite } from "./model.ts";
import type { ModelOps } from "./ops.ts";
import type { SecureSession } from "./session.ts";
import type { BatchInputs, BatchSpec } from "./steps.ts";

/** A validated deployment: the TCP config plus the backend kind and who plays which role. */
export interface Deployment {
  /** Addresses, pair keys, timeouts. */
  tcp: TcpConfig;
  /** `2pc` or `3pc`. */
  kind: Exclude<BackendKind, "plain">;
  /** Party id of each role. */
  roles: Roles;
}

function deployError(msg: string): never {
  throw new TransportError(`deployment config: ${msg}`, { kind: "config" });
}

/**
 * Validates a deployment config (JSON text or parsed object): a transport config (see
 * `parseConfig`) with `"kind": "2pc" | "3pc"` and optional `"roles"` (default: dealer 2, data
 * owner 3, model owner 4 for 2pc; data owner 3, model owner 4 for 3pc). Every party must play a
 * role. Errors are `TransportError`s of kind `config` naming the field.
 */
export function parseDeployment(json: string | unknown): Deployment {
  let raw: any = json;
  if (typeof json === "string") {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      deployError(`not valid JSON (${e instanceof Error ? e.message : e})`);
    }
  }
  const tcp = parseConfig(raw);
  const kind = raw.kind;
  if (kind !== "2pc" && kind !== "3pc") {
    deployError(`kind must be "2pc" or "3pc", got ${JSON.stringify(kind)}`);
  }
  const roles: Roles = { ...localTopology(kind).roles, ...(raw.roles ?? {}) };
  if (kind === "3pc") delete roles.dealer;
  const ids = new Set(tcp.parties.map((p) => p.id));
  const need = new Map<PartyId, string>();
  const computing = kind === "2pc" ? [0, 1] : [0, 1, 2];
  for (const c of computing) need.set(c, "computing party");
  for (const [role, id] of Object.entries(roles)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      deployError(`roles.${role} must be a party id, got ${JSON.stringify(id)}`);
    }
    need.set(id, need.has(id) ? `${need.get(id)}, ${roleName(role)}` : roleName(role));
  }
  if (kind === "2pc" && (roles.dealer === undefined || roles.dealer < 2)) {
    deployError(`roles.dealer must be a party other than 0 and 1 in 2pc`);
  }
  for (const [id, what] of need) {
    if (!ids.has(id)) deployError(`party ${id} (${what}) is not in parties`);
  }
  for (const id of ids) if (!need.has(id)) deployError(`party ${id} plays no role`);
  return { tcp, kind, roles };
}

function roleName(role: string): string {
  return role === "dataOwner" ? "data owner" : role === "modelOwner" ? "model owner" : role;
}

/** What party `id` is in `d`, e.g. `computing party` or `dealer` or `computing party, model owner`. */
export function describeRole(d: Deployment, id: PartyId): string {
  const out: string[] = [];
  if (id < (d.kind === "2pc" ? 2 : 3)) out.push("computing party");
  for (const [role, p] of Object.entries(d.roles)) if (p === id) out.push(roleName(role));
  return out.join(", ") || "no role";
}

/** What the data owner announces to every party when a session starts. */
export interface SessionAnnouncement {
  /** Format version (1). */
  version: 1;
  /** Backend. */
  kind: Exclude<BackendKind, "plain">;
  /** Fractional bits. */
  fracBits: number;
  /** Truncation of the 2PC or 3PC backend. */
  trunc: TruncMode;
  /** Opaque description of the nonlinear protocols (each party builds its `ModelOps` from it). */
  ops: unknown;
  /** Whether the session uses insecure test seeds (both sides must agree). */
  insecure: boolean;
}

const SETUP_SESSION: SendMeta = { path: "setup/session", phase: "online", oob: true };
const SETUP_MODEL: SendMeta = { path: "setup/model", phase: "online", oob: true };
const REPORT: SendMeta = { path: "control/report", phase: "online", oob: true };

const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const unjson = (b: Uint8Array, what: string): any => {
  try {
    return JSON.parse(new TextDecoder().decode(b));
  } catch {
    throw new Error(`malformed ${what} (not JSON)`);
  }
};

function decodeModel(b: Uint8Array): PartyModel {
  const m = unjson(b, "model description");
  const config = m?.config as UseLiteConfig;
  try {
    validateUseLiteConfig(config);
  } catch (e) {
    throw new Error(`bad model description from the model owner: ${(e as Error).message}`);
  }
  const inv = m.invTimescales;
  if (!Array.isArray(inv) || !inv.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new Error("bad model description from the model owner: invTimescales");
  }
  return { config, invTimescales: Float64Array.from(inv) };
}

/**
 * A party's channel with a watchdog: the first failure of any link (other than an orderly close)
 * fails the session, and every pending or later operation rejects with that one error, which
 * names the lost peer and the operation this party was in.
 */
class SessionChannel implements Channel {
  readonly self: PartyId;
  readonly parties: readonly PartyId[];
  readonly ledger: LedgerSink;
  readonly inner: TcpChannel;
  #fatal: Error | undefined;
  #abort: Promise<never>;
  #rejectAbort!: (e: Error) => void;
  #op = "setup";
  #path = "setup";
  #armed = true;
  #unsubscribe: () => void;

  constructor(inner: TcpChannel) {
    this.inner = inner;
    this.self = inner.self;
    this.parties = inner.parties;
    this.ledger = inner.ledger;
    this.#abort = new Promise<never>((_, reject) => (this.#rejectAbort = reject));
    this.#abort.catch(() => {});
    this.#unsubscribe = inner.onLinkFailure((peer, f) => this.#onFailure(peer, f));
  }

  /** The error that ended the session, if any. */
  get failure(): Error | undefined {
    return this.#fatal;
  }

  /** Orderly shutdown from here on: peers closing their links is expected. */
  disarm(): void {
    this.#armed = false;
  }

  #onFailure(peer: PartyId, f: LinkFailure): void {
    if (!this.#armed || f.kind === "closed") return;
    this.fail(
      new TransportError(`${f.reason} during ${this.#op} at ${this.#path}`, {
        kind: f.kind,
        party: this.self,
        peer,
        path: this.#path,
        cause: f.cause,
      }),
    );
  }

  /** Fail the session with `e` (the first failure wins). */
  fail(e: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = e;
    this.#rejectAbort(e);
  }

  send(to: PartyId, payload: Uint8Array, meta: SendMeta): void {
    if (this.#fatal) throw this.#fatal;
    this.#op = "send";
    this.#path = meta.path;
    this.inner.send(to, payload, meta);
  }

  async recv(from: PartyId, meta: SendMeta): Promise<Uint8Array> {
    if (this.#fatal) throw this.#fatal;
    this.#op = "recv";
    this.#path = meta.path;
    try {
      return await Promise.race([this.inner.recv(from, meta), this.#abort]);
    } catch (e) {
      throw this.#fatal ?? e;
    }
  }

  async flush(): Promise<void> {
    if (this.#fatal) throw this.#fatal;
    try {
      await Promise.race([this.inner.flush(), this.#abort]);
    } catch (e) {
      throw this.#fatal ?? e;
    }
  }

  /** Orderly close (after the session ended). */
  async close(): Promise<void> {
    this.#armed = false;
    this.#unsubscribe();
    await this.inner.close();
  }

  /** Drop every link without close notices, telling every peer why (after a failure). */
  async abort(why?: unknown): Promise<void> {
    this.#armed = false;
    this.#unsubscribe();
    let reason: string | undefined;
    if (why !== undefined) {
      reason = (why instanceof Error ? why.message : String(why)).replace(/\s*\n\s*/g, " ");
      const prefix = `party ${this.self}: `;
      if (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
    }
    await this.inner.abort(reason);
  }
}

/** One party's ledger and reveal-log delta since its previous report. */
interface Report {
  ledger: { entries: LedgerEntry[]; maxDepth: { online: number; offline: number } };
  reveals: RevealLogJSON;
}

/** Reports what a party recorded since its last report. */
class Reporter {
  #lastLedger: Ledger;
  #lastReveals: RevealLog;
  constructor(readonly ledger: Ledger, readonly reveals: RevealLog) {
    this.#lastLedger = ledger.snapshot();
    this.#lastReveals = reveals.snapshot();
  }
  delta(): Report {
    const l = this.ledger.snapshot(), r = this.reveals.snapshot();
    const d = Ledger.diff(this.#lastLedger, l);
    const report: Report = {
      ledger: {
        entries: d.entries(),
        maxDepth: { online: l.maxDepth("online"), offline: l.maxDepth("offline") },
      },
      reveals: r.since(this.#lastReveals).toJSON(),
    };
    this.#lastLedger = l;
    this.#lastReveals = r;
    return report;
  }
}

/** Adds a party's report to the session's global ledger and reveal log. */
function absorb(ledger: Ledger, reveals: RevealLog, b: Uint8Array, from: PartyId): void {
  const r = unjson(b, `report from party ${from}`) as Report;
  if (!Array.isArray(r?.ledger?.entries)) throw new Error(`malformed report from party ${from}`);
  ledger.merge(
    Ledger.fromJSON({
      version: 1,
      base: { online: 0, offline: 0 },
      maxDepth: r.ledger.maxDepth,
      summary: undefined as never,
      entries: r.ledger.entries,
    }),
  );
  reveals.merge(RevealLog.fromJSON(r.reveals));
}

/** Options of {@link RemoteSession.connect}. */
export interface RemoteSessionOptions {
  /** The deployment config (JSON text or parsed object; see {@link parseDeployment}). */
  config: string | unknown;
  /** The data owner's nonlinear protocols. */
  ops: ModelOps;
  /** Description of `ops` the other parties build theirs from (JSON-serialisable). */
  opsSpec: unknown;
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Truncation of the 2PC or 3PC backend (default exact). */
  trunc?: TruncMode;
  /** Deterministic seeds: tests only (insecure); every party must be started with the same. */
  insecureSeed?: string;
  /** The model owner's weights, when the data owner is also the model owner. */
  weights?: UseLiteWeights;
  /** An already-open listener for the data owner's port. */
  listener?: Deno.TcpListener;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** The data owner's handle on a session whose other parties run in their own processes. */
export class RemoteSession implements SecureSession {
  /** Every message of the session: the data owner's own and those the parties reported. */
  readonly ledger: Ledger;
  /** Every opening any party performed (the parties' reports merged). */
  readonly reveals: RevealLog;
  /** The data owner's backend. */
  readonly backend: SecretBackend;
  /** The validated deployment. */
  readonly deployment: Deployment;
  readonly #ch: SessionChannel;
  readonly #steps: DataOwnerSteps;
  #closed = false;

  private constructor(
    deployment: Deployment,
    ledger: Ledger,
    reveals: RevealLog,
    backend: SecretBackend,
    ch: SessionChannel,
    model: SecureUseLite,
    ops: ModelOps,
  ) {
    this.deployment = deployment;
    this.ledger = ledger;
    this.reveals = reveals;
    this.backend = backend;
    this.#ch = ch;
    this.#steps = new DataOwnerSteps(backend, model, ops, (cmd) => this.#broadcast(cmd));
  }

  /**
   * Connects to every party of the deployment (they must be running `serveParty`, e.g. `deno task
   * party`), announces the session, lets the model owner share the weights, and returns once every
   * party reported them shared.
   */
  static async connect(opts: RemoteSessionOptions): Promise<RemoteSession> {
    const dep = parseDeployment(opts.config);
    const self = dep.roles.dataOwner;
    const log = opts.log ?? (() => {});
    const ledger = new Ledger();
    const reveals = new RevealLog();
    const me = dep.tcp.parties.find((p) => p.id === self)!;
    log(`data owner (party ${self}): connecting to the parties of a ${dep.kind} deployment`);
    const tcp = await connectTcp(dep.tcp, self, { ledger, listener: opts.listener });
    const ch = new SessionChannel(tcp);
    try {
      const others = tcp.parties.filter((p) => p !== self);
      log(
        `data owner: connected to parties ${
          others.join(", ")
        } (listening on ${me.host}:${me.port})`,
      );
      const seeds = opts.insecureSeed === undefined
        ? await deriveSeeds(ch, dep.tcp.keys)
        : pairwiseSeeds(tcp.parties, opts.insecureSeed).get(self)!;
      const announcement: SessionAnnouncement = {
        version: 1,
        kind: dep.kind,
        fracBits: opts.fracBits ?? 16,
        trunc: opts.trunc ?? "exact",
        ops: opts.opsSpec,
        insecure: opts.insecureSeed !== undefined,
      };
      for (const p of others) ch.send(p, json(announcement), SETUP_SESSION);
      await ch.flush();
      const mo = dep.roles.modelOwner;
      let model: PartyModel;
      if (mo === self) {
        if (!opts.weights) throw new Error("the data owner is the model owner: pass weights");
        const w = opts.weights;
        model = { config: w.config, invTimescales: w.invTimescales, weights: w };
        for (const p of others) ch.send(p, json(modelJSON(model)), SETUP_MODEL);
      } else model = decodeModel(await ch.recv(mo, SETUP_MODEL));
      const be = makeBackend(dep.kind, ch, dep.roles, seeds, {
        fracBits: announcement.fracBits,
        trunc: announcement.trunc,
        insecureSeed: opts.insecureSeed,
        reveals,
      });
      const shared = await shareUseLite(
        be,
        model.config,
        model.invTimescales,
        mo === self ? model.weights : undefined,
      );
      const session = new RemoteSession(dep, ledger, reveals, be, ch, shared, opts.ops);
      await session.#collect();
      log(`data owner: weights shared by party ${mo}; session ready`);
      return session;
    } catch (e) {
      const err = ch.failure ?? e;
      await ch.abort(err);
      throw err;
    }
  }

  /** Receives every other party's report of the step just done. */
  async #collect(): Promise<void> {
    for (const p of this.#ch.parties) {
      if (p === this.#ch.self) continue;
      absorb(this.ledger, this.reveals, await this.#ch.recv(p, REPORT), p);
    }
  }

  #broadcast(cmd: Command): void {
    const bytes = encodeCommand(cmd);
    for (const p of this.#ch.parties) if (p !== this.#ch.self) this.#ch.send(p, bytes, CONTROL);
  }

  /** Runs one step; after a failure every call rejects with the session's error. */
  async #step<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error("the session is closed");
    try {
      const out = await fn();
      await this.#collect();
      return out;
    } catch (e) {
      throw this.#ch.failure ?? e;
    }
  }

  /** Announces and prepares a batch (text and label token ids are the data owner's). */
  prepare(spec: BatchSpec, inputs: BatchInputs): Promise<number> {
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

function modelJSON(m: PartyModel) {
  return { config: m.config, invTimescales: Array.from(m.invTimescales) };
}

/** What a party's `setup` returns: its protocols and, for the model owner, the weights. */
export interface PartySetup {
  /** The nonlinear protocols matching the data owner's announcement. */
  ops: ModelOps;
  /** The model owner's weights (ignored on other parties). */
  weights?: UseLiteWeights;
}

/** Options of {@link serveParty}. */
export interface ServePartyOptions {
  /** The deployment config (JSON text or parsed object; see {@link parseDeployment}). */
  config: string | unknown;
  /** This party's id (not the data owner's). */
  self: PartyId;
  /**
   * Builds this party's protocols from the data owner's announced description (and, on the model
   * owner, loads the weights).
   */
  setup(ops: unknown, role: { modelOwner: boolean }): Promise<PartySetup> | PartySetup;
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

/**
 * Runs one non-data-owner party of a deployment for one session: connect to every party, wait for
 * the data owner's announcement, share the weights (model owner) and execute the data owner's
 * commands until it stops the session. Rejects with an error naming the party, the lost peer and
 * the op when anything fails; the links are then dropped so every other party fails too.
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
  const dataOwner = dep.roles.dataOwner;
  if (self === dataOwner) {
    throw new TransportError(
      "this id is the data owner's: the data owner runs `deno task tune --parties CONFIG`",
      { kind: "usage", party: self },
    );
  }
  const ledger = new Ledger();
  const reveals = new RevealLog();
  log(
    `party ${self} (${
      describeRole(dep, self)
    }): ${dep.kind}, waiting for peers on ${me.host}:${me.port}`,
  );
  const tcp = await connectTcp(dep.tcp, self, { ledger, listener: opts.listener });
  const ch = new SessionChannel(tcp);
  try {
    log(`party ${self}: connected to parties ${tcp.parties.filter((p) => p !== self).join(", ")}`);
    const seeds = opts.insecureSeed === undefined
      ? await deriveSeeds(ch, dep.tcp.keys)
      : pairwiseSeeds(tcp.parties, opts.insecureSeed).get(self)!;
    const a = unjson(await ch.recv(dataOwner, SETUP_SESSION), "session announcement");
    if (a?.version !== 1) throw new Error("unsupported session announcement from the data owner");
    if (a.kind !== dep.kind) {
      throw new Error(
        `the data owner runs a ${a.kind} session, this party's config says ${dep.kind}`,
      );
    }
    if (a.insecure !== (opts.insecureSeed !== undefined)) {
      throw new Error(
        a.insecure
          ? "the data owner uses insecure test seeds and this party does not"
          : "this party uses insecure test seeds and the data owner does not",
      );
    }
    const isMo = dep.roles.modelOwner === self;
    const { ops, weights } = await opts.setup(a.ops, { modelOwner: isMo });
    let model: PartyModel;
    if (isMo) {
      if (!weights) throw new Error("the model owner's setup returned no weights");
      model = { config: weights.config, invTimescales: weights.invTimescales, weights };
      for (const p of tcp.parties) if (p !== self) ch.send(p, json(modelJSON(model)), SETUP_MODEL);
      await ch.flush();
    } else model = decodeModel(await ch.recv(dep.roles.modelOwner, SETUP_MODEL));
    const be = makeBackend(dep.kind, ch, dep.roles, seeds, {
      fracBits: a.fracBits,
      trunc: a.trunc,
      insecureSeed: opts.insecureSeed,
      reveals,
    });
    const reporter = new Reporter(ledger, reveals);
    const report = async () => {
      ch.send(dataOwner, json(reporter.delta()), REPORT);
      await ch.flush();
    };
    const t0 = performance.now();
    const commands = await partyLoop(be, ch, dataOwner, model, ops, {
      afterShare: async () => {
        await report();
        log(`party ${self}: weights shared (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      },
      afterCommand: report,
      onStop: () => ch.disarm(),
    });
    await ch.close();
    log(
      `party ${self}: session done: ${commands} commands, ${
        (ledger.bytesSent(self) / 1e6).toFixed(1)
      } MB sent`,
    );
    return { commands, ledger, reveals };
  } catch (e) {
    const err = ch.failure ?? e;
    await ch.abort(err);
    if (err instanceof Error && !err.message.startsWith(`party ${self}:`)) {
      err.message = `party ${self}: ${err.message}`;
    }
    throw err;
  }
}
