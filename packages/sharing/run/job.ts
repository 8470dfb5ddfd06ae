/**
 * The job interface of the runtime: what a model family implements so that the runtime can serve
 * it on any backend, in one process or deployed. A job is model-agnostic to the runtime: it shares
 * the model owner's weights once, prepares batches of the data owner's fixed inputs once (their
 * public spec travels to every party, the inputs stay with the data owner), and evaluates a
 * population of prompts `[P, L, E]` on a prepared batch, opening only the logits to the data owner.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { SecretBackend } from "../backend.ts";

/** A model shared among the parties: the steps of a tuning job on it (bound to one backend). */
export interface SharedModel<Spec = unknown, Inputs = unknown, Batch = unknown> {
  /**
   * Validates a batch spec (public, JSON) received from the data owner; throws an Error naming the
   * field that is wrong.
   */
  parseSpec(spec: unknown): Spec;
  /** Prepares a batch: `inputs` are the data owner's (undefined on every other party). */
  prepare(spec: Spec, inputs: Inputs | undefined): Promise<Batch>;
  /**
   * Logits `[P·T, C]` of P prompts of shape `[P, L, E]` (the data owner's input, undefined
   * elsewhere) on every text of `batch`, opened to the data owner only (others get `undefined`).
   */
  evaluate(
    batch: Batch,
    promptShape: [number, number],
    prompts: FloatTensor | undefined,
  ): Promise<FloatTensor | undefined>;
}

/** One party's side of a job. */
export interface Job<Spec = unknown, Inputs = unknown, Batch = unknown> {
  /** Secret-shares the model owner's weights (every party calls it once, in the same order). */
  share(be: SecretBackend): Promise<SharedModel<Spec, Inputs, Batch>>;
}

/** What a party brings to a job announced by the data owner. */
export interface JobParty<Spec = unknown, Inputs = unknown, Batch = unknown> {
  /**
   * The model owner's public description of the model (shapes and public constants, JSON), sent
   * to every other party at setup. Only the model owner's side has it.
   */
  readonly publicModel?: unknown;
  /** This party's job, given the model owner's public description. */
  job(publicModel: unknown): Job<Spec, Inputs, Batch> | Promise<Job<Spec, Inputs, Batch>>;
}

/** A party's role in a session, as its job setup sees it. */
export interface JobRole {
  /** This party holds the weights. */
  readonly modelOwner: boolean;
  /** This party holds the inputs and receives the logits. */
  readonly dataOwner: boolean;
}

/**
 * Builds a party's side of the job the data owner announced (`announced` is the data owner's
 * JSON description of the job, e.g. which model and attention; validate it, it came over the
 * network).
 */
export type JobSetup<Spec = unknown, Inputs = unknown, Batch = unknown> = (
  announced: unknown,
  role: JobRole,
) => JobParty<Spec, Inputs, Batch> | Promise<JobParty<Spec, Inputs, Batch>>;
