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
import { xor } from "./bits.ts";
import type { MaskKind, RevealSink } from "./reveal_log.ts";
import { TRUNC_OFFSET, truncPairOf, truncShareFromOpened } from "./trunc_pair.ts";
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

/** A computing party's material of one exact truncation (see `trunc_pair.ts`). */
export interface TruncMaterial {
  /** This party's share of the mask r. */
  r: RingTensor;
  /** Its share of msb(r). */
  msb: RingTensor;
  /** Its share of ⌊(r mod 2^63) / 2^bits⌋. */
  low: RingTensor;
  /** σ_i of a truncation whose helper folds its share in. */
  sigma?: RingTensor;
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
  /** Offline material of the last preprocessed program, in the order its ops consume it. */
  #queue: { op: string; value: unknown }[] = [];
  #head = 0;
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

  /** x ⊙ y, truncated by 2^bits (default f). */
  async mul(x: Shared, y: Shared, bits?: number): Promise<Shared> {
    return await this.truncate(await this.mulNoTrunc(x, y), bits);
  }

  /** Ids of the computing parties (0, 1 in 2PC; 0, 1, 2 in 3PC). */
  protected abstract computingParties(): readonly PartyId[];

  /**
   * Aligns the computing parties' online Lamport clocks: two rounds in which each computing party
   * sends an empty message to every other, after which all clocks are equal. For measuring an op's
   * rounds from a common start (tests, benchmarks): some ops leave one party behind (e.g. 3PC's
   * party 2 takes no part in exact truncation), which would otherwise shorten the next op's count.
   * No data moves; other parties return at once.
   */
  async alignClocks(): Promise<void> {
    const all = this.computingParties();
    if (!all.includes(this.party)) return;
    const others = all.filter((p) => p !== this.party);
    for (let round = 0; round < 2; round++) {
      for (const p of others) this.ch.send(p, new Uint8Array(0), this.meta("online", "align"));
      for (const p of others) await this.ch.recv(p, this.meta("online", "align"));
    }
  }

  /**
   * The offline pass of `program` (a step this party will run next): runs it on shapes only, like
   * the dealer, drawing and precomputing this party's material of every op that has any (PRG
   * masks, the dealer's corrections, products with opened constants) into a queue that the next
   * run of the same program consumes in order, so that run does only its online part. Every
   * value it computes is a phantom; nothing is sent and nothing is opened. For backends whose ops
   * all take their material through {@link material} (the 2PC backend exposes it as `preprocess`).
   */
  protected async offlinePass(program: () => Promise<unknown>): Promise<void> {
    const left = this.#queue.length - this.#head;
    if (left > 0) {
      throw new Error(
        `party ${this.party}: preprocess: ${left} items of the last preprocessed step were never used`,
      );
    }
    this.#queue = [];
    this.#head = 0;
    await this.whileShapesOnly(program);
  }

  /**
   * This party's offline material of one op: drawn and queued in an offline pass (returns
   * `undefined`: the op then returns a phantom), taken from the queue after one, drawn inline
   * otherwise. `op` names the op so a program that differs between its passes fails clearly.
   */
  protected async material<T>(op: string, fetch: () => Promise<T>): Promise<T | undefined> {
    if (this.shapesOnly) {
      this.#queue.push({ op, value: await fetch() });
      return undefined;
    }
    if (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head];
      if (next.op !== op) {
        throw new Error(
          `party ${this.party}: the step asked for ${op} material where its offline pass queued ${next.op} (the program differs between its passes)`,
        );
      }
      this.#queue[this.#head++] = undefined as never; // release it
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      return next.value as T;
    }
    return await fetch();
  }

  /**
   * Helper side of correlated randomness for computing parties 0 and 1 (the 2PC dealer, the 3PC
   * party 2): party 0's shares of `values` are expanded from the seed it shares with this party,
   * party 1 gets the corrections v − v0 (XOR for boolean shares) in one offline message.
   */
  protected async dealShares(
    values: readonly RingTensor[],
    op: string,
    boolean = false,
  ): Promise<void> {
    const corrections: RingTensor[] = [];
    for (const v of values) {
      const v0 = await this.prg(0).ring(v.shape);
      corrections.push(boolean ? xor(v, v0) : v.sub(v0));
    }
    this.sendRing(1, corrections, op, "offline");
  }

  /** Computing party 0 or 1: its shares of `helper`'s values of `shapes` (see `dealShares`). */
  protected async takeShares(
    helper: PartyId,
    shapes: readonly Shape[],
    op: string,
  ): Promise<RingTensor[]> {
    if (this.party !== 0) return await this.recvRing(helper, shapes, op, "offline");
    const out: RingTensor[] = [];
    for (const s of shapes) out.push(await this.prg(helper).ring(s));
    return out;
  }

  /**
   * Helper side of an exact truncation between computing parties 0 and 1 (the 2PC dealer, the 3PC
   * party 2): derives r = r0 + r1 from the seeds it shares with each, and sends party 1 the
   * correction of its shares of (msb r, low r) as offline traffic (party 0's come from its seed).
   * `fold`: the helper's own additive share of x (3PC products), sent to both parties masked by
   * σ0 + σ1 (σ_i from the seed shared with party i) so that it enters their opening of c.
   */
  protected async dealTruncPair(shape: Shape, bits: number, fold?: RingTensor): Promise<void> {
    const r = (await this.prg(0).ring(shape)).add(await this.prg(1).ring(shape));
    const { msb, low } = truncPairOf(r, bits);
    await this.dealShares([msb, low], "pair");
    if (fold) {
      const masked = fold.add(await this.prg(0).ring(shape)).add(await this.prg(1).ring(shape));
      for (const p of [0, 1]) this.sendRing(p, [masked], "fold");
    }
    await this.flush();
  }

  /**
   * Computing party 0 or 1 of an exact truncation: `u` is its additive share of x (u0 + u1 = x,
   * or u0 + u1 + the helper's folded share with `fold`; |x| < 2^62); takes its share of the pair
   * from `helper`, opens c = x + r + 2^62 to both (one exchange, plus the helper's folded share in
   * the same round) and returns its additive share of x / 2^bits (see `trunc_pair.ts`).
   */
  protected async truncWithPair(
    helper: PartyId,
    u: RingTensor,
    bits: number,
    fold = false,
  ): Promise<RingTensor> {
    const pair = await this.truncMaterial(helper, u.shape, fold);
    return pair === undefined ? u : await this.truncOnline(helper, u, bits, pair);
  }

  /** The offline half of {@link truncWithPair}: r_i, the pair's shares and σ_i (fold). */
  protected async truncMaterial(
    helper: PartyId,
    shape: Shape,
    fold = false,
  ): Promise<TruncMaterial | undefined> {
    return await this.material("pair", async () => {
      const r = await this.prg(helper).ring(shape);
      const [msb, low] = await this.takeShares(helper, [shape, shape], "pair");
      const sigma = fold ? await this.prg(helper).ring(shape) : undefined;
      return { r, msb, low, sigma };
    });
  }

  /** The online half of {@link truncWithPair}: open c = u + r (+ 2^62) and finish locally. */
  protected async truncOnline(
    helper: PartyId,
    u: RingTensor,
    bits: number,
    pair: TruncMaterial,
  ): Promise<RingTensor> {
    const shape = u.shape, { r, msb, low, sigma } = pair;
    const fold = sigma !== undefined;
    let mine = u.add(r);
    if (sigma) mine = mine.sub(sigma); // σ_i
    if (this.party === 0) mine = mine.addScalar(TRUNC_OFFSET);
    const other = 1 - this.party;
    this.sendRing(other, [mine], "open");
    let c = mine.add((await this.recvRing(other, [shape], "open"))[0]);
    if (fold) c = c.add((await this.recvRing(helper, [shape], "fold"))[0]);
    this.opened("open", "uniform-ring", shape);
    return truncShareFromOpened(c, msb, low, bits, this.party === 0);
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
