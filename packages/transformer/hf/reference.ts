/**
 * Float64 forward pass of a Hugging Face BERT/RoBERTa encoder, as `BertModel` / `RobertaModel`
 * compute it in eval mode:
 *
 *   x₀ = LN_emb(word[id] + position[pos] + tokenType[type])
 *   per layer (post-LayerNorm): h = LN₁(x + Attn(x)·W_o + b_o);  x = LN₂(h + GELU(h·W₁ + b₁)·W₂ + b₂)
 *
 * with softmax attention scaled by 1/√headDim, keys masked by the attention mask (HF's default
 * mask is all ones), exact erf GELU (or the tanh form for `gelu_new`-style configs). Positions:
 * BERT uses 0, 1, …; RoBERTa uses `padding_idx + 1 + (number of non-pad tokens before)` and
 * `padding_idx` at pad tokens, as `create_position_ids_from_input_ids` does.
 *
 * **Soft prompt.** L prompt rows are inserted at index `promptAt` (default 1: after `[CLS]`/`<s>`).
 * A prompt row takes the place of a word embedding: it gets the position and token-type-0
 * embeddings of its slot and goes through the embedding LayerNorm like a token (as when a prompt is
 * passed through `inputs_embeds`); the text after it moves L positions on. So prompt rows
 * `hfPromptFromTokenIds(w, ids)` reproduce the model run on the text with `ids` inserted.
 *
 * **Outputs.** `hidden`: the last layer's states, one `[n × d]` array per text; `pooled`: the
 * sentence embedding, the **mean of the last hidden states over the attended positions** (mask 1:
 * special tokens and prompt rows included, padding excluded: sentence-transformers' mean pooling);
 * `poolerOutput`: BERT's `tanh(h[0]·W + b)` when the checkpoint has a pooler.
 *
 * @module
 */
import { geluAccuratePoly, geluExact, geluPuma } from "@secp/protocols";
import { layerNormRows, matmulBias } from "../common/linalg.ts";
import type { HfWeights } from "./weights.ts";

/**
 * GELU form: exact erf, tanh approximation, or the polynomial a secure protocol evaluates
 * (`accurate`: `geluAccurate`, the secure model's GELU; `puma`: PUMA's polynomial).
 */
export type HfGeluKind = "erf" | "tanh" | "accurate" | "puma";

/** Options of {@link hfForward}. */
export interface HfForwardOptions {
  /** Segment ids per text (default all 0). */
  readonly tokenTypeIds?: readonly (readonly number[])[];
  /** 0/1 attention mask per text, as `transformers` takes it (default all 1). */
  readonly attentionMask?: readonly (readonly number[])[];
  /** Soft prompt, L rows of d: one flat `[L × d]` array or L arrays. */
  readonly prompt?: Float64Array | readonly Float64Array[];
  /** Index the prompt rows are inserted at (default 1, after `[CLS]`/`<s>`). */
  readonly promptAt?: number;
  /**
   * Deep prompt (BBTv2-style): entry l−1 holds the L rows (flat `[L × d]`) that replace the hidden
   * states of the prompt positions at the input of layer l ≥ 1; `prompt` gives the embedding
   * layer's rows. One entry per layer after the first; needs `prompt`.
   */
  readonly layerPrompts?: readonly Float64Array[];
  /**
   * GELU form (default: the config's `hidden_act`: erf for `gelu`, tanh for `gelu_new` & co.);
   * `accurate` (the secure model's `geluAccurate`) isolates the MPC protocol's approximation from
   * its fixed-point error.
   */
  readonly gelu?: HfGeluKind;
  /**
   * Attention exp by the limit `(1 + x/2^n)^(2^n)` with n = `expIters` (what the secure softmax
   * evaluates, n = 8 there) instead of `Math.exp`. With `gelu: "accurate"` and `expIters: 8` this
   * is the function the MPC forward computes, up to its fixed-point error.
   */
  readonly expIters?: number;
}

/** Result of {@link hfForward}. */
export interface HfForwardResult {
  /** Last hidden states, `[n × d]` per text (n = its length, prompt included). */
  readonly hidden: Float64Array[];
  /** Mean of the last hidden states over the attended positions, d per text. */
  readonly pooled: Float64Array[];
  /** Positions per text (prompt included). */
  readonly lengths: number[];
  /** `tanh(h[0]·W_pool + b_pool)` per text, when the checkpoint has a pooler. */
  readonly poolerOutput?: Float64Array[];
}

/** GELU of one value in the given form. */
export function hfGelu(x: number, kind: HfGeluKind): number {
  if (kind === "erf") return geluExact(x);
  if (kind === "accurate") return geluAccuratePoly(x);
  if (kind === "puma") return geluPuma(x);
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** The config's GELU form. */
export function hfConfigGelu(w: HfWeights): HfGeluKind {
  return w.config.hiddenAct === "gelu" ? "erf" : "tanh";
}

/** Word-embedding rows `E[id]`: a soft prompt equal to inserting those tokens. */
export function hfPromptFromTokenIds(w: HfWeights, ids: readonly number[]): Float64Array {
  const d = w.config.hiddenSize;
  const out = new Float64Array(ids.length * d);
  ids.forEach((id, p) => {
    checkId(id, w.config.vocabSize, "prompt", p);
    out.set(w.wordEmbeddings.subarray(id * d, (id + 1) * d), p * d);
  });
  return out;
}

function checkId(id: number, rows: number, what: string, p: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= rows) {
    throw new RangeError(`hfForward: ${what} position ${p}: id ${id} outside [0, ${rows})`);
  }
}

function flatPrompt(
  p: HfForwardOptions["prompt"],
  d: number,
): { data: Float64Array; rows: number } {
  if (p === undefined) return { data: new Float64Array(0), rows: 0 };
  if (p instanceof Float64Array) {
    if (p.length % d !== 0) {
      throw new RangeError(`hfForward: prompt length ${p.length} is not a multiple of d = ${d}`);
    }
    return { data: p, rows: p.length / d };
  }
  const data = new Float64Array(p.length * d);
  p.forEach((r, i) => {
    if (r.length !== d) throw new RangeError(`hfForward: prompt row ${i} has ${r.length} ≠ ${d}`);
    data.set(r, i * d);
  });
  return { data, rows: p.length };
}

/**
 * Embedding-layer input rows of one text (before the embedding LayerNorm), its mask and length:
 * the prompt inserted at `promptAt`, positions as in the module notes.
 */
export function hfEmbeddingRows(
  w: HfWeights,
  ids: readonly number[],
  opts: {
    tokenTypeIds?: readonly number[];
    attentionMask?: readonly number[];
    prompt?: { data: Float64Array; rows: number };
    promptAt?: number;
  } = {},
): { rows: Float64Array; mask: Uint8Array; n: number } {
  const c = w.config, d = c.hiddenSize;
  const L = opts.prompt?.rows ?? 0;
  const at = Math.min(opts.promptAt ?? 1, ids.length);
  const n = ids.length + L;
  if (n > c.maxSequenceLength) {
    throw new RangeError(
      `hfForward: ${n} positions (text ${ids.length} + prompt ${L}) exceed the model's ${c.maxSequenceLength}`,
    );
  }
  for (
    const [name, a] of [["tokenTypeIds", opts.tokenTypeIds], [
      "attentionMask",
      opts.attentionMask,
    ]] as const
  ) {
    if (a && a.length !== ids.length) {
      throw new RangeError(`hfForward: ${name} has ${a.length} entries for ${ids.length} tokens`);
    }
  }
  const rows = new Float64Array(n * d);
  const mask = new Uint8Array(n);
  let seen = 0; // non-pad positions so far (RoBERTa numbering)
  for (let r = 0; r < n; r++) {
    const isPrompt = r >= at && r < at + L;
    const t = r < at ? r : r - L; // index into the text
    const o = r * d;
    let type = 0;
    let pad = false;
    if (isPrompt) {
      rows.set(opts.prompt!.data.subarray((r - at) * d, (r - at + 1) * d), o);
      mask[r] = 1;
    } else {
      const id = ids[t];
      checkId(id, c.vocabSize, "token", t);
      rows.set(w.wordEmbeddings.subarray(id * d, (id + 1) * d), o);
      type = opts.tokenTypeIds?.[t] ?? 0;
      if (!Number.isInteger(type) || type < 0 || type >= c.typeVocabSize) {
        throw new RangeError(`hfForward: token type ${type} outside [0, ${c.typeVocabSize})`);
      }
      mask[r] = (opts.attentionMask?.[t] ?? 1) ? 1 : 0;
      pad = id === c.padTokenId;
    }
    let pos: number;
    if (c.modelType === "roberta") {
      if (pad) pos = c.padTokenId;
      else pos = c.padTokenId + 1 + seen++;
    } else pos = r;
    for (let j = 0; j < d; j++) {
      rows[o + j] += w.positionEmbeddings[pos * d + j] + w.tokenTypeEmbeddings[type * d + j];
    }
  }
  return { rows, mask, n };
}

/**
 * Softmax attention of one text: `qkv` `[n × 3d]` (q│k│v, heads contiguous), keys with mask 0
 * excluded (a row whose keys are all masked attends uniformly, as HF's finite mask gives).
 * Returns the merged heads `[n × d]`.
 */
export function hfAttention(
  qkv: Float64Array,
  n: number,
  d: number,
  heads: number,
  mask: Uint8Array,
  expIters?: number,
): Float64Array {
  const ex = expIters === undefined ? Math.exp : (x: number) => expLimit(x, expIters);
  const dh = d / heads, scale = 1 / Math.sqrt(dh), stride = 3 * d;
  const out = new Float64Array(n * d);
  const s = new Float64Array(n);
  const anyKey = mask.some((m) => m !== 0);
  for (let h = 0; h < heads; h++) {
    const qo = h * dh, ko = d + h * dh, vo = 2 * d + h * dh;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        if (anyKey && !mask[j]) {
          s[j] = -Infinity;
          continue;
        }
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += qkv[i * stride + qo + c] * qkv[j * stride + ko + c];
        s[j] = dot * scale;
        if (s[j] > max) max = s[j];
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        s[j] = s[j] === -Infinity ? 0 : ex(s[j] - max);
        sum += s[j];
      }
      const o = i * d + h * dh;
      for (let j = 0; j < n; j++) {
        const p = s[j] / sum;
        if (p === 0) continue;
        for (let c = 0; c < dh; c++) out[o + c] += p * qkv[j * stride + vo + c];
      }
    }
  }
  return out;
}

/** `(1 + x/2^n)^(2^n)` by n squarings: the MPC exp (0 where 1 + x/2^n ≤ 0 is never reached there). */
export function expLimit(x: number, n: number): number {
  let a = 1 + x / 2 ** n;
  for (let i = 0; i < n; i++) a *= a;
  return a;
}

/**
 * The encoder on each text (ids as the tokenizer gives them, special tokens included). Each text
 * is computed on its own rows (no padding), so results do not depend on the batch.
 */
export function hfForward(
  w: HfWeights,
  ids: readonly (readonly number[])[],
  opts: HfForwardOptions = {},
): HfForwardResult {
  const c = w.config, d = c.hiddenSize, f = c.intermediateSize, eps = c.layerNormEps;
  const gk = opts.gelu ?? hfConfigGelu(w);
  const prompt = flatPrompt(opts.prompt, d);
  const deep = opts.layerPrompts;
  if (deep !== undefined) {
    if (prompt.rows === 0) throw new RangeError("hfForward: layerPrompts need a prompt");
    if (deep.length !== w.layers.length - 1) {
      throw new RangeError(
        `hfForward: ${deep.length} layer prompts, expected ${w.layers.length - 1}`,
      );
    }
    deep.forEach((r, i) => {
      if (r.length !== prompt.rows * d) {
        throw new RangeError(`hfForward: layerPrompts[${i}] has ${r.length} ≠ ${prompt.rows}×${d}`);
      }
    });
  }
  const hidden: Float64Array[] = [], pooled: Float64Array[] = [], lengths: number[] = [];
  const poolerOutput: Float64Array[] = [];
  ids.forEach((text, b) => {
    const { rows: x, mask, n } = hfEmbeddingRows(w, text, {
      tokenTypeIds: opts.tokenTypeIds?.[b],
      attentionMask: opts.attentionMask?.[b],
      prompt,
      promptAt: opts.promptAt,
    });
    layerNormRows(x, n, d, w.embLnGamma, w.embLnBeta, eps, x);
    const qkv = new Float64Array(n * 3 * d), o = new Float64Array(n * d);
    const f1 = new Float64Array(n * f), f2 = new Float64Array(n * d);
    const at = Math.min(opts.promptAt ?? 1, text.length);
    for (const [l, L] of w.layers.entries()) {
      if (l > 0 && deep) x.set(deep[l - 1], at * d);
      matmulBias(x, n, d, L.qkvW, 3 * d, L.qkvB, qkv);
      const att = hfAttention(qkv, n, d, c.numHeads, mask, opts.expIters);
      matmulBias(att, n, d, L.outW, d, L.outB, o);
      for (let i = 0; i < x.length; i++) x[i] += o[i];
      layerNormRows(x, n, d, L.ln1G, L.ln1B, eps, x);
      matmulBias(x, n, d, L.ffn1W, f, L.ffn1B, f1);
      for (let i = 0; i < f1.length; i++) f1[i] = hfGelu(f1[i], gk);
      matmulBias(f1, n, f, L.ffn2W, d, L.ffn2B, f2);
      for (let i = 0; i < x.length; i++) x[i] += f2[i];
      layerNormRows(x, n, d, L.ln2G, L.ln2B, eps, x);
    }
    const p = new Float64Array(d);
    let count = 0;
    for (let r = 0; r < n; r++) {
      if (!mask[r]) continue;
      count++;
      for (let j = 0; j < d; j++) p[j] += x[r * d + j];
    }
    for (let j = 0; j < d; j++) p[j] /= Math.max(count, 1);
    hidden.push(x);
    pooled.push(p);
    lengths.push(n);
    if (w.pooler) {
      const t = new Float64Array(d);
      matmulBias(x.subarray(0, d), 1, d, w.pooler.w, d, w.pooler.b, t);
      poolerOutput.push(t.map(Math.tanh));
    }
  });
  return { hidden, pooled, lengths, ...(w.pooler ? { poolerOutput } : {}) };
}

/** Sentence embeddings (mean pooling, see the module notes) of each text. */
export function hfEmbed(
  w: HfWeights,
  ids: readonly (readonly number[])[],
  opts: HfForwardOptions = {},
): Float64Array[] {
  return hfForward(w, ids, opts).pooled;
}

/**
 * The masked-LM head on hidden rows `[rows × d]`: `LN(GELU(h·W + b))·decoderᵀ + bias`, for every
 * token or only `tokenIds` (e.g. a verbalizer's label words). Returns `[rows × K]`.
 */
export function hfMlmLogits(
  w: HfWeights,
  hidden: Float64Array,
  tokenIds?: readonly number[],
  gelu: HfGeluKind = hfConfigGelu(w),
): Float64Array {
  const h = w.mlmHead;
  if (!h) {
    throw new Error("hfMlmLogits: the checkpoint has no MLM head (lm_head / cls.predictions)");
  }
  const c = w.config, d = c.hiddenSize;
  if (hidden.length % d !== 0) throw new RangeError(`hfMlmLogits: ${hidden.length} % ${d} ≠ 0`);
  const rows = hidden.length / d;
  const t = new Float64Array(rows * d);
  matmulBias(hidden, rows, d, h.denseW, d, h.denseB, t);
  for (let i = 0; i < t.length; i++) t[i] = hfGelu(t[i], gelu);
  layerNormRows(t, rows, d, h.lnGamma, h.lnBeta, c.layerNormEps, t);
  const dec = h.decoder ?? w.wordEmbeddings;
  const ids = tokenIds ?? Array.from({ length: c.vocabSize }, (_, i) => i);
  const out = new Float64Array(rows * ids.length);
  for (let r = 0; r < rows; r++) {
    ids.forEach((id, k) => {
      checkId(id, c.vocabSize, "MLM token", k);
      let s = h.bias[id];
      for (let j = 0; j < d; j++) s += t[r * d + j] * dec[id * d + j];
      out[r * ids.length + k] = s;
    });
  }
  return out;
}
