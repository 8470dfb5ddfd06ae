/**
 * A Hugging Face BERT/RoBERTa model as a job of the secure runtime (`@secp/sharing/run`), the twin
 * of the USE-lite job: the model owner shares the encoder (and the MLM head), a batch is the data
 * owner's texts with their public mask slots and verbalizer token ids (BBT's readout: the MLM
 * logits at the mask restricted to one label word per class), and each evaluation runs a
 * population of soft prompts, opening only the C logits of each (prompt, text) to the data owner.
 *
 * @module
 */
import type { Job, JobSetup, SharedModel } from "@secp/sharing/run";
import type { LayerAttention } from "./layer.ts";
import { type HfConfig, hfConfigToJson, parseHfConfig } from "./config.ts";
import { shareHfModel } from "./secure.ts";
import {
  type HfBatchInputs,
  type HfBatchSpec,
  hfEvaluatePrompts,
  type HfHeadSpec,
  hfPrepareBatch,
  type HfPreparedBatch,
} from "./steps.ts";
import type { HfWeights } from "./weights.ts";

/** The public part of a HF model (every party gets it from the model owner). */
export interface HfPublicModel {
  /** The architecture (config.json). */
  readonly config: HfConfig;
  /** Whether the MLM head is shared (the `mlm` readout needs it). */
  readonly mlmHead: boolean;
  /** Whether the MLM decoder is separate from the word embeddings. */
  readonly untiedDecoder: boolean;
  /**
   * Standard deviation of the word-embedding table: the one statistic of the weights the model
   * owner publishes (a stated, minimal disclosure), so the data owner can scale its random
   * projection as BBT does without holding the weights.
   */
  readonly embeddingStd: number;
}

/** Standard deviation of the word-embedding table of `w`. */
export function hfEmbeddingStd(w: HfWeights): number {
  const e = w.wordEmbeddings;
  let s = 0, s2 = 0;
  for (const v of e) {
    s += v;
    s2 += v * v;
  }
  return Math.sqrt(Math.max(0, s2 / e.length - (s / e.length) ** 2));
}

/** The model owner's public description of `w` (JSON-serialisable). */
export function hfPublicModel(w: HfWeights): Record<string, unknown> {
  const h = w.mlmHead;
  const untied = h?.decoder != null && h.decoder.some((v, i) => v !== w.wordEmbeddings[i]);
  return {
    config: hfConfigToJson(w.config),
    mlmHead: h != null,
    untiedDecoder: untied,
    embeddingStd: hfEmbeddingStd(w),
  };
}

/** Validates a public model description received from the model owner. */
export function parseHfPublicModel(x: unknown): HfPublicModel {
  const m = x as Record<string, unknown> | null;
  if (typeof m?.mlmHead !== "boolean" || typeof m?.untiedDecoder !== "boolean") {
    throw new Error("bad model description from the model owner: mlmHead/untiedDecoder");
  }
  const std = m.embeddingStd;
  if (typeof std !== "number" || !(std > 0) || !Number.isFinite(std)) {
    throw new Error("bad model description from the model owner: embeddingStd");
  }
  return {
    config: parseHfConfig(m.config, "the model owner's description"),
    mlmHead: m.mlmHead,
    untiedDecoder: m.untiedDecoder,
    embeddingStd: std,
  };
}

const isCount = (v: unknown, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/** Validates a batch spec received from the data owner (against the public config). */
export function parseHfBatchSpec(x: unknown, config: HfConfig): HfBatchSpec {
  const bad = (why: string): never => {
    throw new Error(`malformed command from the data owner: ${why}`);
  };
  const s = (x ?? {}) as Record<string, any>;
  if (!isCount(s.texts, 1 << 20)) bad("spec.texts");
  if (!isCount(s.textSeq, config.maxPositionEmbeddings)) bad("spec.textSeq");
  const counts = (v: unknown, n: number, max: number, what: string): number[] => {
    if (!Array.isArray(v) || v.length !== n || !v.every((y) => isCount(y, max))) {
      bad(`${what} must hold ${n} numbers ≤ ${max}`);
    }
    return v as number[];
  };
  const textLengths = counts(s.textLengths, s.texts, s.textSeq, "spec.textLengths");
  const h = s.head ?? {};
  let head: HfHeadSpec;
  if (h.kind === "mlm") {
    const maskAt = counts(h.maskAt, s.texts, Math.max(0, s.textSeq - 1), "spec.head.maskAt");
    if (!Array.isArray(h.verbalizer) || h.verbalizer.length < 2) {
      bad("spec.head.verbalizer must hold a token id per class (≥ 2)");
    }
    const verbalizer = counts(
      h.verbalizer,
      h.verbalizer.length,
      config.vocabSize - 1,
      "spec.head.verbalizer",
    );
    head = { kind: "mlm", maskAt, verbalizer };
  } else if (h.kind === "cosine") {
    if (!isCount(h.labelSeq, config.maxPositionEmbeddings)) bad("spec.head.labelSeq");
    if (!Array.isArray(h.labelLengths) || h.labelLengths.length < 2) {
      bad("spec.head.labelLengths must hold a length per class (≥ 2)");
    }
    const labelLengths = counts(
      h.labelLengths,
      h.labelLengths.length,
      h.labelSeq,
      "spec.head.labelLengths",
    );
    if (h.scale !== undefined && (typeof h.scale !== "number" || !Number.isFinite(h.scale))) {
      bad("spec.head.scale");
    }
    head = { kind: "cosine", labelSeq: h.labelSeq, labelLengths, scale: h.scale };
  } else return bad(`spec.head.kind must be "mlm" or "cosine"`);
  if (s.deep !== undefined && typeof s.deep !== "boolean") bad("spec.deep must be true or false");
  return {
    texts: s.texts,
    textSeq: s.textSeq,
    textLengths,
    head,
    ...(s.deep ? { deep: true } : {}),
  };
}

/**
 * One party's side of the HF job: the public model, the attention every party runs, and on the
 * model owner the weights.
 */
export function hfJob(
  model: HfPublicModel,
  attention: LayerAttention,
  weights?: HfWeights,
): Job<HfBatchSpec, HfBatchInputs, HfPreparedBatch> {
  return {
    async share(be) {
      const shared = await shareHfModel(
        be,
        model.config,
        be.is("modelOwner") ? weights : undefined,
        {
          mlmHead: model.mlmHead,
          untiedDecoder: model.untiedDecoder,
        },
      );
      const steps: SharedModel<HfBatchSpec, HfBatchInputs, HfPreparedBatch> = {
        parseSpec: (spec) => parseHfBatchSpec(spec, model.config),
        prepare: (spec, inputs) => hfPrepareBatch(be, shared, spec, inputs, attention),
        evaluate: (batch, shape, prompts) =>
          hfEvaluatePrompts(be, shared, batch, shape, prompts, attention),
      };
      return steps;
    },
  };
}

/**
 * Every party's side of the HF job: `weights` on the model owner (ignored elsewhere), the same
 * `attention` on every party. In one process pass the loaded weights to every party; deployed, only
 * the model owner's process loads the checkpoint.
 */
export function hfJobSetup(
  attention: LayerAttention,
  weights?: HfWeights,
): JobSetup<HfBatchSpec, HfBatchInputs, HfPreparedBatch> {
  return (_announced, role) => {
    if (role.modelOwner && weights === undefined) {
      throw new Error("the model owner's HF job needs the checkpoint's weights");
    }
    return {
      publicModel: role.modelOwner ? hfPublicModel(weights!) : undefined,
      job: (pub) =>
        hfJob(parseHfPublicModel(pub), attention, role.modelOwner ? weights : undefined),
    };
  };
}
