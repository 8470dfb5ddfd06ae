/**
 * A long-lived secure evaluation session: the weights are shared once, then the data owner drives
 * any number of `prepare`/`evaluate` steps. Every other party runs a loop that waits for the data
 * owner's next command (public metadata only: shapes and lengths) and executes the same SPMD step.
 * This in-process version puts all parties in one process over in-memory links.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import {
  type BackendKind,
  localTopology,
  makeBackend,
  pairwiseSeeds,
  PlainBackend,
  RevealLog,
  type SecretBackend,
  type TruncMode,
} from "@secp/sharing";
import { type Channel, createMemoryNetwork, Ledger, type NetworkProfile } from "@secp/transport";
import type { UseLiteWeights } from "../weights/use_lite.ts";
import { type Command, CONTROL, DataOwnerSteps, encodeCommand, partyLoop } from "./control.ts";
import { type SecureUseLite, shareUseLite } from "./model.ts";
import type { ModelOps } from "./ops.ts";
import type { BatchInputs, BatchSpec } from "./steps.ts";

/**
 * The data owner's handle on a secure session, wherever the other parties run: in this process
 * ({@link LocalSession}) or in their own processes and hosts (`RemoteSession`).
 */
export interface SecureSession {
  /** Every message of the session (all parties; framing excluded). */
  readonly ledger: Ledger;
  /** Every opening any party performed, with receiver and mask (the reveal ledger). */
  readonly reveals: RevealLog;
  /** The data owner's backend. */
  readonly backend: SecretBackend;
  /** Announces and prepares a batch (text and label token ids are the data owner's). */
  prepare(spec: BatchSpec, inputs: BatchInputs): Promise<number>;
  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor>;
  /** Stops every party and closes the links. */
  close(): Promise<void>;
}

/** Options of {@link LocalSession.start}. */
export interface SessionOptions {
  /** Backend. */
  kind: BackendKind;
  /** Model weights (held by the model owner). */
  weights: UseLiteWeights;
  /** Nonlinear protocols. */
  ops: ModelOps;
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Truncation of the 2PC or 3PC backend (default exact). */
  trunc?: TruncMode;
  /** Deterministic seeds: tests only (insecure). */
  insecureSeed?: string;
  /**
   * Receive timeout in ms (default 10 minutes: in one process a silent peer is one still computing,
   * e.g. the data owner waiting for a whole forward pass).
   */
  timeoutMs?: number;
  /** Delay in-memory delivery per a network profile. */
  profile?: NetworkProfile;
}

/** The data owner's handle on a running session (all parties in this process). */
export class LocalSession implements SecureSession {
  /** Ledger of every message of the session. */
  readonly ledger: Ledger;
  /** Every opening any party performed (the reveal ledger). */
  readonly reveals: RevealLog;
  /** The data owner's backend. */
  readonly backend: SecretBackend;
  readonly #steps: DataOwnerSteps;
  readonly #channels: Channel[];
  readonly #loops: Promise<void>[];

  private constructor(
    ledger: Ledger,
    reveals: RevealLog,
    backend: SecretBackend,
    model: SecureUseLite,
    ops: ModelOps,
    channels: Channel[],
    loops: Promise<void>[],
  ) {
    this.ledger = ledger;
    this.reveals = reveals;
    this.backend = backend;
    this.#steps = new DataOwnerSteps(backend, model, ops, (cmd) => this.#broadcast(cmd));
    this.#channels = channels;
    this.#loops = loops;
  }

  /** Starts all parties, shares the weights, and returns the data owner's handle. */
  static async start(opts: SessionOptions): Promise<LocalSession> {
    const ledger = new Ledger();
    const reveals = new RevealLog();
    const { config, invTimescales } = opts.weights;
    if (opts.kind === "plain") {
      const be = new PlainBackend({ fracBits: opts.fracBits });
      const model = await shareUseLite(be, config, invTimescales, opts.weights);
      return new LocalSession(ledger, reveals, be, model, opts.ops, [], []);
    }
    const { parties, roles } = localTopology(opts.kind);
    const channels = createMemoryNetwork(parties, {
      ledger,
      timeoutMs: opts.timeoutMs ?? 600_000,
      profile: opts.profile,
    });
    const seeds = pairwiseSeeds(parties, opts.insecureSeed);
    const backends = channels.map((ch) =>
      makeBackend(opts.kind, ch, roles, seeds.get(ch.self)!, {
        fracBits: opts.fracBits,
        trunc: opts.trunc,
        insecureSeed: opts.insecureSeed,
        reveals,
      })
    );
    const doIndex = parties.indexOf(roles.dataOwner);
    const closeAll = () => Promise.allSettled(channels.map((c) => c.close()));
    const loops = backends.map((be, i) =>
      i === doIndex ? Promise.resolve() : partyLoop(be, channels[i], roles.dataOwner, {
        config,
        invTimescales,
        weights: be.is("modelOwner") ? opts.weights : undefined,
      }, opts.ops).then(() => {}, async (e) => {
        await closeAll();
        throw e;
      })
    );
    const doBe = backends[doIndex];
    const model = await shareUseLite(doBe, config, invTimescales, undefined);
    return new LocalSession(ledger, reveals, doBe, model, opts.ops, channels, loops);
  }

  #broadcast(cmd: Command): void {
    const bytes = encodeCommand(cmd);
    const me = this.backend.party;
    for (const ch of this.#channels) {
      if (ch.self === me) { for (const p of ch.parties) if (p !== me) ch.send(p, bytes, CONTROL); }
    }
  }

  /** Announces and prepares a batch (text and label token ids are the data owner's). */
  prepare(spec: BatchSpec, inputs: BatchInputs): Promise<number> {
    return this.#steps.prepare(spec, inputs);
  }

  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor> {
    return this.#steps.evaluate(id, prompts);
  }

  /** Stops every party and closes the links. */
  async close(): Promise<void> {
    if (this.#channels.length) {
      this.#broadcast({ op: "stop" });
      const me = this.#channels.find((c) => c.self === this.backend.party)!;
      await me.flush();
      await Promise.all(this.#loops);
      await Promise.allSettled(this.#channels.map((c) => c.close()));
    }
  }
}
