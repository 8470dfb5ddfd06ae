/**
 * Float64 plaintext forward pass of USE-lite (see `weights/use_lite_config.ts` for the data flow),
 * with an optional soft prompt, three attention variants and optional intermediates.
 *
 * **Soft prompt placement.** A prompt of L rows (each embedDim wide) is *prepended*: positions
 * 0 … L−1 hold the prompt and the text tokens follow at positions L, L+1, …. A prompt row takes the
 * place of the token-embedding term `2·E[id]` (the graph adds the embedding twice), and the timing
 * signal of its position is still added: `h0[p] = prompt[p] + timing(p)` for p < L and
 * `h0[L+t] = 2·E[id_t] + timing(L+t)`. So `promptFromTokenIds(w, ids)` (rows `2·E[id]`) reproduces
 * exactly the model run on `ids` followed by the text. Prompt rows are ordinary tokens afterwards
 * (they attend, are attended to, go through the FFN and are included in the mean pooling). The text
 * is clipped so that prompt + text ≤ maxSeqLen (128), dropping text tokens from the end, as the
 * graph drops tokens with index ≥ 128.
 *
 * **Batching.** Sentences are processed `batchSize` at a time with all their tokens packed into one
 * matrix (no padding rows): dense layers run on the packed rows, attention per sentence. The
 * graph's padding positions never influence real tokens (−1e9 bias, FFN/residual only at real
 * positions, masked mean), so packing gives the same values.
 *
 * @module
 */
import {
  attendSentence,
  type AttentionStats,
  type AttentionVariant,
  emptyAttentionStats,
} from "./attention.ts";
import { addInPlace, layerNormRows, matmulBias, reluInPlace } from "../common/linalg.ts";
import { addTimingSignal } from "./timing.ts";
import type { UseLiteWeights } from "./weights.ts";
import { attentionDim, finalModelDim } from "./config.ts";

/** Options of {@link forward} / {@link embed}. */
export interface ForwardOptions {
  /** Soft prompt: L rows of embedDim, as one flat [L × embedDim] array or L arrays. */
  readonly prompt?: Float64Array | readonly Float64Array[];
  /**
   * Deep prompt (BBTv2-style): entry l−1 holds the L rows (flat `[L × inputDim_l]`) that replace
   * the hidden states of the L prompt positions at the input of layer l ≥ 1; `prompt` gives layer
   * 0's rows. One entry per layer after the first; needs `prompt`.
   */
  readonly layerPrompts?: readonly Float64Array[];
  /** Attention variant (default softmax, the original model). */
  readonly attention?: AttentionVariant;
  /** Also return each sentence's final hidden states (pre-pooling). Default false. */
  readonly returnHidden?: boolean;
  /** Also return per-layer intermediates (implies hidden). Default false. */
  readonly intermediates?: boolean;
  /** Sentences per packed batch (default 64). */
  readonly batchSize?: number;
}

/** Per-layer debugging values; every array is per sentence, rows = that sentence's tokens. */
export interface LayerIntermediates {
  /** Residual stream after the attention block, [n × modelDim]. */
  readonly afterAttention: Float64Array[];
  /** Layer output (after the FFN block), [n × modelDim]. */
  readonly output: Float64Array[];
  /** |q| per [token × head], before the logit scale (|q'| = |q|·√scale). */
  readonly qNorm: Float64Array[];
  /** |k| per [token × head]. */
  readonly kNorm: Float64Array[];
}

/** Intermediates of a forward pass. */
export interface Intermediates {
  /** Layer-0 input h0 = (prompt | 2·E[id]) + timing, [n × embedDim] per sentence. */
  readonly inputs: Float64Array[];
  /** One entry per layer. */
  readonly layers: LayerIntermediates[];
}

/** Result of {@link forward}. */
export interface ForwardResult {
  /** Sentence embeddings: l2normalize(tanh(pooled · Wpool + b)), outputDim each. */
  readonly embeddings: Float64Array[];
  /** Mean of the final hidden states over the sentence's tokens (prompt included), modelDim each. */
  readonly pooled: Float64Array[];
  /** Tokens per sentence after clipping (prompt included). */
  readonly lengths: number[];
  /** Final hidden states [n × modelDim] per sentence, if `returnHidden` or `intermediates`. */
  readonly hidden?: Float64Array[];
  /** Per-layer values, if `intermediates`. */
  readonly intermediates?: Intermediates;
  /** RFA denominator statistics (zeros for exact attention). */
  readonly stats: AttentionStats;
}

/** Normalises the prompt option to a flat [L × embedDim] array (or null). */
function flatPrompt(
  prompt: ForwardOptions["prompt"],
  embedDim: number,
): { data: Float64Array; rows: number } | null {
  if (prompt === undefined) return null;
  if (prompt instanceof Float64Array) {
    if (prompt.length % embedDim !== 0) {
      throw new RangeError(
        `prompt length ${prompt.length} is not a multiple of embedDim ${embedDim}`,
      );
    }
    return { data: prompt, rows: prompt.length / embedDim };
  }
  const data = new Float64Array(prompt.length * embedDim);
  prompt.forEach((row, i) => {
    if (row.length !== embedDim) {
      throw new RangeError(`prompt row ${i} has ${row.length} values, expected ${embedDim}`);
    }
    data.set(row, i * embedDim);
  });
  return { data, rows: prompt.length };
}

/**
 * Standard deviation of the model's layer-0 token term `2·E` (what a prompt row replaces): the
 * scale BBT's random projection is set from.
 */
export function tokenTermStd(w: UseLiteWeights): number {
  let s = 0, s2 = 0;
  const n = w.embeddings.length;
  for (const v of w.embeddings) {
    s += 2 * v;
    s2 += 4 * v * v;
  }
  return Math.sqrt(s2 / n - (s / n) ** 2);
}

/** Rows `2·E[id]` for each id: a soft prompt equal to those tokens' embedding term. */
export function promptFromTokenIds(weights: UseLiteWeights, ids: readonly number[]): Float64Array {
  const E = weights.config.embedDim;
  const out = new Float64Array(ids.length * E);
  ids.forEach((id, p) => {
    checkId(id, weights.config.vocabRows, 0, p);
    for (let c = 0; c < E; c++) out[p * E + c] = 2 * weights.embeddings[id * E + c];
  });
  return out;
}

function checkId(id: number, rows: number, sentence: number, position: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= rows) {
    throw new RangeError(
      `token id ${id} at sentence ${sentence}, position ${position} is outside [0, ${rows})`,
    );
  }
}

/**
 * Runs the encoder on token-id sentences (ids from `UseTokenizer`, no offset, no start/end tokens)
 * and returns embeddings plus whatever the options ask for.
 */
export function forward(
  weights: UseLiteWeights,
  tokenIds: readonly (readonly number[])[],
  options: ForwardOptions = {},
): ForwardResult {
  const cfg = weights.config;
  const prompt = flatPrompt(options.prompt, cfg.embedDim);
  const L = prompt?.rows ?? 0;
  if (L > cfg.maxSeqLen) {
    throw new RangeError(`prompt of ${L} rows exceeds maxSeqLen ${cfg.maxSeqLen}`);
  }
  const layerPrompts = checkLayerPrompts(options.layerPrompts, cfg, L);
  const variant = options.attention ?? { kind: "softmax" };
  const wantInter = options.intermediates === true;
  const wantHidden = wantInter || options.returnHidden === true;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const stats = emptyAttentionStats();
  const embeddings: Float64Array[] = [];
  const pooled: Float64Array[] = [];
  const lengths: number[] = [];
  const hidden: Float64Array[] = [];
  const inter: Intermediates = {
    inputs: [],
    layers: cfg.layers.map(() => ({ afterAttention: [], output: [], qNorm: [], kNorm: [] })),
  };
  for (let b0 = 0; b0 < tokenIds.length; b0 += batchSize) {
    const batch = tokenIds.slice(b0, b0 + batchSize);
    const lens = batch.map((ids) => L + Math.min(ids.length, cfg.maxSeqLen - L));
    const offsets: number[] = [];
    let N = 0;
    for (const n of lens) {
      offsets.push(N);
      N += n;
    }
    const run = runBatch(
      weights,
      batch,
      b0,
      lens,
      offsets,
      N,
      prompt?.data ?? null,
      layerPrompts,
      variant,
      stats,
      wantInter ? inter : null,
    );
    const M = finalModelDim(cfg);
    for (let s = 0; s < batch.length; s++) {
      lengths.push(lens[s]);
      const rows = run.h.subarray(offsets[s] * M, (offsets[s] + lens[s]) * M);
      if (wantHidden) hidden.push(rows.slice());
      const mean = new Float64Array(M);
      for (let t = 0; t < lens[s]; t++) for (let c = 0; c < M; c++) mean[c] += rows[t * M + c];
      const denom = Math.max(lens[s], 1);
      for (let c = 0; c < M; c++) mean[c] /= denom;
      pooled.push(mean);
      embeddings.push(poolHead(weights, mean));
    }
  }
  return {
    embeddings,
    pooled,
    lengths,
    stats,
    ...(wantHidden ? { hidden } : {}),
    ...(wantInter ? { intermediates: inter } : {}),
  };
}

/** Checks a deep prompt's per-layer rows against the config and the prompt length L. */
function checkLayerPrompts(
  rows: readonly Float64Array[] | undefined,
  cfg: UseLiteWeights["config"],
  L: number,
): readonly Float64Array[] | null {
  if (rows === undefined) return null;
  if (L === 0) throw new RangeError("layerPrompts need a prompt (layer 0's rows)");
  if (rows.length !== cfg.layers.length - 1) {
    throw new RangeError(
      `layerPrompts: ${rows.length} entries, expected one per layer after the first ` +
        `(${cfg.layers.length - 1})`,
    );
  }
  rows.forEach((r, i) => {
    const w = cfg.layers[i + 1].inputDim;
    if (r.length !== L * w) {
      throw new RangeError(`layerPrompts[${i}]: ${r.length} values, expected ${L}×${w}`);
    }
  });
  return rows;
}

/** Sentence embeddings only (see {@link forward}). */
export function embed(
  weights: UseLiteWeights,
  tokenIds: readonly (readonly number[])[],
  options: ForwardOptions = {},
): Float64Array[] {
  return forward(weights, tokenIds, { ...options, returnHidden: false, intermediates: false })
    .embeddings;
}

/** `l2normalize(tanh(pooled · Wpool + bpool))` with the graph's floor on the squared norm. */
export function poolHead(weights: UseLiteWeights, pooled: Float64Array): Float64Array {
  const cfg = weights.config;
  const M = pooled.length;
  const out = new Float64Array(cfg.outputDim);
  matmulBias(pooled, 1, M, weights.poolW, cfg.outputDim, weights.poolB, out);
  let ss = 0;
  for (let j = 0; j < out.length; j++) {
    out[j] = Math.tanh(out[j]);
    ss += out[j] * out[j];
  }
  const inv = 1 / Math.sqrt(Math.max(ss, cfg.l2Eps));
  for (let j = 0; j < out.length; j++) out[j] *= inv;
  return out;
}

/** Embedding + all layers for one packed batch; returns the final packed hidden states. */
function runBatch(
  weights: UseLiteWeights,
  batch: readonly (readonly number[])[],
  firstSentence: number,
  lens: number[],
  offsets: number[],
  N: number,
  prompt: Float64Array | null,
  layerPrompts: readonly Float64Array[] | null,
  variant: AttentionVariant,
  stats: AttentionStats,
  inter: Intermediates | null,
): { h: Float64Array } {
  const cfg = weights.config;
  const E = cfg.embedDim;
  const L = prompt === null ? 0 : prompt.length / E;
  let h = new Float64Array(N * E);
  batch.forEach((ids, s) => {
    for (let t = 0; t < lens[s]; t++) {
      const o = (offsets[s] + t) * E;
      if (t < L) {
        h.set(prompt!.subarray(t * E, (t + 1) * E), o);
      } else {
        const id = ids[t - L];
        checkId(id, cfg.vocabRows, firstSentence + s, t - L);
        const eo = id * E;
        for (let c = 0; c < E; c++) h[o + c] = 2 * weights.embeddings[eo + c];
      }
      addTimingSignal(t, weights.invTimescales, h, o);
    }
  });
  const split = (x: Float64Array, width: number) =>
    lens.map((n, s) => x.slice(offsets[s] * width, (offsets[s] + n) * width));
  if (inter) inter.inputs.push(...split(h, E));

  cfg.layers.forEach((lc, l) => {
    const lw = weights.layers[l];
    const { inputDim: I, modelDim: M, ffnDim: F, heads } = lc;
    const A = attentionDim(lc);
    if (l > 0 && layerPrompts) {
      // Deep prompt: layer l's rows replace the hidden states of the prompt positions.
      const rows = layerPrompts[l - 1];
      for (const o of offsets) h.set(rows, o * I);
    }
    // Attention block.
    const a = new Float64Array(N * I);
    layerNormRows(h, N, I, lw.ln1Gamma, lw.ln1Beta, cfg.layerNormEps, a);
    const qkv = new Float64Array(N * 3 * A);
    matmulBias(a, N, I, lw.qkvW, 3 * A, lw.qkvB, qkv);
    const att = new Float64Array(N * A);
    const li = inter?.layers[l];
    lens.forEach((n, s) => {
      const qNorm = li ? new Float64Array(n * heads) : undefined;
      const kNorm = li ? new Float64Array(n * heads) : undefined;
      attendSentence({
        qkv,
        row0: offsets[s],
        n,
        layer: l,
        config: lc,
        variant,
        out: att,
        stats,
        qNorm,
        kNorm,
      });
      if (li) {
        li.qNorm.push(qNorm!);
        li.kNorm.push(kNorm!);
      }
    });
    const h1 = new Float64Array(N * M);
    matmulBias(att, N, A, lw.outW, M, lw.outB, h1);
    if (lw.residualW !== null) {
      const r = new Float64Array(N * M);
      matmulBias(h, N, I, lw.residualW, M, lw.residualB, r);
      addInPlace(h1, r);
    } else addInPlace(h1, h);
    if (li) li.afterAttention.push(...split(h1, M));
    // FFN block.
    const f = new Float64Array(N * M);
    layerNormRows(h1, N, M, lw.ln2Gamma, lw.ln2Beta, cfg.layerNormEps, f);
    const f1 = new Float64Array(N * F);
    matmulBias(f, N, M, lw.ffn1W, F, lw.ffn1B, f1);
    reluInPlace(f1);
    const f2 = f; // reuse: LN output no longer needed
    matmulBias(f1, N, F, lw.ffn2W, M, lw.ffn2B, f2);
    addInPlace(h1, f2);
    h = h1;
    if (li) li.output.push(...split(h, M));
  });
  return { h };
}
