/**
 * The two SPMD steps of a tuning job, run by every party with its own backend: `prepareBatch`
 * (once per batch of texts: secure token embeddings of the texts, and the label-text embeddings)
 * and `evaluatePrompts` (once per CMA-ES generation: the whole population on the batch, opening
 * only the C logits of each (prompt, text) to the data owner).
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import { embedTokens, encode, type SecureUseLite } from "./secure.ts";
import type { BatchLayout } from "../common/packing.ts";
import type { ModelOps } from "./ops.ts";
import type { UseLiteConfig } from "./config.ts";
import { layerPromptRows } from "../common/prompt_rows.ts";

/** Widths of a deep prompt's rows per layer: `embedDim`, then each later layer's `inputDim`. */
export function useLitePromptWidths(config: UseLiteConfig): number[] {
  return [config.embedDim, ...config.layers.slice(1).map((l) => l.inputDim)];
}

/** Public description of a prepared batch (sent to every party by the data owner). */
export interface BatchSpec {
  /** Texts T. */
  texts: number;
  /** Padded text length. */
  textSeq: number;
  /** Real tokens per text. */
  textLengths: number[];
  /** Classes C. */
  classes: number;
  /** Padded label-text length. */
  labelSeq: number;
  /** Real tokens per label text. */
  labelLengths: number[];
  /**
   * Deep prompts (absent: false): each prompt is `[L, ΣW]`, the rows of every layer side by side
   * (layer 0's `embedDim` columns first, then each later layer's `inputDim`), and layer l ≥ 1's
   * rows replace the hidden states of the prompt positions at that layer's input.
   */
  deep?: boolean;
}

/** Private inputs of the data owner for a batch (undefined on other parties). */
export interface BatchInputs {
  /** Token ids of each text. */
  textIds: number[][];
  /** Token ids of each label text. */
  labelIds: number[][];
}

/** What every party keeps of a prepared batch. */
export interface PreparedState {
  /** The public spec. */
  spec: BatchSpec;
  /** `[T, S, E]` shared token terms `2·E[id]` of the texts. */
  textRows: Shared;
  /** `[outputDim, C]` shared normalised label embeddings, transposed. */
  labelsT: Shared;
}

/** Secure embeddings of the batch's texts and of the label texts (prompt-independent: cached). */
export async function prepareBatch(
  be: SecretBackend,
  model: SecureUseLite,
  spec: BatchSpec,
  inputs: BatchInputs | undefined,
  ops: ModelOps,
): Promise<PreparedState> {
  return await be.scope("prepare", async () => {
    const textRows = await embedTokens(be, model, inputs?.textIds, [spec.texts, spec.textSeq]);
    const labelRows = await embedTokens(be, model, inputs?.labelIds, [spec.classes, spec.labelSeq]);
    const layout: BatchLayout = {
      batch: spec.classes,
      seq: spec.labelSeq,
      lengths: spec.labelLengths,
    };
    const labels = await be.scope("labels", () => encode(be, model, labelRows, layout, ops));
    return { spec, textRows, labelsT: be.transpose(labels) };
  });
}

/**
 * Logits of P prompts `[P, L, E]` (data owner's input; `[P, L, ΣW]` for a deep batch, see
 * {@link BatchSpec.deep}) on every text of a prepared batch: cosine of each prompted text's
 * embedding with each label embedding, `[P·T, C]`, opened to the data owner only (other parties
 * get `undefined`).
 */
export async function evaluatePrompts(
  be: SecretBackend,
  model: SecureUseLite,
  state: PreparedState,
  promptShape: [number, number],
  prompts: FloatTensor | undefined,
  ops: ModelOps,
): Promise<FloatTensor | undefined> {
  return await be.scope("evaluate", async () => {
    const [P, L] = promptShape;
    const { texts: T, textSeq: S, textLengths } = state.spec;
    const E = model.config.embedDim;
    const widths = state.spec.deep ? useLitePromptWidths(model.config) : [E];
    const W = widths.reduce((a, b) => a + b, 0);
    const all = await be.input("dataOwner", prompts, [P, L, W]);
    const { first: p, later } = widths.length > 1
      ? layerPromptRows(be, all, widths, T)
      : { first: all, later: undefined };
    const pb = be.broadcastTo(be.reshape(p, [P, 1, L, E]), [P, T, L, E]);
    const tb = be.broadcastTo(be.reshape(state.textRows, [1, T, S, E]), [P, T, S, E]);
    const x0 = be.reshape(be.concat([pb, tb], 2), [P * T, L + S, E]);
    const lengths = Array.from({ length: P * T }, (_, i) => L + textLengths[i % T]);
    const emb = await encode(be, model, x0, { batch: P * T, seq: L + S, lengths }, ops, later);
    const logits = await be.scope("logits", () => be.matmul(emb, state.labelsT));
    return await be.reveal(logits, "dataOwner");
  });
}

/**
 * Sentence embeddings `[B, outputDim]` of token-id texts (data owner's input), optionally with a
 * soft prompt `[L, E]` (data owner's input, prepended to every text; `[L, ΣW]` with `deep`, see
 * {@link BatchSpec.deep}), opened to the data owner: the secure twin of the reference
 * `forward(...).embeddings`, used by tests and benchmarks.
 */
export async function embedSecure(
  be: SecretBackend,
  model: SecureUseLite,
  layout: BatchLayout,
  ids: number[][] | undefined,
  ops: ModelOps,
  prompt?: { length: number; rows: FloatTensor | undefined; deep?: boolean },
): Promise<FloatTensor | undefined> {
  return await be.scope("embed-texts", async () => {
    const B = layout.batch, E = model.config.embedDim;
    let rows = await embedTokens(be, model, ids, [B, layout.seq]);
    let full = layout;
    let later: Shared[] | undefined;
    if (prompt && prompt.length > 0) {
      const L = prompt.length;
      const widths = prompt.deep ? useLitePromptWidths(model.config) : [E];
      const W = widths.reduce((a, b) => a + b, 0);
      const all = await be.input("dataOwner", prompt.rows, [L, W]);
      const split = layerPromptRows(be, be.reshape(all, [1, L, W]), widths, B);
      if (widths.length > 1) later = split.later;
      const pb = be.broadcastTo(be.reshape(split.first, [1, L, E]), [B, L, E]);
      rows = be.concat([pb, rows], 1);
      full = { batch: B, seq: L + layout.seq, lengths: layout.lengths.map((n) => n + L) };
    }
    const emb = await encode(be, model, rows, full, ops, later);
    return await be.reveal(emb, "dataOwner");
  });
}
