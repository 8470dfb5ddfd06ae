/**
 * The Hugging Face BERT/RoBERTa encoder of `reference.ts` under any `SecretBackend` (`plain`,
 * `2pc`, `3pc`): the model owner secret-shares the weights, the data owner its token ids (and soft
 * prompts), and nothing is opened except what the caller reveals, to the data owner.
 *
 * - **Embeddings.** The data owner shares, per position, a one-hot row over `[vocab | token types]`
 *   (1 at the token id and 1 at `vocab + type`); one fixed-operand product with the model owner's
 *   stacked `[word; tokenType]` table gives `word[id] + tokenType[type]`, so neither ids nor types
 *   nor the table are revealed (cost grows with the vocabulary, as in the USE-lite path). Position
 *   rows are public indices into the shared position table (a local slice). Then the embedding
 *   LayerNorm (`@secp/protocols`' `layerNorm`).
 * - **Layers.** `robertaLayerForward` of `hf/layer.ts` (post-LN, softmax or RFA
 *   attention scaled by 1/√headDim with the public padding mask, GELU by `geluAccurate`): the
 *   HF weights are exactly its `RobertaLayerWeights`. Only W is prepared for products.
 * - **Layout.** `[B, S]` padded batch, padding at the end of each text; the number of tokens of
 *   each text is visible to the computing parties (as in the USE-lite path). RoBERTa positions
 *   are `padding_idx + 1 + t` for the t-th real position, as in the reference for unpadded texts.
 * - **Soft prompt.** L rows (data owner's input) inserted after the first token, plus the
 *   token-type-0 row, exactly like the reference.
 * - **Pooling.** Mean over the real positions (prompt rows and special tokens included).
 *
 * Error vs the float64 reference: the fixed-point error of the protocols plus the approximations
 * of GELU (`geluAccurate`: ≤ 3e−4 on the GELU itself vs exact erf) and of exp (the limit with 8
 * squarings) in softmax; `hfForward(w, ids, {gelu: "accurate", expIters: 8})` computes the same
 * function in float64. A `gelu_new` (tanh-form) checkpoint is evaluated with the erf form too;
 * the two differ by ≤ 1e−3 per GELU.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import { geluAccurate, layerNorm } from "@secp/protocols";
import type { FixedOperand, SecretBackend, Shared } from "@secp/sharing";
import { denseForward, type SecureDense } from "../common/layers.ts";
import { type BatchLayout, maskOf } from "../common/packing.ts";
import { replacePaddedPromptRows } from "../common/prompt_rows.ts";
import {
  type ForwardRobertaLayer,
  type LayerAttention,
  prepareForwardLayer,
  type RobertaLayerConfig,
  robertaLayerForward,
  shareRobertaLayer,
} from "./layer.ts";
import type { HfConfig } from "./config.ts";
import type { HfWeights } from "./weights.ts";

/** Shared MLM head (verbalizer logits). */
export interface SecureHfMlmHead {
  /** Transform dense. */
  readonly dense: SecureDense;
  /** Transform LayerNorm. */
  readonly ln: { gamma: Shared; beta: Shared };
  /** Decoder `[V, d]` (the word table when tied). */
  readonly decoder: Shared;
  /** Output bias `[V]`. */
  readonly bias: Shared;
}

/** The model as held by one party: shares of every weight (phantoms on non-computing parties). */
export interface SecureHfModel {
  /** Shapes and constants (public). */
  readonly config: HfConfig;
  /** Layer shape for `robertaLayerForward`. */
  readonly layerConfig: RobertaLayerConfig;
  /** Stacked `[word; tokenType]` table `[V + T, d]`, prepared for the one-hot product. */
  readonly table: FixedOperand;
  /** Token-type table `[T, d]` (rows of `table`). */
  readonly tokenTypes: Shared;
  /** Position table `[P, d]`. */
  readonly positions: Shared;
  /** Embedding LayerNorm. */
  readonly embLn: { gamma: Shared; beta: Shared };
  /** Encoder layers, W prepared. */
  readonly layers: readonly ForwardRobertaLayer[];
  /** MLM head, if shared. */
  readonly mlmHead: SecureHfMlmHead | null;
}

/** Options of {@link shareHfModel} (public: every party passes the same). */
export interface ShareHfOptions {
  /** Also share the MLM head (the checkpoint must have one). Default false. */
  readonly mlmHead?: boolean;
  /** The MLM decoder differs from the word embeddings: share it separately. Default false. */
  readonly untiedDecoder?: boolean;
}

/** The layer shape `robertaLayerForward` takes for this config. */
export function hfLayerConfig(c: HfConfig): RobertaLayerConfig {
  return { hidden: c.hiddenSize, heads: c.numHeads, ffn: c.intermediateSize, eps: c.layerNormEps };
}

/**
 * Secret-shares the model owner's weights (only the model owner passes `weights`; every party
 * passes the public `config` and `opts`) and prepares every matrix for repeated products.
 */
export async function shareHfModel(
  be: SecretBackend,
  config: HfConfig,
  weights: HfWeights | undefined,
  opts: ShareHfOptions = {},
): Promise<SecureHfModel> {
  return await be.scope("weights", async () => {
    const mine = be.is("modelOwner");
    if (mine && !weights) throw new Error("shareHfModel: the model owner must pass the weights");
    if (mine && opts.mlmHead && !weights!.mlmHead) {
      throw new Error("shareHfModel: `mlmHead: true` but the checkpoint has no MLM head");
    }
    const c = config, d = c.hiddenSize, V = c.vocabSize, T = c.typeVocabSize;
    const inp = (v: () => Float64Array, shape: number[]) =>
      be.input("modelOwner", mine ? new FloatTensor(v(), shape) : undefined, shape);
    const lc = hfLayerConfig(c);
    const stacked = await be.scope("embeddings", async () => {
      const s = await inp(() => {
        const t = new Float64Array((V + T) * d);
        t.set(weights!.wordEmbeddings);
        t.set(weights!.tokenTypeEmbeddings, V * d);
        return t;
      }, [V + T, d]);
      return { shared: s, fixed: await be.fixed(s) };
    });
    const positions = await inp(() => weights!.positionEmbeddings, [c.maxPositionEmbeddings, d]);
    const embLn = {
      gamma: await inp(() => weights!.embLnGamma, [d]),
      beta: await inp(() => weights!.embLnBeta, [d]),
    };
    const layers: ForwardRobertaLayer[] = [];
    for (let l = 0; l < c.numLayers; l++) {
      layers.push(
        await be.scope(
          `layer${l}`,
          async () => prepareForwardLayer(be, await shareRobertaLayer(be, lc, weights?.layers[l])),
        ),
      );
    }
    let mlmHead: SecureHfMlmHead | null = null;
    if (opts.mlmHead) {
      mlmHead = await be.scope("mlm-head", async () => {
        const h = weights?.mlmHead;
        const w = await inp(() => h!.denseW, [d, d]);
        let decoder = be.slice(stacked.shared, 0, 0, V);
        if (opts.untiedDecoder) {
          decoder = await inp(() => h!.decoder ?? weights!.wordEmbeddings, [V, d]);
        } else if (
          mine && h!.decoder && h!.decoder.some((v, i) => v !== weights!.wordEmbeddings[i])
        ) {
          throw new Error(
            "shareHfModel: the MLM decoder is not tied: share with `untiedDecoder: true`",
          );
        }
        return {
          dense: { w: await be.fixed(w), b: await inp(() => h!.denseB, [d]) },
          ln: { gamma: await inp(() => h!.lnGamma, [d]), beta: await inp(() => h!.lnBeta, [d]) },
          decoder,
          bias: await inp(() => h!.bias, [V]),
        };
      });
    }
    return {
      config: c,
      layerConfig: lc,
      table: stacked.fixed,
      tokenTypes: be.slice(stacked.shared, 0, V, V + T),
      positions,
      embLn,
      layers,
      mlmHead,
    };
  });
}

/** The data owner's private inputs for a batch of texts. */
export interface HfTextInputs {
  /** Token ids per text (special tokens included), at most the layout's padded length. */
  readonly ids: readonly (readonly number[])[];
  /** Segment ids per text (default all 0). */
  readonly tokenTypeIds?: readonly (readonly number[])[];
}

/**
 * `word[id] + tokenType[type]` rows `[B, S, d]` of the data owner's texts (zeros at padding), by
 * the one-hot × stacked-table product: prompt-independent, so a tuning loop computes it once per
 * batch. `inputs` only on the data owner.
 */
export async function hfTokenRowsSecure(
  be: SecretBackend,
  model: SecureHfModel,
  inputs: HfTextInputs | undefined,
  shape: [number, number],
): Promise<Shared> {
  return await be.scope("embed", async () => {
    const [B, S] = shape;
    const c = model.config, V = c.vocabSize, T = c.typeVocabSize, W = V + T;
    let onehot: FloatTensor | undefined;
    if (be.is("dataOwner")) {
      if (!inputs || inputs.ids.length !== B) {
        throw new RangeError(`hfTokenRowsSecure: expected ${B} texts`);
      }
      const m = new Float64Array(B * S * W);
      inputs.ids.forEach((row, b) => {
        if (row.length > S) {
          throw new RangeError(`hfTokenRowsSecure: text ${b} has ${row.length} > ${S} tokens`);
        }
        const types = inputs.tokenTypeIds?.[b];
        row.forEach((id, s) => {
          const t = types?.[s] ?? 0;
          if (!Number.isInteger(id) || id < 0 || id >= V) {
            throw new RangeError(`hfTokenRowsSecure: token id ${id} outside [0, ${V})`);
          }
          if (!Number.isInteger(t) || t < 0 || t >= T) {
            throw new RangeError(`hfTokenRowsSecure: token type ${t} outside [0, ${T})`);
          }
          m[(b * S + s) * W + id] = 1;
          m[(b * S + s) * W + V + t] = 1;
        });
      });
      onehot = new FloatTensor(m, [B * S, W]);
    }
    const oh = await be.input("dataOwner", onehot, [B * S, W]);
    const rows = await be.matmulFixed(oh, model.table);
    return be.reshape(rows, [B, S, c.hiddenSize]);
  });
}

/**
 * Inserts P soft prompts `[P, L, d]` (or one `[L, d]`) after position `at` (default 1) of every
 * text's rows `[B, S, d]`, adding the token-type-0 row to the prompt rows. Returns rows
 * `[P·B, L + S, d]` (prompt-major) and their layout.
 */
export function hfInsertPromptSecure(
  be: SecretBackend,
  model: SecureHfModel,
  rows: Shared,
  layout: BatchLayout,
  prompts: Shared,
  at = 1,
): { rows: Shared; layout: BatchLayout } {
  const [B, S, d] = rows.shape;
  const P = prompts.shape.length === 3 ? prompts.shape[0] : 1;
  const L = prompts.shape.at(-2)!;
  if (layout.lengths.some((n) => n < at)) {
    throw new RangeError(`hfInsertPromptSecure: every text needs ≥ ${at} tokens before the prompt`);
  }
  const typed = be.add(
    be.reshape(prompts, [P, L, d]),
    be.broadcastTo(be.reshape(be.slice(model.tokenTypes, 0, 0, 1), [1, 1, d]), [P, L, d]),
  );
  const pb = be.broadcastTo(be.reshape(typed, [P, 1, L, d]), [P, B, L, d]);
  const tb = be.broadcastTo(be.reshape(rows, [1, B, S, d]), [P, B, S, d]);
  const parts = [be.slice(tb, 2, 0, at), pb];
  if (at < S) parts.push(be.slice(tb, 2, at, S));
  const out = be.reshape(be.concat(parts, 2), [P * B, L + S, d]);
  const lengths = Array.from({ length: P * B }, (_, i) => L + layout.lengths[i % B]);
  return { rows: out, layout: { batch: P * B, seq: L + S, lengths } };
}

/**
 * The encoder from embedding rows `[B, S, d]` (token rows, prompts inserted) to the last hidden
 * states `[B, S, d]`: adds the public-index position rows, the embedding LayerNorm, every layer.
 * With `deep` (a deep prompt: `rows[l−1]` `[B, L, d]` per layer l ≥ 1, inserted at `at`), layer
 * l's rows replace the hidden states of the prompt positions at that layer's input.
 */
export async function hfEncodeSecure(
  be: SecretBackend,
  model: SecureHfModel,
  rows: Shared,
  layout: BatchLayout,
  attention: LayerAttention = { kind: "softmax" },
  deep?: { rows: readonly Shared[]; at: number },
): Promise<Shared> {
  const c = model.config, d = c.hiddenSize, { batch: B, seq: S } = layout;
  if (S > c.maxSequenceLength) {
    throw new RangeError(
      `hfEncodeSecure: ${S} positions exceed the model's ${c.maxSequenceLength}`,
    );
  }
  const off = c.positionOffset;
  const pos = be.reshape(be.slice(model.positions, 0, off, off + S), [1, S, d]);
  const x = be.add(rows, be.broadcastTo(pos, [B, S, d]));
  let h = await be.scope(
    "emb-ln",
    () => layerNorm(be, x, model.embLn.gamma, model.embLn.beta, { eps: c.layerNormEps }),
  );
  const mask = maskOf(layout);
  if (deep && deep.rows.length !== model.layers.length - 1) {
    throw new RangeError(
      `hfEncodeSecure: ${deep.rows.length} layer prompts, expected ${model.layers.length - 1}`,
    );
  }
  for (const [l, layer] of model.layers.entries()) {
    if (l > 0 && deep) h = replacePaddedPromptRows(be, h, deep.rows[l - 1], deep.at);
    h = await be.scope(
      `layer${l}`,
      () => robertaLayerForward(be, h, layer, model.layerConfig, attention, { mask }),
    );
  }
  return h;
}

/** Mean of hidden states `[B, S, d]` over each text's real positions: `[B, d]`. */
export async function hfMeanPoolSecure(
  be: SecretBackend,
  hidden: Shared,
  layout: BatchLayout,
): Promise<Shared> {
  const { batch: B, seq: S } = layout;
  const wts = new Float64Array(B * S);
  layout.lengths.forEach((n, b) => wts.fill(1 / Math.max(n, 1), b * S, b * S + n));
  return be.sum(await be.mulPublic(hidden, new FloatTensor(wts, [B, S, 1])), 1);
}

/**
 * Verbalizer logits of the MLM head `[B, K]`: the hidden row at the public position `at[b]` of
 * each text (e.g. the `<mask>` slot of a template), through the head, against the public
 * `tokenIds` (the label words) only. Shared; reveal as needed.
 */
export async function hfMlmLogitsSecure(
  be: SecretBackend,
  model: SecureHfModel,
  hidden: Shared,
  at: readonly number[],
  tokenIds: readonly number[],
): Promise<Shared> {
  const h = model.mlmHead;
  if (!h) throw new Error("hfMlmLogitsSecure: the model was shared without `mlmHead: true`");
  const [B, S, d] = hidden.shape;
  if (at.length !== B || at.some((p) => !Number.isInteger(p) || p < 0 || p >= S)) {
    throw new RangeError(`hfMlmLogitsSecure: need one position in [0, ${S}) per text`);
  }
  return await be.scope("mlm-head", async () => {
    const rows = be.concat(
      at.map((p, b) => be.reshape(be.slice(be.slice(hidden, 0, b, b + 1), 1, p, p + 1), [1, d])),
      0,
    );
    const t = await be.scope(
      "gelu",
      async () => geluAccurate(be, await denseForward(be, rows, h.dense)),
    );
    const n = await be.scope(
      "ln",
      () => layerNorm(be, t, h.ln.gamma, h.ln.beta, { eps: model.config.layerNormEps }),
    );
    const V = model.config.vocabSize;
    for (const id of tokenIds) {
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new RangeError(`hfMlmLogitsSecure: token id ${id} outside [0, ${V})`);
      }
    }
    const dec = be.concat(tokenIds.map((id) => be.slice(h.decoder, 0, id, id + 1)), 0);
    const bias = be.concat(tokenIds.map((id) => be.slice(h.bias, 0, id, id + 1)), 0);
    const logits = await be.matmul(n, be.transpose(dec));
    return be.add(logits, be.broadcastTo(be.reshape(bias, [1, tokenIds.length]), logits.shape));
  });
}

/** Options of {@link hfForwardSecure}. */
export interface HfSecureForwardOptions {
  /** Soft prompt of `length` rows; `rows` `[length, d]` on the data owner only. */
  readonly prompt?: { readonly length: number; readonly rows: FloatTensor | undefined };
  /** Insert the prompt after this many tokens (default 1). */
  readonly promptAt?: number;
  /** Attention under MPC (default softmax, the original model). */
  readonly attention?: LayerAttention;
  /** What to open to the data owner (default `pooled`). */
  readonly reveal?: "pooled" | "hidden" | "both";
}

/** What the data owner receives from {@link hfForwardSecure}. */
export interface HfSecureForwardResult {
  /** `[B, d]` mean-pooled embeddings (if revealed). */
  readonly pooled?: FloatTensor;
  /** `[B, S, d]` last hidden states, padded layout (if revealed). */
  readonly hidden?: FloatTensor;
}

/**
 * The secure twin of `hfForward`: texts (data owner's input) with an optional soft prompt through
 * the shared model; opens only the requested outputs, to the data owner (others get `undefined`).
 * `layout` (public) is the padded batch without the prompt.
 */
export async function hfForwardSecure(
  be: SecretBackend,
  model: SecureHfModel,
  layout: BatchLayout,
  inputs: HfTextInputs | undefined,
  opts: HfSecureForwardOptions = {},
): Promise<HfSecureForwardResult | undefined> {
  return await be.scope("hf-forward", async () => {
    let rows = await hfTokenRowsSecure(be, model, inputs, [layout.batch, layout.seq]);
    let full = layout;
    if (opts.prompt && opts.prompt.length > 0) {
      const p = await be.input("dataOwner", opts.prompt.rows, [
        opts.prompt.length,
        model.config.hiddenSize,
      ]);
      ({ rows, layout: full } = hfInsertPromptSecure(be, model, rows, layout, p, opts.promptAt));
    }
    const hidden = await hfEncodeSecure(be, model, rows, full, opts.attention);
    const what = opts.reveal ?? "pooled";
    const out: { pooled?: FloatTensor; hidden?: FloatTensor } = {};
    if (what !== "hidden") {
      out.pooled = await be.reveal(await hfMeanPoolSecure(be, hidden, full), "dataOwner");
    }
    if (what !== "pooled") out.hidden = await be.reveal(hidden, "dataOwner");
    return be.is("dataOwner") ? out : undefined;
  });
}
