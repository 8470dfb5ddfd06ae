/**
 * Shape and constants of a USE-lite style encoder (Universal Sentence Encoder lite, "KonaTransformer"),
 * so that real and random models share one description.
 *
 * Data flow for one sentence of n tokens (all matrices row-major, `x · W`):
 *
 * ```text
 * h0[t]   = 2·E[id_t] + timing(t)                       (embedDim; E added twice, as in the graph)
 * layer l (input width inputDim, output width modelDim):
 *   a     = LN_1(h)                                      (over inputDim)
 *   q|k|v = a · Wqkv + bqkv                              (3 × heads·headDim; head-major columns)
 *   att   = softmax(scale · q_h · k_hᵀ) · v_h  per head  (pad keys excluded)
 *   r     = h · Wres + bres  if inputDim ≠ modelDim, else h
 *   h     = r + (att · Wout + bout)                      (modelDim)
 *   h     = h + FFN2(relu(FFN1(LN_2(h))))                (modelDim → ffnDim → modelDim)
 * pooled  = mean over tokens of h                        (modelDim)
 * out     = l2normalize(tanh(pooled · Wpool + bpool))    (outputDim)
 * ```
 *
 * @module
 */

/** One transformer layer's widths and attention constants. */
export interface UseLiteLayerConfig {
  /** Width of the layer input (256 for layer 0, 512 after). */
  readonly inputDim: number;
  /** Width of the layer output and residual stream (512). */
  readonly modelDim: number;
  /** Attention heads (4). */
  readonly heads: number;
  /** Per-head q/k/v width (64 in layer 0, 128 in layer 1); heads·headDim is the attention width. */
  readonly headDim: number;
  /** FFN hidden width (1536). */
  readonly ffnDim: number;
  /** Logit scale applied to q (0.125 = 1/√64, 0.0883883 = 1/√128 in the checkpoint). */
  readonly scale: number;
}

/** Full description of a USE-lite style encoder. */
export interface UseLiteConfig {
  /** Rows of the token-embedding table (8002; the vocab has 8000 pieces). */
  readonly vocabRows: number;
  /** Token-embedding width (256); also the timing-signal width and the soft-prompt width. */
  readonly embedDim: number;
  /** Transformer layers, in order; layer l+1's inputDim equals layer l's modelDim. */
  readonly layers: readonly UseLiteLayerConfig[];
  /** Width of the pooled dense + tanh output (512). */
  readonly outputDim: number;
  /** Sequences are clipped to this many tokens (128). */
  readonly maxSeqLen: number;
  /** LayerNorm epsilon inside the rsqrt (1e-6). */
  readonly layerNormEps: number;
  /** Additive attention bias on padding keys in the graph (−1e9); pad keys are simply skipped here. */
  readonly paddingBias: number;
  /** Floor on the squared norm in the final L2 normalisation (1e-12). */
  readonly l2Eps: number;
  /** Timescales of the sinusoidal timing signal: embedDim/2 log-spaced from min to max. */
  readonly minTimescale: number;
  /** Largest timescale (1e4). */
  readonly maxTimescale: number;
}

/** The shipped checkpoint's configuration (verified against model.json and the weights). */
export const USE_LITE_CONFIG: UseLiteConfig = Object.freeze({
  vocabRows: 8002,
  embedDim: 256,
  layers: Object.freeze([
    Object.freeze({
      inputDim: 256,
      modelDim: 512,
      heads: 4,
      headDim: 64,
      ffnDim: 1536,
      scale: Math.fround(0.125),
    }),
    Object.freeze({
      inputDim: 512,
      modelDim: 512,
      heads: 4,
      headDim: 128,
      ffnDim: 1536,
      scale: Math.fround(1 / Math.sqrt(128)),
    }),
  ]),
  outputDim: 512,
  maxSeqLen: 128,
  layerNormEps: Math.fround(1e-6),
  paddingBias: -1e9,
  l2Eps: Math.fround(1e-12),
  minTimescale: 1,
  maxTimescale: 1e4,
});

/** Attention width heads·headDim of a layer. */
export function attentionDim(layer: UseLiteLayerConfig): number {
  return layer.heads * layer.headDim;
}

/** Width of the final hidden states (last layer's modelDim, or embedDim with no layers). */
export function finalModelDim(config: UseLiteConfig): number {
  const n = config.layers.length;
  return n === 0 ? config.embedDim : config.layers[n - 1].modelDim;
}

/**
 * Builds a config from a few widths, with scale 1/√headDim and the checkpoint's constants.
 * `layers` lists per-layer overrides (at least `modelDim`, `heads`, `headDim`, `ffnDim`).
 */
export function makeUseLiteConfig(opts: {
  vocabRows: number;
  embedDim: number;
  layers: readonly Omit<UseLiteLayerConfig, "inputDim" | "scale">[];
  outputDim: number;
  maxSeqLen?: number;
}): UseLiteConfig {
  let inputDim = opts.embedDim;
  const layers = opts.layers.map((l) => {
    const layer = { ...l, inputDim, scale: 1 / Math.sqrt(l.headDim) };
    inputDim = l.modelDim;
    return layer;
  });
  const config: UseLiteConfig = {
    ...USE_LITE_CONFIG,
    vocabRows: opts.vocabRows,
    embedDim: opts.embedDim,
    layers,
    outputDim: opts.outputDim,
    maxSeqLen: opts.maxSeqLen ?? USE_LITE_CONFIG.maxSeqLen,
  };
  validateUseLiteConfig(config);
  return config;
}

/** Throws a RangeError describing the first inconsistency (bad width, layer chaining, odd embedDim). */
export function validateUseLiteConfig(config: UseLiteConfig): void {
  const posInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(`UseLiteConfig: ${what} must be a positive integer, got ${v}`);
    }
  };
  posInt(config.vocabRows, "vocabRows");
  posInt(config.embedDim, "embedDim");
  posInt(config.outputDim, "outputDim");
  posInt(config.maxSeqLen, "maxSeqLen");
  if (config.embedDim % 2 !== 0) {
    throw new RangeError(
      `UseLiteConfig: embedDim must be even (sin|cos timing signal), got ${config.embedDim}`,
    );
  }
  let width = config.embedDim;
  config.layers.forEach((l, i) => {
    for (const k of ["inputDim", "modelDim", "heads", "headDim", "ffnDim"] as const) {
      posInt(l[k], `layers[${i}].${k}`);
    }
    if (l.inputDim !== width) {
      throw new RangeError(
        `UseLiteConfig: layers[${i}].inputDim is ${l.inputDim} but the previous width is ${width}`,
      );
    }
    if (!(l.scale > 0)) throw new RangeError(`UseLiteConfig: layers[${i}].scale must be > 0`);
    width = l.modelDim;
  });
  if (!(config.layerNormEps >= 0) || !(config.l2Eps >= 0)) {
    throw new RangeError("UseLiteConfig: epsilons must be non-negative");
  }
  if (!(config.minTimescale > 0) || !(config.maxTimescale >= config.minTimescale)) {
    throw new RangeError("UseLiteConfig: need 0 < minTimescale <= maxTimescale");
  }
}

/**
 * Inverse timescales of the timing signal, as tensor2tensor's `get_timing_signal_1d` computes them:
 * `inv[i] = (1/minTimescale) · exp(−i · ln(max/min) / (embedDim/2 − 1))`, i = 0 … embedDim/2 − 1.
 */
export function defaultInvTimescales(config: UseLiteConfig): Float64Array {
  const n = config.embedDim / 2;
  const inc = n > 1 ? Math.log(config.maxTimescale / config.minTimescale) / (n - 1) : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp(-i * inc) / config.minTimescale;
  return out;
}
