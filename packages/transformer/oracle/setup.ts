/**
 * How each party builds its side of a job: in one process every party gets the model the data
 * owner loaded ({@link useLiteSetup}); deployed, the data owner announces the model choice
 * ({@link announceModel}) and each party loads what it needs ({@link partySetupFor}): the nonlinear
 * protocols (and RFA's public feature maps), and on the model owner the weights.
 *
 * @module
 */
import type { JobParty, JobRole, JobSetup, WorkerSetupRef } from "@secp/sharing/run";
import { loadHfCheckpoint } from "../hf/checkpoint.ts";
import { hfJobSetup } from "../hf/job.ts";
import type { LayerAttention } from "../hf/layer.ts";
import type { BatchInputs, BatchSpec, PreparedState } from "../use_lite/steps.ts";
import { parseUseLitePublicModel, useLiteJob, useLitePublicModel } from "../use_lite/job.ts";
import { loadModelFor, type ModelChoice, type ModelFor, secureOps } from "./models.ts";

/** The announced job: which model family and variant every party must build. */
export interface ModelAnnouncement extends ModelChoice {
  /** The model family: the bundled USE-lite, or the model owner's HF BERT/RoBERTa checkpoint. */
  model: "use-lite" | "hf";
}

/** What the data owner announces for `choice` on `model`. */
export function announceModel(
  choice: ModelChoice,
  model: ModelAnnouncement["model"] = "use-lite",
): ModelAnnouncement {
  return { model, attention: choice.attention, cos: choice.cos, features: choice.features };
}

/** Validates an announced job (it comes over the network). */
export function parseModelAnnouncement(x: unknown): ModelAnnouncement {
  const s = x as Partial<ModelAnnouncement> | null;
  if (
    typeof s !== "object" || s === null || (s.model !== "use-lite" && s.model !== "hf") ||
    (s.attention !== "softmax" && s.attention !== "rfa") ||
    (s.cos !== "exact" && s.cos !== "paper" && s.cos !== "iterative") ||
    typeof s.features !== "number" || !Number.isInteger(s.features) || s.features < 1
  ) {
    throw new Error(`bad job description from the data owner: ${JSON.stringify(x)}`);
  }
  return { model: s.model, attention: s.attention, cos: s.cos, features: s.features };
}

/** The HF layers' attention for a model choice (RFA unadapted: Π_cos variant and D features). */
export function hfAttentionOf(choice: ModelChoice): LayerAttention {
  return choice.attention === "softmax"
    ? { kind: "softmax" }
    : { kind: "rfa", variant: choice.cos, features: choice.features };
}

/** The USE-lite job's setup type. */
export type UseLiteSetup = JobSetup<BatchSpec, BatchInputs, PreparedState>;

/** Every party's side of the USE-lite job on an already loaded model (all parties in one process). */
export function useLiteSetup(model: ModelFor): UseLiteSetup {
  return (_announced: unknown, role: JobRole) => ({
    publicModel: role.modelOwner ? useLitePublicModel(model.weights) : undefined,
    job: (pub: unknown) =>
      useLiteJob(
        parseUseLitePublicModel(pub),
        model.ops,
        role.modelOwner ? model.weights : undefined,
      ),
  });
}

/** Where a deployed party finds what it serves. */
export interface PartySetupOptions {
  /** The model owner's HF checkpoint folder (for an announced `hf` job). */
  modelDir?: string;
}

/**
 * A deployed party's setup for any announced job: the same protocols as the data owner; the model
 * owner loads the weights (USE-lite: the npm model or the RFA-adapted checkpoint; HF: its
 * checkpoint folder, `--model DIR`), and for USE-lite RFA every party loads the checkpoint's public
 * feature maps.
 */
export function partySetupFor(opts: PartySetupOptions = {}): JobSetup<any, any, any> {
  return async (announced, role) => {
    const s = parseModelAnnouncement(announced);
    if (s.model === "use-lite") return await partySetup(s, role);
    if (role.modelOwner && opts.modelDir === undefined) {
      throw new Error("the data owner announced an HF model: run the model owner with --model DIR");
    }
    const weights = role.modelOwner ? (await loadHfCheckpoint(opts.modelDir!)).weights : undefined;
    return await hfJobSetup(hfAttentionOf(s), weights)(announced, role);
  };
}

/**
 * Where a party in a Worker thread finds its side of any announced job: {@link partySetupFor} of
 * this module, as a deployed party builds it (the model owner loads the weights in its thread).
 */
export function partyWorkerSetup(opts: PartySetupOptions = {}): WorkerSetupRef {
  return { module: import.meta.url, name: "partySetupFor", args: { ...opts } };
}

/**
 * A deployed party's side of an announced USE-lite job: the same protocols as the data owner; the
 * model owner loads the weights (the npm USE-lite or the RFA-adapted checkpoint), and for RFA every
 * party loads the checkpoint's public feature maps.
 */
export async function partySetup(
  announced: unknown,
  role: JobRole,
): Promise<JobParty<BatchSpec, BatchInputs, PreparedState>> {
  const s = parseModelAnnouncement(announced);
  if (s.attention === "softmax" && !role.modelOwner) {
    const ops = secureOps(s);
    return { job: (pub: unknown) => useLiteJob(parseUseLitePublicModel(pub), ops) };
  }
  const model = await loadModelFor(s.attention, s.features, s.cos);
  const ops = s.attention === "softmax" ? model.ops : secureOps(s, model);
  return await useLiteSetup({ ...model, ops })(announced, role);
}
