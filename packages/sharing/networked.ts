/**
 * Common machinery of the networked backends: the party's channel, pairwise PRG streams, role
 * mapping, and sending/receiving ring tensors tagged with the current op path and phase.
 *
 * @module
 */
import { type FloatTensor, type RingTensor, type Shape, sizeOf } from "@secp/field";
import type { Channel, LedgerSink, PartyId, Phase } from "@secp/transport";
import type { Role } from "./backend.ts";
import { RingOps } from "./base.ts";
import type { Shared } from "./shared.ts";
import { Prg, randomSeed } from "./prg.ts";
import type { MaskKind, RevealSink } from "./reveal_log.ts";
import { packLowBytes, packRing, unpackLowBytes, unpackRing } from "./wire.ts";

/** Which party id plays each role. Computing parties are 0..n−1. */
export interface Roles {
  /** Party holding the texts/prompts and receiving logits. */
  dataOwner: PartyId;
  /** Party holding the model weights. */
  modelOwner: PartyId;
  /** 2PC dealer (absent in 3PC). */
  dealer?: PartyId;
}

/** Construction options of a networked backend. */
export interface NetworkedOptions {
  /** This party's channel. */
  channel: Channel;
  /** Role mapping. */
  roles: Roles;
  /** 16-byte seed this party shares with each peer (pairwise, identical on both sides). */
  seeds: ReadonlyMap<PartyId, Uint8Array>;
  /** Fractional bits (default 16). */
  fracBits?: number;
  /** Seed of this party's private randomness (e.g. fresh input masks); default from the CSPRNG. */
  localSeed?: Uint8Array;
  /** Where this party records every opening it performs (the reveal ledger). */
  reveals?: RevealSink;
}

/** Base of the 2PC and 3PC backends. */
export abstract class Networked extends RingOps {
  /** This party. */
  readonly party: PartyId;
  /** Role mapping. */
  readonly roles: Roles;
  /** The channel. */
  protected readonly ch: Channel;
  #seeds: ReadonlyMap<PartyId, Uint8Array>;
  #prgs = new Map<PartyId, Prg>();
  #phase: Phase = "online";
  #reveals: RevealSink | undefined;
  /** This party's private PRG (not shared with anyone). */
  protected readonly local: Prg;

  /** Base over `opts.channel`. */
  constructor(opts: NetworkedOptions) {
    super(opts.fracBits ?? 16);
    this.ch = opts.channel;
    this.party = opts.channel.self;
    this.roles = opts.roles;
    this.#seeds = opts.seeds;
    this.local = new Prg(opts.localSeed ?? randomSeed());
    this.#reveals = opts.reveals;
  }

  /** Where openings are recorded, if anywhere. */
  get reveals(): RevealSink | undefined {
    return this.#reveals;
  }

  /**
   * Records that this party just learned a value of `shape` at op `op` (the op name of the
   * opening's messages), distributed as `mask` (`bits`: k of a mod-2^k opening).
   */
  protected opened(op: string, mask: MaskKind, shape: Shape, bits?: number): void {
    if (this.#reveals === undefined) return;
    this.#reveals.recordReveal({
      path: this.meta(this.#phase, op).path,
      receiver: this.party,
      mask,
      elements: sizeOf(shape),
      width: shape.length === 0 ? 1 : shape[shape.length - 1],
      ...(bits === undefined ? {} : { bits }),
    });
  }

  /** The ledger the channel records into. */
  get ledger(): LedgerSink {
    return this.ch.ledger;
  }

  /** Party id of a role. */
  idOf(role: Role): PartyId {
    return typeof role === "number" ? role : this.roles[role];
  }

  /** True when this party plays `role`. */
  is(role: Role): boolean {
    return this.idOf(role) === this.party;
  }

  /** Secret-shares a raw ring value supplied by `owner` (backend-specific). */
  abstract inputRing(owner: Role, value: RingTensor | undefined, shape: Shape): Promise<Shared>;
  /** x ⊙ y without truncation (backend-specific). */
  abstract mulNoTrunc(x: Shared, y: Shared): Promise<Shared>;
  /** Opens a raw ring value to `to` or all computing parties (backend-specific). */
  abstract revealRing(
    x: Shared,
    to: Role | "all",
    mask?: MaskKind,
  ): Promise<RingTensor | undefined>;

  /** Opens a fixed-point value (`mask`: how `x` is masked, for the reveal ledger). */
  async reveal(
    x: Shared,
    to: Role | "all",
    mask: MaskKind = "cleartext-output",
  ): Promise<FloatTensor | undefined> {
    const r = await this.revealRing(x, to, mask);
    return r ? this.fp.decode(r) : undefined;
  }

  /** Secret-shares a fixed-point value from `owner` (only the owner passes it). */
  async input(owner: Role, value: FloatTensor | undefined, shape: Shape): Promise<Shared> {
    let enc: RingTensor | undefined;
    if (this.is(owner)) {
      if (!value) throw new Error(`input: party ${this.party} owns the input but passed no value`);
      if (value.size !== sizeOf(shape) || value.shape.length !== shape.length) {
        throw new RangeError(
          `input: value shape [${value.shape}] does not match declared shape [${shape}]`,
        );
      }
      enc = this.fp.encode(value);
    }
    return await this.inputRing(owner, enc, shape);
  }

  /** x ⊙ y, truncated. */
  async mul(x: Shared, y: Shared): Promise<Shared> {
    return await this.truncate(await this.mulNoTrunc(x, y));
  }

  /** PRG stream shared with `peer`. */
  protected prg(peer: PartyId): Prg {
    let p = this.#prgs.get(peer);
    if (!p) {
      const seed = this.#seeds.get(peer);
      if (!seed) throw new Error(`party ${this.party}: no shared seed with party ${peer}`);
      p = new Prg(seed);
      this.#prgs.set(peer, p);
    }
    return p;
  }

  /** Runs `fn` with messages recorded in `phase` (e.g. input-independent preprocessing). */
  protected async inPhase<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    const prev = this.#phase;
    this.#phase = phase;
    try {
      return await fn();
    } finally {
      this.#phase = prev;
    }
  }

  /** Queues ring tensors for `to` as one message. */
  protected sendRing(to: PartyId, ts: readonly RingTensor[], op: string, phase?: Phase): void {
    this.ch.send(to, packRing(ts), this.meta(phase ?? this.#phase, op));
  }

  /** Receives one message from `from` holding tensors of `shapes`. */
  protected async recvRing(
    from: PartyId,
    shapes: readonly Shape[],
    op: string,
    phase?: Phase,
  ): Promise<RingTensor[]> {
    const m = this.meta(phase ?? this.#phase, op);
    const bytes = await this.ch.recv(from, m);
    return unpackRing(
      bytes,
      shapes,
      `party ${this.party}: message from party ${from} at ${m.path}`,
    );
  }

  /** Queues `t mod 2^k` for `to`, packed to ⌈k/8⌉ bytes per element. */
  protected sendLow(to: PartyId, t: RingTensor, k: number, op: string): void {
    this.ch.send(to, packLowBytes(t.mod2k(k), k), this.meta(this.#phase, op));
  }

  /** Receives a packed mod-2^k tensor. */
  protected async recvLow(from: PartyId, k: number, shape: Shape, op: string): Promise<RingTensor> {
    const m = this.meta(this.#phase, op);
    const bytes = await this.ch.recv(from, m);
    return unpackLowBytes(
      bytes,
      k,
      shape,
      `party ${this.party}: message from party ${from} at ${m.path}`,
    );
  }

  /** Flushes queued messages (for steps that only send). */
  protected async flush(): Promise<void> {
    await this.ch.flush();
  }
}
