/**
 * The two SPMD steps of a prompt-tuning job on a HF BERT/RoBERTa model, the twins of
 * `secure/steps.ts` (USE-lite): {@link hfPrepareBatch} once per batch of texts (secure token rows
 * of the texts and, for the cosine head, the label embeddings) and {@link hfEvaluatePrompts} once
 * per CMA-ES generation (P prompts × T texts in one forward, opening only the C logits of each
 * (prompt, text) to the data owner).
 *
 * Two classification heads:
 * - `mlm`: the MLM head at each text's mask slot, restricted to the verbalizer tokens (one per
 *   class), as BBT and SecP-Tuning use RoBERTa-large. The mask slot of each text and the
 *   verbalizer ids are **public** (the template is public and the lengths are visible anyway);
 *   the label words are thus known to the computing parties.
 * - `cosine`: scale · cos(mean-pooled text, mean-pooled label text), as the USE-lite path does;
 *   the label texts stay private.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { l2normalize } from "../common/layers.ts";
import { layerPromptRows } from "../common/prompt_rows.ts";
import type { BatchLayout } from "../common/packing.ts";
import type { LayerAttention } from "./layer.ts";
import {
  hfEncodeSecure,
  hfInsertPromptSecure,
  hfMeanPoolSecure,
  hfMlmLogitsSecure,
  hfTokenRowsSecure,
  type SecureHfModel,
} from "./secure.ts";

/** Classification head of a batch (public). */
export type HfHeadSpec =
  | {
    readonly kind: "mlm";
    /** Index of the mask token in each text (before the prompt is inserted). */
    readonly maskAt: readonly number[];
    /** Token id of each class's label word. */
    readonly verbalizer: readonly number[];
  }
  | {
    readonly kind: "cosine";
    /** Padded label-text length. */
    readonly labelSeq: number;
    /** Real tokens per label text (one text per class). */
    readonly labelLengths: readonly number[];
    /** Logit scale (default 1). */
    readonly scale?: number;
  };

/** Public description of a batch (sent to every party by the data owner). */
export interface HfBatchSpec {
  /** Texts T. */
  readonly texts: number;
  /** Padded text length. */
  readonly textSeq: number;
  /** Real tokens per text. */
  readonly textLengths: readonly number[];
  /** The head. */
  readonly head: HfHeadSpec;
  /**
   * Deep prompts (absent: false): each prompt is `[L, K·d]`, the rows of all K layers side by side
   * (the embedding layer's d columns first), and layer l ≥ 1's rows replace the hidden states of
   * the prompt positions at that layer's input.
   */
  readonly deep?: boolean;
}

/** Private inputs of the data owner for a batch (undefined on other parties). */
export interface HfBatchInputs {
  /** Token ids of each text (special tokens and, for `mlm`, the mask token included). */
  readonly textIds: readonly (readonly number[])[];
  /** Token ids of each label text (`cosine` head). */
  readonly labelIds?: readonly (readonly number[])[];
}

/** What every party keeps of a prepared batch. */
export interface HfPreparedBatch {
  /** The public spec. */
  readonly spec: HfBatchSpec;
  /** `[T, S, d]` shared `word[id] + tokenType` rows of the texts. */
  readonly textRows: Shared;
  /** `[d, C]` normalised label embeddings, transposed (`cosine` head only). */
  readonly labelsT: Shared | null;
}

/** Number of classes of a head. */
export function hfClasses(head: HfHeadSpec): number {
  return head.kind === "mlm" ? head.verbalizer.length : head.labelLengths.length;
}

/** Secure token rows of the batch's texts and, for the cosine head, the label embeddings. */
export async function hfPrepareBatch(
  be: SecretBackend,
  model: SecureHfModel,
  spec: HfBatchSpec,
  inputs: HfBatchInputs | undefined,
  attention: LayerAttention = { kind: "softmax" },
): Promise<HfPreparedBatch> {
  return await be.scope("prepare", async () => {
    const textRows = await hfTokenRowsSecure(
      be,
      model,
      inputs ? { ids: inputs.textIds } : undefined,
      [spec.texts, spec.textSeq],
    );
    const head = spec.head;
    if (head.kind === "mlm") return { spec, textRows, labelsT: null };
    const C = head.labelLengths.length;
    if (inputs && (!inputs.labelIds || inputs.labelIds.length !== C)) {
      throw new RangeError(`hfPrepareBatch: the cosine head needs ${C} label texts`);
    }
    const labelsT = await be.scope("labels", async () => {
      const layout: BatchLayout = { batch: C, seq: head.labelSeq, lengths: [...head.labelLengths] };
      const rows = await hfTokenRowsSecure(
        be,
        model,
        inputs ? { ids: inputs.labelIds! } : undefined,
        [C, head.labelSeq],
      );
      const hidden = await hfEncodeSecure(be, model, rows, layout, attention);
      const pooled = await hfMeanPoolSecure(be, hidden, layout);
      return be.transpose(await l2normalize(be, pooled, 1e-12));
    });
    return { spec, textRows, labelsT };
  });
}

/**
 * Logits `[P·T, C]` (prompt-major) of P prompts `[P, L, d]` (data owner's input, inserted after
 * the first token) on every text of a prepared batch, opened to the data owner only (other
 * parties get `undefined`).
 */
export async function hfEvaluatePrompts(
  be: SecretBackend,
  model: SecureHfModel,
  state: HfPreparedBatch,
  promptShape: [number, number],
  prompts: FloatTensor | undefined,
  attention: LayerAttention = { kind: "softmax" },
): Promise<FloatTensor | undefined> {
  return await be.scope("evaluate", async () => {
    const [P, L] = promptShape;
    const { texts: T, textSeq: S, textLengths, head } = state.spec;
    const d = model.config.hiddenSize;
    const K = state.spec.deep ? model.layers.length : 1;
    const all = await be.input("dataOwner", prompts, [P, L, K * d]);
    const { first: p, later } = K > 1
      ? layerPromptRows(be, all, Array(K).fill(d), T)
      : { first: all, later: [] };
    const layout: BatchLayout = { batch: T, seq: S, lengths: [...textLengths] };
    const ins = hfInsertPromptSecure(be, model, state.textRows, layout, p, 1);
    const deep = K > 1 ? { rows: later, at: 1 } : undefined;
    const hidden = await hfEncodeSecure(be, model, ins.rows, ins.layout, attention, deep);
    let logits: Shared;
    if (head.kind === "mlm") {
      const at = Array.from({ length: P * T }, (_, i) => {
        const m = head.maskAt[i % T];
        return m >= 1 ? m + L : m;
      });
      logits = await hfMlmLogitsSecure(be, model, hidden, at, head.verbalizer);
    } else {
      logits = await be.scope("logits", async () => {
        const pooled = await hfMeanPoolSecure(be, hidden, ins.layout);
        const emb = await l2normalize(be, pooled, 1e-12);
        const cos = await be.matmul(emb, state.labelsT!);
        const s = head.scale ?? 1;
        return s === 1 ? cos : await be.mulPublic(cos, s);
      });
    }
    return await be.reveal(logits, "dataOwner");
  });
}
