/**
 * The control protocol of a session, shared by the in-process and the deployed runtime: the data
 * owner's commands (public metadata only: batch specs and prompt shapes), the data owner's side
 * that announces each step and runs it ({@link DataOwnerSteps}), and the loop every other party
 * runs to execute them as SPMD steps ({@link partyLoop}).
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { Channel, SendMeta } from "@secp/transport";
import type { SharedModel } from "./job.ts";

/** A command of the data owner to every other party. */
export type Command =
  | { op: "prepare"; id: number; spec: unknown }
  | { op: "evaluate"; id: number; prompts: [number, number] }
  | { op: "stop" };

/** Ledger metadata of control messages. */
export const CONTROL: SendMeta = { path: "control", phase: "online" };

/** Bytes of a command. */
export function encodeCommand(cmd: Command): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(cmd));
}

const isCount = (v: unknown, max = 2 ** 31): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/**
 * Parses and validates a command (the batch spec is checked by the job's `parseSpec`); throws an
 * Error saying what is wrong.
 */
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
  return { op: "prepare", id: c.id, spec: c.spec };
}

/**
 * The data owner's side of the steps: announce each one to the other parties (`broadcast`), then
 * run it, keeping every prepared batch by id.
 */
export class DataOwnerSteps<Spec, Inputs, Batch> {
  readonly #batches = new Map<number, Batch>();
  #next = 0;

  /**
   * Steps on the data owner's shared `model`, announced through `broadcast`; `announced` runs
   * after each announcement and before the data owner's own part of the step (e.g. to wait for
   * the dealer's preprocessing).
   */
  constructor(
    readonly model: SharedModel<Spec, Inputs, Batch>,
    readonly broadcast: (cmd: Command) => void,
    readonly announced: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Announces and prepares a batch (the inputs are the data owner's). */
  async prepare(spec: Spec, inputs: Inputs): Promise<number> {
    const id = this.#next++;
    const checked = this.model.parseSpec(JSON.parse(JSON.stringify(spec)));
    this.broadcast({ op: "prepare", id, spec });
    await this.announced();
    this.#batches.set(id, await this.model.prepare(checked, inputs));
    return id;
  }

  /** Logits `[P·T, C]` of prompts `[P, L, E]` on prepared batch `id`. */
  async evaluate(id: number, prompts: FloatTensor): Promise<FloatTensor> {
    const batch = this.#batches.get(id);
    if (batch === undefined) throw new Error(`evaluate: unknown batch ${id}`);
    const [P, L] = prompts.shape;
    this.broadcast({ op: "evaluate", id, prompts: [P, L] });
    await this.announced();
    const out = await this.model.evaluate(batch, [P, L], prompts);
    if (out === undefined) throw new Error("evaluate: the data owner received no logits");
    return out;
  }
}

/** Hooks of {@link partyLoop} (e.g. reporting the ledger after each step). */
export interface PartyLoopHooks {
  /** After each executed command (not after `stop`). */
  afterCommand?(cmd: Command, index: number): Promise<void> | void;
  /** When `stop` arrived, before the loop returns. */
  onStop?(): void;
  /**
   * Before each step, with the step itself (e.g. to run its offline pass first); the step runs
   * right after.
   */
  beforeStep?(step: () => Promise<unknown>): Promise<void>;
}

/**
 * A party other than the data owner: execute the data owner's commands on the shared `model`
 * until `stop`. Returns the number of commands executed.
 */
export async function partyLoop(
  model: SharedModel,
  ch: Channel,
  dataOwner: number,
  hooks: PartyLoopHooks = {},
): Promise<number> {
  const batches = new Map<number, unknown>();
  for (let n = 0;; n++) {
    const cmd = decodeCommand(await ch.recv(dataOwner, CONTROL));
    if (cmd.op === "stop") {
      hooks.onStop?.();
      return n;
    }
    if (cmd.op === "prepare") {
      const spec = model.parseSpec(cmd.spec);
      const step = () => model.prepare(spec, undefined);
      await hooks.beforeStep?.(step);
      batches.set(cmd.id, await step());
    } else {
      if (!batches.has(cmd.id)) throw new Error(`evaluate: unknown batch ${cmd.id}`);
      const batch = batches.get(cmd.id), prompts = cmd.prompts;
      const step = () => model.evaluate(batch, prompts, undefined);
      await hooks.beforeStep?.(step);
      await step();
    }
    await hooks.afterCommand?.(cmd, n);
  }
}
