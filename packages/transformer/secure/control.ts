/**
 * The control protocol of a secure session, shared by the in-process and the networked session:
 * the data owner's commands (public metadata only: shapes and lengths), the data owner's side that
 * announces each step and runs it ({@link DataOwnerSteps}), and the loop every other party runs to
 * execute them as SPMD steps.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { Channel, SendMeta } from "@secp/transport";
import type { SecretBackend } from "@secp/sharing";
import type { UseLiteWeights } from "../weights/use_lite.ts";
import type { UseLiteConfig } from "../weights/use_lite_config.ts";
import { type SecureUseLite, shareUseLite } from "./model.ts";
import type { ModelOps } from "./ops.ts";
import {
  type BatchInputs,
  type BatchSpec,
  evaluatePrompts,
  prepareBatch,
  type PreparedState,
} from "./steps.ts";

/** A command of the data owner to every other party. */
export type Command =
  | { op: "prepare"; id: number; spec: BatchSpec }
  | { op: "evaluate"; id: number; prompts: [number, number] }
  | { op: "stop" };

/**
 * The data owner's side of the steps: announce each one to the other parties (`broadcast`), then
 * run it, keeping every prepared batch by id.
 */
export class DataOwnerSteps {
  readonly #states = new Map<number, PreparedState>();
  #next = 0;

  /** Steps of `backend` on the shared `model` with `ops`, announced through `broadcast`. */
  constructor(
    readonly backend: SecretBackend,
    readonly model: SecureUseLite,
    readonly ops: ModelOps,
    readonly broadcast: (cmd: Command) => void,
  ) {}

  /** Announces and prepares a batch (text and label token ids are the data owner's). */
  async prepare(spec: BatchSpec, inputs: BatchInputs): Promise<number> {
    const id = this.#next++;
    this.broadcast({ op: "prepare", id, spec });
    this.#states.set(id, await prepareBatch(this.backend, this.model, spec, inputs, this.ops));
    return id;
  }

  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  async evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor> {
    const state = this.#states.get(id);
    if (!state) throw new Error(`evaluate: unknown batch ${id}`);
    const [P, L] = prompts.shape;
    this.broadcast({ op: "evaluate", id, prompts: [P, L] });
    const out = await evaluatePrompts(this.backend, this.model, state, [P, L], prompts, this.ops);
    return out!;
  }
}

/** Ledger metadata of control messages. */
export const CONTROL: SendMeta = { path: "control", phase: "online" };

/** Bytes of a command. */
export function encodeCommand(cmd: Command): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(cmd));
}

const isCount = (v: unknown, max = 2 ** 31): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/** Parses and validates a command; throws an Error saying what is wrong. */
export function decodeCommand(bytes: Uint8Array): Command {
  let c: any;
  try {
    c = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error("malformed command from the data owner (not JSON)");
  }
  const bad = (why: string): never => {
    throw new Error(`malformed command from the data owner: ${why}`);
  };
  if (typeof c !== "object" || c === null) bad("not an object");
  if (c.op === "stop") return { op: "stop" };
  if (!isCount(c.id)) bad("id");
  if (c.op === "evaluate") {
    const p = c.prompts;
    if (!Array.isArray(p) || p.length !== 2 || !isCount(p[0], 1 << 20) || !isCount(p[1], 4096)) {
      bad("prompts must be [P, L]");
    }
    return { op: "evaluate", id: c.id, prompts: [p[0], p[1]] };
  }
  if (c.op !== "prepare") bad(`unknown op ${JSON.stringify(c.op)}`);
  const s = c.spec ?? {};
  for (const k of ["texts", "textSeq", "classes", "labelSeq"] as const) {
    if (!isCount(s[k], 1 << 20)) bad(`spec.${k}`);
  }
  const lengths = (k: "textLengths" | "labelLengths", n: number, max: number) => {
    const v = s[k];
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => isCount(x, max))) {
      bad(`spec.${k} must hold ${n} lengths ≤ ${max}`);
    }
    return v as number[];
  };
  const spec: BatchSpec = {
    texts: s.texts,
    textSeq: s.textSeq,
    textLengths: lengths("textLengths", s.texts, s.textSeq),
    classes: s.classes,
    labelSeq: s.labelSeq,
    labelLengths: lengths("labelLengths", s.classes, s.labelSeq),
  };
  return { op: "prepare", id: c.id, spec };
}

/** The public model description every party needs, and the weights of the model owner. */
export interface PartyModel {
  /** Shapes and constants. */
  config: UseLiteConfig;
  /** Timing-signal inverse timescales. */
  invTimescales: Float64Array;
  /** The weights: the model owner only. */
  weights?: UseLiteWeights;
}

/** Hooks of {@link partyLoop} (e.g. reporting the ledger after each step). */
export interface PartyLoopHooks {
  /** After the weights are shared. */
  afterShare?(): Promise<void> | void;
  /** After each executed command (not after `stop`). */
  afterCommand?(cmd: Command, index: number): Promise<void> | void;
  /** When `stop` arrived, before the loop returns. */
  onStop?(): void;
}

/**
 * A non-data-owner party: share the weights (the model owner supplies them), then execute the data
 * owner's commands until `stop`. Returns the number of commands executed.
 */
export async function partyLoop(
  be: SecretBackend,
  ch: Channel,
  dataOwner: number,
  model: PartyModel,
  ops: ModelOps,
  hooks: PartyLoopHooks = {},
): Promise<number> {
  const shared = await shareUseLite(
    be,
    model.config,
    model.invTimescales,
    be.is("modelOwner") ? model.weights : undefined,
  );
  await hooks.afterShare?.();
  const states = new Map<number, PreparedState>();
  for (let n = 0;; n++) {
    const cmd = decodeCommand(await ch.recv(dataOwner, CONTROL));
    if (cmd.op === "stop") {
      hooks.onStop?.();
      return n;
    }
    if (cmd.op === "prepare") {
      states.set(cmd.id, await prepareBatch(be, shared, cmd.spec, undefined, ops));
    } else {
      const state = states.get(cmd.id);
      if (state === undefined) throw new Error(`evaluate: unknown batch ${cmd.id}`);
      await evaluatePrompts(be, shared, state, cmd.prompts, undefined, ops);
    }
    await hooks.afterCommand?.(cmd, n);
  }
}
