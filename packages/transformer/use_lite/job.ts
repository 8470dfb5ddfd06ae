/**
 * USE-lite as a job of the secure runtime (`@secp/sharing/run`): the model owner shares the
 * weights once; a batch is the data owner's texts and label sentences (secure token rows of the
 * texts and the label embeddings, computed once); each evaluation runs a population of soft
 * prompts and opens only the C cosine logits of each (prompt, text) to the data owner.
 *
 * @module
 */
import type { Job, SharedModel } from "@secp/sharing/run";
import { type SecureUseLite, shareUseLite } from "./secure.ts";
import type { ModelOps } from "./ops.ts";
import {
  type BatchInputs,
  type BatchSpec,
  evaluatePrompts,
  prepareBatch,
  type PreparedState,
} from "./steps.ts";
import type { UseLiteWeights } from "./weights.ts";
import { type UseLiteConfig, validateUseLiteConfig } from "./config.ts";

/** The public part of a USE-lite model (every party gets it from the model owner). */
export interface UseLitePublicModel {
  /** Shapes and constants. */
  config: UseLiteConfig;
  /** Timing-signal inverse timescales. */
  invTimescales: Float64Array;
}

/** The model owner's public description of `w` (JSON-serialisable). */
export function useLitePublicModel(
  w: UseLiteWeights,
): { config: UseLiteConfig; invTimescales: number[] } {
  return { config: w.config, invTimescales: Array.from(w.invTimescales) };
}

/** Validates a public model description received from the model owner. */
export function parseUseLitePublicModel(x: unknown): UseLitePublicModel {
  const m = x as { config?: unknown; invTimescales?: unknown } | null;
  try {
    validateUseLiteConfig(m?.config as UseLiteConfig);
  } catch (e) {
    throw new Error(`bad model description from the model owner: ${(e as Error).message}`);
  }
  const inv = m!.invTimescales;
  if (!Array.isArray(inv) || !inv.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new Error("bad model description from the model owner: invTimescales");
  }
  return { config: m!.config as UseLiteConfig, invTimescales: Float64Array.from(inv) };
}

const isCount = (v: unknown, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/** Validates a batch spec received from the data owner; throws naming the field. */
export function parseUseLiteBatchSpec(x: unknown): BatchSpec {
  const bad = (why: string): never => {
    throw new Error(`malformed command from the data owner: ${why}`);
  };
  const s = (x ?? {}) as Record<string, unknown>;
  for (const k of ["texts", "textSeq", "classes", "labelSeq"] as const) {
    if (!isCount(s[k], 1 << 20)) bad(`spec.${k}`);
  }
  const lengths = (k: "textLengths" | "labelLengths", n: number, max: number) => {
    const v = s[k];
    if (!Array.isArray(v) || v.length !== n || !v.every((y) => isCount(y, max))) {
      bad(`spec.${k} must hold ${n} lengths ≤ ${max}`);
    }
    return v as number[];
  };
  if (s.deep !== undefined && typeof s.deep !== "boolean") bad("spec.deep must be true or false");
  return {
    ...(s.deep === true ? { deep: true } : {}),
    texts: s.texts as number,
    textSeq: s.textSeq as number,
    textLengths: lengths("textLengths", s.texts as number, s.textSeq as number),
    classes: s.classes as number,
    labelSeq: s.labelSeq as number,
    labelLengths: lengths("labelLengths", s.classes as number, s.labelSeq as number),
  };
}

/**
 * One party's side of the USE-lite job: the public model, the nonlinear protocols every party
 * runs (`ops`), and on the model owner the weights.
 */
export function useLiteJob(
  model: UseLitePublicModel,
  ops: ModelOps,
  weights?: UseLiteWeights,
): Job<BatchSpec, BatchInputs, PreparedState> {
  return {
    async share(be) {
      const shared: SecureUseLite = await shareUseLite(
        be,
        model.config,
        model.invTimescales,
        be.is("modelOwner") ? weights : undefined,
      );
      const steps: SharedModel<BatchSpec, BatchInputs, PreparedState> = {
        parseSpec: parseUseLiteBatchSpec,
        prepare: (spec, inputs) => prepareBatch(be, shared, spec, inputs, ops),
        evaluate: (batch, shape, prompts) =>
          evaluatePrompts(be, shared, batch, shape, prompts, ops),
      };
      return steps;
    },
  };
}
