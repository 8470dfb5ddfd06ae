/**
 * The `2pc` backend: additive secret sharing over Z_2^64 between computing parties 0 and 1, with a
 * dealer that produces correlated randomness (Beaver triples, matmul triples, truncation pairs,
 * trig tuples). Party i's share of every random value is expanded from the seed it shares with the
 * dealer (AES-CTR); only the correction for party 1 travels, counted as `offline`. The dealer runs
 * the same program on shapes only, so its material is produced ahead of use and never waits for the
 * computing parties. Security: semi-honest, the dealer and the two parties do not collude.
 *
 * @module
 */
import { matmulShapes, RingTensor, type Shape } from "@secp/field";
import type { PartyId } from "@secp/transport";
import type { BackendKind, Role, SecretBackend, TruncMode } from "./backend.ts";
import { and, andShare, ltzBits, planeWords, signOfSum, toPlanes, xor } from "./bits.ts";
import { assertShapes } from "./base.ts";
import { beaverShare } from "./beaver.ts";
import { trigValues } from "./trig_values.ts";
import { Networked, type NetworkedOptions } from "./networked.ts";
import type { MaskKind } from "./reveal_log.ts";
import { type FixedOperand, Shared, type TrigTuple } from "./shared.ts";

/** Options of the 2PC backend. */
export interface Additive2pcOptions extends NetworkedOptions {
  /** Truncation: `exact` (dealer-aided, 1 round, ≤1 ulp error; default) or `local` (SecureML). */
  trunc?: TruncMode;
}

interface FixedState {
  /** Computing party: B_i and the opened F = W − B (party 0 keeps B_0 + F). */
  bPlusF?: RingTensor;
  f?: RingTensor;
  /** Dealer: B. */
  b?: RingTensor;
  /** Computing party: preprocessed (A_i, C_i + A_i·F) per activation shape, oldest first. */
  ready?: Map<string, { a: RingTensor; d: RingTensor }[]>;
  /** Dealer: how many preprocessed products per activation shape are still unused. */
  readyCount?: Map<string, number>;
}

/** One party of the 2PC backend (party 0, party 1, the dealer, or an input/output party). */
export class Additive2pc extends Networked implements SecretBackend {
  /** `2pc`. */
  readonly kind: BackendKind = "2pc";
  /** True for parties 0 and 1 (false while {@link preprocess} runs a step on shapes only). */
  get computing(): boolean {
    return this.#member && !this.shapesOnly;
  }
  /** Party 0 or 1. */
  readonly #member: boolean;
  /** Truncation method. */
  readonly trunc: TruncMode;
  /** Exact with the dealer's truncation pairs; local truncation is probabilistic. */
  get exactTruncation(): boolean {
    return this.trunc === "exact";
  }
  readonly #dealer: PartyId;

  /** A 2PC party over `opts.channel`. */
  constructor(opts: Additive2pcOptions) {
    super(opts);
    if (opts.roles.dealer === undefined) throw new Error("2pc: roles.dealer is required");
    this.#dealer = opts.roles.dealer;
    this.#member = this.party === 0 || this.party === 1;
    this.trunc = opts.trunc ?? "exact";
  }

  get #isDealer(): boolean {
    return this.party === this.#dealer;
  }

  /**
   * The offline pass of a step: runs `program` (the step this party runs next) on shapes only,
   * drawing this party's masks, taking the dealer's corrections and computing the products with
   * opened constants (C_i + A_i·F of every fixed-operand product) now; the next run of the same
   * program does only the online part. A no-op on the dealer and on non-computing parties.
   */
  async preprocess(program: () => Promise<unknown>): Promise<void> {
    if (this.#member) await this.offlinePass(program);
  }

  /** Party 0's share is share 0. */
  protected slot0(): readonly boolean[] {
    return this.party === 0 ? [true] : this.computing ? [false] : [];
  }

  /** Parties 0, 1. */
  protected computingParties(): readonly PartyId[] {
    return [0, 1];
  }

  #phantom(shape: Shape): Shared {
    return new Shared(shape, []);
  }

  /** Secret-shares a raw ring value from `owner` (party 0's share comes from a shared PRG). */
  async inputRing(owner: Role, value: RingTensor | undefined, shape: Shape): Promise<Shared> {
    const o = this.idOf(owner);
    if (this.shapesOnly) return this.#phantom(shape);
    return await this.scope("input", async () => {
      if (o === 0 || o === 1) {
        // Owner is a computing party: the other's share is PRG output both can compute.
        const other = 1 - o;
        if (this.party === o) {
          const r = await this.prg(other).ring(shape);
          return new Shared(shape, [value!.sub(r)]);
        }
        if (this.party === other) return new Shared(shape, [await this.prg(o).ring(shape)]);
        return this.#phantom(shape);
      }
      if (this.party === o) {
        const r0 = await this.prg(0).ring(shape);
        this.sendRing(1, [value!.sub(r0)], "share");
        await this.flush();
        return this.#phantom(shape);
      }
      if (this.party === 0) return new Shared(shape, [await this.prg(o).ring(shape)]);
      if (this.party === 1) return new Shared(shape, await this.recvRing(o, [shape], "share"));
      return this.#phantom(shape);
    });
  }

  /** Opens a raw ring value to `to` (or both computing parties). */
  async revealRing(
    x: Shared,
    to: Role | "all",
    mask: MaskKind = "cleartext-output",
  ): Promise<RingTensor | undefined> {
    if (this.shapesOnly) return undefined;
    return await this.scope("reveal", async () => {
      if (to === "all") {
        if (!this.computing) return undefined;
        const other = 1 - this.party;
        this.sendRing(other, [x.parts[0]], "open");
        const [theirs] = await this.recvRing(other, [x.shape], "open");
        this.opened("open", mask, x.shape);
        return x.parts[0].add(theirs);
      }
      const t = this.idOf(to);
      if (this.computing && this.party !== t) {
        this.sendRing(t, [x.parts[0]], "open");
        await this.flush();
      }
      if (this.party !== t) return undefined;
      if (this.computing) {
        const [theirs] = await this.recvRing(1 - t, [x.shape], "open");
        this.opened("open", mask, x.shape);
        return x.parts[0].add(theirs);
      }
      const [a] = await this.recvRing(0, [x.shape], "open");
      const [b] = await this.recvRing(1, [x.shape], "open");
      this.opened("open", mask, x.shape);
      return a.add(b);
    });
  }

  /** Opens x mod 2^k to both computing parties (⌈k/8⌉ bytes per element each way). */
  async openMod2k(x: Shared, k: number, mask: MaskKind = "cleartext-output"): Promise<RingTensor> {
    if (!this.computing) return RingTensor.zeros(x.shape);
    return await this.scope("open-mod", async () => {
      const other = 1 - this.party;
      this.sendLow(other, x.parts[0], k, "open");
      const theirs = await this.recvLow(other, k, x.shape, "open");
      this.opened("open", mask, x.shape, mask === "uniform-mod-2^k" ? k : undefined);
      return x.parts[0].add(theirs).mod2k(k);
    });
  }

  /** Two Beaver-style exchanges share this shape: open (x − a, y − b) and combine. */
  async #beaver(
    x: Shared,
    y: Shared,
    outShape: Shape,
    prod: (u: RingTensor, v: RingTensor) => RingTensor,
    op: string,
  ): Promise<Shared> {
    return await this.scope(op, async () => {
      const d = this.#dealer;
      if (this.#isDealer) {
        const [a0, b0] = [await this.prg(0).ring(x.shape), await this.prg(0).ring(y.shape)];
        const [a1, b1] = [await this.prg(1).ring(x.shape), await this.prg(1).ring(y.shape)];
        await this.dealShares([prod(a0.add(a1), b0.add(b1))], "triple");
        await this.flush();
        return this.#phantom(outShape);
      }
      if (!this.#member) return this.#phantom(outShape);
      const m = await this.material(op, async () => ({
        a: await this.prg(d).ring(x.shape),
        b: await this.prg(d).ring(y.shape),
        c: (await this.takeShares(d, [outShape], "triple"))[0],
      }));
      if (m === undefined) return this.#phantom(outShape);
      const { a, b, c } = m;
      const other = 1 - this.party;
      const e0 = x.parts[0].sub(a), f0 = y.parts[0].sub(b);
      this.sendRing(other, [e0, f0], "open");
      const [e1, f1] = await this.recvRing(other, [x.shape, y.shape], "open");
      this.opened("open", "uniform-ring", x.shape);
      this.opened("open", "uniform-ring", y.shape);
      if (op === "mul") {
        return new Shared(outShape, [
          beaverShare({ a, b, c }, [e0, e1], [f0, f1], this.party === 0),
        ]);
      }
      const e = e0.add(e1), f = f0.add(f1);
      // z = c + e·b + a·f (+ e·f at party 0), as c + e·(b + f) + a·f: two products, not three.
      const z = c.add(prod(e, this.party === 0 ? b.add(f) : b)).add(prod(a, f));
      return new Shared(outShape, [z]);
    });
  }

  /** x ⊙ y without truncation (1 round, 16 bytes per element sent per party). */
  async mulNoTrunc(x: Shared, y: Shared): Promise<Shared> {
    assertShapes("mul", x, y);
    return await this.#beaver(x, y, x.shape, (u, v) => u.mul(v), "mul");
  }

  /** x @ y without truncation (opens both masked operands). */
  async matmulNoTrunc(x: Shared, y: Shared): Promise<Shared> {
    const { out } = matmulShapes(x.shape, y.shape);
    return await this.#beaver(x, y, out, (u, v) => u.matmul(v), "matmul");
  }

  /** x @ y, truncated by 2^bits (opens both masked operands). */
  async matmul(x: Shared, y: Shared, bits?: number): Promise<Shared> {
    return await this.truncate(await this.matmulNoTrunc(x, y), bits);
  }

  /** Opens W − B once (B a fixed dealer mask); later products open only the activation mask. */
  async fixed(w: Shared): Promise<FixedOperand> {
    return await this.scope("fixed", async () => {
      const d = this.#dealer;
      if (this.#isDealer) {
        const b = (await this.prg(0).ring(w.shape)).add(await this.prg(1).ring(w.shape));
        return { value: w, state: { b } satisfies FixedState };
      }
      if (this.shapesOnly) {
        throw new Error("fixed: a constant operand cannot be prepared inside a preprocessed step");
      }
      if (!this.computing) return { value: w, state: {} };
      const bi = await this.prg(d).ring(w.shape);
      const other = 1 - this.party;
      const mine = w.parts[0].sub(bi);
      this.sendRing(other, [mine], "open");
      const [theirs] = await this.recvRing(other, [w.shape], "open");
      this.opened("open", "uniform-ring", w.shape);
      const f = mine.add(theirs);
      const state: FixedState = { f, bPlusF: this.party === 0 ? bi.add(f) : bi };
      return { value: w, state };
    });
  }

  /**
   * The offline half of `count` later `matmulFixed(x, w)` calls on x of `xShape`: draws (A_i, C_i)
   * with the dealer's correction and computes D_i = C_i + A_i·F now, so each online call is one
   * opening of E = x − A and one local product E·(B_i + [i=0]F). Calls without preprocessing still
   * work (they do both halves inline); a preprocessed pair is used once, in order.
   */
  async preprocessFixed(w: FixedOperand, xShape: Shape, count = 1): Promise<void> {
    const { out } = matmulShapes(xShape, w.value.shape);
    const st = w.state as FixedState;
    const key = xShape.join("x");
    await this.scope("matmul-fixed", async () => {
      for (let i = 0; i < count; i++) {
        if (this.#isDealer) {
          await this.#fixedCorrection(xShape, st.b!);
          st.readyCount = st.readyCount ?? new Map();
          st.readyCount.set(key, (st.readyCount.get(key) ?? 0) + 1);
        } else if (this.computing) {
          const { a, c } = await this.#fixedMaskPair(xShape, out);
          st.ready = st.ready ?? new Map();
          const q = st.ready.get(key) ?? [];
          q.push({ a, d: c.add(a.matmul(st.f!)) });
          st.ready.set(key, q);
        }
      }
    });
  }

  /** Dealer: C = (A_0 + A_1)·B, party 1's share C − C_0 sent offline. */
  async #fixedCorrection(xShape: Shape, b: RingTensor): Promise<void> {
    const a0 = await this.prg(0).ring(xShape), a1 = await this.prg(1).ring(xShape);
    await this.dealShares([a0.add(a1).matmul(b)], "triple");
    await this.flush();
  }

  /** Computing party: its A_i and C_i of one fixed-operand product. */
  async #fixedMaskPair(xShape: Shape, out: Shape): Promise<{ a: RingTensor; c: RingTensor }> {
    const d = this.#dealer;
    const a = await this.prg(d).ring(xShape);
    const [c] = await this.takeShares(d, [out], "triple");
    return { a, c };
  }

  /** x @ W for a prepared W: Z_i = C_i + A_i·F + E·(B_i + [i=0]F), E = x − A opened. */
  async matmulFixed(x: Shared, w: FixedOperand): Promise<Shared> {
    const { out } = matmulShapes(x.shape, w.value.shape);
    const st = w.state as FixedState;
    const key = x.shape.join("x");
    const z = await this.scope("matmul-fixed", async () => {
      if (this.#isDealer) {
        const left = st.readyCount?.get(key) ?? 0;
        if (left > 0) st.readyCount!.set(key, left - 1);
        else await this.#fixedCorrection(x.shape, st.b!);
        return this.#phantom(out);
      }
      if (!this.#member) return this.#phantom(out);
      const pre = (this.shapesOnly ? undefined : st.ready?.get(key)?.shift()) ??
        await this.material("matmul-fixed", async () => {
          const { a, c } = await this.#fixedMaskPair(x.shape, out);
          return { a, d: c.add(a.matmul(st.f!)) };
        });
      if (pre === undefined) return this.#phantom(out);
      const other = 1 - this.party;
      const e0 = x.parts[0].sub(pre.a);
      this.sendRing(other, [e0], "open");
      const [e1] = await this.recvRing(other, [x.shape], "open");
      this.opened("open", "uniform-ring", x.shape);
      const e = e0.add(e1);
      return new Shared(out, [pre.d.add(e.matmul(st.bPlusF!))]);
    });
    return await this.truncate(z);
  }

  /** Divides by 2^bits: `exact` (dealer pair, 1 round) or `local` (SecureML, no communication). */
  async truncate(x: Shared, bits = this.fp.fracBits): Promise<Shared> {
    if (this.trunc === "local") {
      if (!this.computing) return this.shapesOnly ? this.#phantom(x.shape) : x;
      const p = x.parts[0];
      return new Shared(x.shape, [this.party === 0 ? p.sar(bits) : p.neg().sar(bits).neg()]);
    }
    return await this.scope("trunc", () => this.#truncExact(x, bits));
  }

  /**
   * Probabilistic truncation with a dealer pair (as SPU/Escudero et al.): needs |x| < 2^62 as a ring
   * integer. Opens c = x + 2^62 + r (r uniform: perfectly hiding); result within one ulp.
   */
  async #truncExact(x: Shared, bits: number): Promise<Shared> {
    if (this.#isDealer) {
      await this.dealTruncPair(x.shape, bits);
      return x;
    }
    if (!this.#member) return x;
    const pair = await this.truncMaterial(this.#dealer, x.shape);
    if (pair === undefined) return this.#phantom(x.shape);
    return new Shared(x.shape, [await this.truncOnline(this.#dealer, x.parts[0], bits, pair)]);
  }

  /** Dealer trig tuple: t uniform mod 2^k, fixed-point shares of cos/sin(2πt/2^k). */
  async trigTuple(shape: Shape, k: number): Promise<TrigTuple> {
    return await this.scope("trig-tuple", async () => {
      const d = this.#dealer;
      if (this.#isDealer) {
        const t = (await this.prg(0).ringMod(shape, k)).add(await this.prg(1).ringMod(shape, k))
          .mod2k(k);
        const { cos, sin } = trigValues(t, k, this.fp);
        await this.dealShares([cos, sin], "tuple");
        await this.flush();
        const ph = this.#phantom(shape);
        return { t: ph, cos: ph, sin: ph };
      }
      const m = this.#member
        ? await this.material("trig-tuple", async () => ({
          t: await this.prg(d).ringMod(shape, k),
          cs: await this.takeShares(d, [shape, shape], "tuple"),
        }))
        : undefined;
      if (m === undefined) {
        const ph = this.#phantom(shape);
        return { t: ph, cos: ph, sin: ph };
      }
      const { t, cs: [cos, sin] } = m;
      return {
        t: new Shared(shape, [t]),
        cos: new Shared(shape, [cos]),
        sin: new Shared(shape, [sin]),
      };
    });
  }

  /**
   * AND of XOR-shared words with dealer boolean triples (u, v, w = u ∧ v): open e = x ⊕ u and
   * f = y ⊕ v, then z = w ⊕ (e ∧ v) ⊕ (f ∧ u) ⊕ [i=0](e ∧ f). All pairs in one round.
   */
  async #andBatch(
    pairs: [readonly RingTensor[], readonly RingTensor[]][],
    n: number,
  ): Promise<RingTensor[][]> {
    const total = n * pairs.length;
    const shape = [total];
    return await this.scope("and", async () => {
      const d = this.#dealer;
      if (this.#isDealer) {
        const u0 = await this.prg(0).ring(shape), v0 = await this.prg(0).ring(shape);
        const u1 = await this.prg(1).ring(shape), v1 = await this.prg(1).ring(shape);
        await this.dealShares([and(xor(u0, u1), xor(v0, v1))], "triple", true);
        await this.flush();
        return pairs.map(() => []);
      }
      if (!this.#member) return pairs.map(() => []);
      const m = await this.material("and", async () => ({
        u: await this.prg(d).ring(shape),
        v: await this.prg(d).ring(shape),
        w: (await this.takeShares(d, [shape], "triple"))[0],
      }));
      if (m === undefined) return pairs.map(() => []);
      const { u, v, w } = m;
      const x = RingTensor.concat(pairs.map(([a]) => a[0].reshape([n])), 0);
      const y = RingTensor.concat(pairs.map(([, b]) => b[0].reshape([n])), 0);
      const e0 = xor(x, u), f0 = xor(y, v);
      const other = 1 - this.party;
      this.sendRing(other, [e0, f0], "open");
      const [e1, f1] = await this.recvRing(other, [shape, shape], "open");
      this.opened("open", "uniform-ring", [2 * shape[0]]);
      const z = andShare({ u, v, w }, [e0, e1], [f0, f1], this.party === 0);
      return pairs.map((_, i) => [z.slice(0, i * n, (i + 1) * n)]);
    });
  }

  /**
   * Sign test: the shares x0 (party 0) and x1 (party 1), bit-sliced, are XOR-shared planes; the
   * carry tree of `signOfSum` finds the carry into the top bit (1 + ⌈log2(bits − 1)⌉ AND rounds),
   * and the sign bit s = s0 ⊕ s1 becomes arithmetic as s0 + s1 − 2·s0·s1 (one Beaver product).
   * 8 online rounds for 64 bits, 7 for 32.
   */
  async ltz(x: Shared, opts: { bits?: number } = {}): Promise<Shared> {
    const bits = ltzBits(opts.bits);
    return await this.scope("ltz", async () => {
      const n = x.size;
      const flat = [n];
      const zero = RingTensor.zeros([bits * planeWords(n)]);
      const mine = this.computing ? [toPlanes(x.parts[0], bits)] : [];
      const a = this.party === 0 ? mine : this.computing ? [zero] : [];
      const b = this.party === 1 ? mine : this.computing ? [zero] : [];
      const sign = await signOfSum(a, b, (pairs, w) => this.#andBatch(pairs, w), bits, n);
      const nz = RingTensor.zeros(flat);
      const c = this.computing;
      const s0 = new Shared(flat, c ? (this.party === 0 ? sign : [nz]) : []);
      const s1 = new Shared(flat, c ? (this.party === 1 ? sign : [nz]) : []);
      const prod = await this.mulNoTrunc(s0, s1);
      return this.reshape(this.sub(this.add(s0, s1), this.mulInt(prod, 2)), x.shape);
    });
  }
}
