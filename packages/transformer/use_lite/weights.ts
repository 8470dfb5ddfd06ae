/**
 * Typed USE-lite weights, mapped from (and back to) the named tensors of the tfjs checkpoint.
 *
 * All matrices are row-major `[in, out]` Float64Arrays used as `x · W` (TensorFlow's convention);
 * the fused q|k|v kernel's columns are `[q | k | v]`, each split head-major (head h owns columns
 * `h·headDim … (h+1)·headDim − 1` of its block).
 *
 * @module
 */
import type { NamedTensor, NamedTensors } from "./tfjs.ts";
import { attentionDim, type UseLiteConfig, validateUseLiteConfig } from "./config.ts";
import { GLOBAL_NAMES, layerParamNames, useLiteTensorSpec } from "./spec.ts";

/** Learned parameters of one transformer layer. */
export interface UseLiteLayerWeights {
  /** Attention pre-LayerNorm scale, [inputDim]. */
  readonly ln1Gamma: Float64Array;
  /** Attention pre-LayerNorm bias, [inputDim]. */
  readonly ln1Beta: Float64Array;
  /** Fused q|k|v kernel, [inputDim, 3·heads·headDim]. */
  readonly qkvW: Float64Array;
  /** Fused q|k|v bias, [3·heads·headDim]. */
  readonly qkvB: Float64Array;
  /** Attention output kernel, [heads·headDim, modelDim]. */
  readonly outW: Float64Array;
  /** Attention output bias, [modelDim]. */
  readonly outB: Float64Array;
  /** Residual projection ("AdjustResidualInput"), [inputDim, modelDim]; null when inputDim = modelDim. */
  readonly residualW: Float64Array | null;
  /** Residual projection bias, [modelDim]; null when inputDim = modelDim. */
  readonly residualB: Float64Array | null;
  /** FFN pre-LayerNorm scale, [modelDim]. */
  readonly ln2Gamma: Float64Array;
  /** FFN pre-LayerNorm bias, [modelDim]. */
  readonly ln2Beta: Float64Array;
  /** FFN first kernel, [modelDim, ffnDim] (followed by ReLU). */
  readonly ffn1W: Float64Array;
  /** FFN first bias, [ffnDim]. */
  readonly ffn1B: Float64Array;
  /** FFN second kernel, [ffnDim, modelDim]. */
  readonly ffn2W: Float64Array;
  /** FFN second bias, [modelDim]. */
  readonly ffn2B: Float64Array;
}

/** A complete USE-lite model: config plus every learned tensor. */
export interface UseLiteWeights {
  /** Shapes and constants. */
  readonly config: UseLiteConfig;
  /** Token-embedding table, [vocabRows, embedDim]; row = tokenizer id (no offset). */
  readonly embeddings: Float64Array;
  /** Timing-signal inverse timescales, [embedDim/2] (the checkpoint stores them as a constant). */
  readonly invTimescales: Float64Array;
  /** Transformer layers. */
  readonly layers: readonly UseLiteLayerWeights[];
  /** Pooling dense kernel, [modelDim, outputDim] (followed by tanh). */
  readonly poolW: Float64Array;
  /** Pooling dense bias, [outputDim]. */
  readonly poolB: Float64Array;
}

/** Options of {@link useLiteWeightsFromTensors}. */
export interface FromTensorsOptions {
  /** If given, the checkpoint's derived config must equal this one (e.g. `USE_LITE_CONFIG`). */
  readonly expected?: UseLiteConfig;
  /** Accept tensors the spec does not list (default false: they are reported as errors). */
  readonly allowExtra?: boolean;
}

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/** Error listing every mismatch between a checkpoint and the USE-lite layout. */
export class UseLiteCheckpointError extends Error {
  /** One line per problem. */
  readonly problems: readonly string[];
  /** Builds the message from the problem list. */
  constructor(problems: string[]) {
    super(
      `USE-lite checkpoint does not match (${problems.length} problem(s)):\n  - ${
        problems.join("\n  - ")
      }`,
    );
    this.name = "UseLiteCheckpointError";
    this.problems = problems;
  }
}

/** Reads the config implied by the checkpoint's shapes and constants (does not validate the rest). */
export function useLiteConfigFromTensors(tensors: NamedTensors): UseLiteConfig {
  const problems: string[] = [];
  const need = (name: string, what: string, rank?: number): NamedTensor | undefined => {
    const t = tensors.get(name);
    if (t === undefined) problems.push(`missing tensor "${name}" (${what})`);
    else if (rank !== undefined && t.shape.length !== rank) {
      problems.push(`tensor "${name}" (${what}): expected rank ${rank}, got shape ${fmt(t.shape)}`);
      return undefined;
    }
    return t;
  };
  const scalar = (name: string, what: string) => {
    const t = need(name, what);
    if (t === undefined) return NaN;
    if (t.data.length !== 1) {
      problems.push(`tensor "${name}" (${what}): expected a scalar, got shape ${fmt(t.shape)}`);
      return NaN;
    }
    return t.data[0];
  };
  const emb = need(GLOBAL_NAMES.embeddings, "token embeddings", 2);
  const heads = scalar(GLOBAL_NAMES.heads, "attention heads");
  const layers = [];
  for (let l = 0; tensors.has(layerParamNames(l).qkvW); l++) {
    const n = layerParamNames(l);
    const qkv = need(n.qkvW, `layer ${l} q|k|v kernel`, 4);
    const out = need(n.outW, `layer ${l} output kernel`, 4);
    const ffn1 = need(n.ffn1W, `layer ${l} FFN conv1 kernel`, 2);
    layers.push({
      inputDim: qkv?.shape[2] ?? NaN,
      modelDim: out?.shape[3] ?? NaN,
      heads,
      headDim: scalar(n.headDim, `layer ${l} head width`),
      ffnDim: ffn1?.shape[1] ?? NaN,
      scale: scalar(n.scale, `layer ${l} logit scale`),
    });
  }
  if (layers.length === 0) {
    problems.push(`missing tensor "${layerParamNames(0).qkvW}" (layer 0 q|k|v kernel)`);
  }
  const pool = need(GLOBAL_NAMES.poolW, "pooling dense", 2);
  const timing = need(GLOBAL_NAMES.invTimescales, "timing inverse timescales", 2);
  const config: UseLiteConfig = {
    vocabRows: emb?.shape[0] ?? NaN,
    embedDim: emb?.shape[1] ?? NaN,
    layers,
    outputDim: pool?.shape[1] ?? NaN,
    maxSeqLen: scalar(GLOBAL_NAMES.maxSeqLen, "max sequence length"),
    layerNormEps: scalar(GLOBAL_NAMES.layerNormEps, "LayerNorm epsilon"),
    paddingBias: scalar(GLOBAL_NAMES.paddingBias, "padding bias"),
    l2Eps: scalar(GLOBAL_NAMES.l2Eps, "L2 floor"),
    minTimescale: timing ? 1 / timing.data[0] : NaN,
    maxTimescale: timing ? 1 / timing.data[timing.data.length - 1] : NaN,
  };
  if (problems.length > 0) throw new UseLiteCheckpointError(problems);
  try {
    validateUseLiteConfig(config);
  } catch (e) {
    throw new UseLiteCheckpointError([(e as Error).message]);
  }
  return config;
}

function configProblems(actual: UseLiteConfig, expected: UseLiteConfig): string[] {
  const out: string[] = [];
  const cmp = (path: string, a: number, e: number) => {
    if (Math.fround(a) !== Math.fround(e)) out.push(`config ${path}: expected ${e}, got ${a}`);
  };
  for (const k of ["vocabRows", "embedDim", "outputDim", "maxSeqLen", "layerNormEps"] as const) {
    cmp(k, actual[k], expected[k]);
  }
  cmp("paddingBias", actual.paddingBias, expected.paddingBias);
  cmp("l2Eps", actual.l2Eps, expected.l2Eps);
  if (actual.layers.length !== expected.layers.length) {
    out.push(`config layers: expected ${expected.layers.length}, got ${actual.layers.length}`);
  } else {
    actual.layers.forEach((l, i) => {
      const e = expected.layers[i];
      for (const k of ["inputDim", "modelDim", "heads", "headDim", "ffnDim", "scale"] as const) {
        cmp(`layers[${i}].${k}`, l[k], e[k]);
      }
    });
  }
  return out;
}

/**
 * Maps decoded checkpoint tensors onto {@link UseLiteWeights}. Derives the config from the
 * checkpoint, then checks every tensor against {@link useLiteTensorSpec}: missing tensors, wrong
 * dtype or shape (expected vs actual), wrong constant values, unexpected extra tensors, and (if
 * `expected` is given) config differences are all reported together in one
 * {@link UseLiteCheckpointError}.
 */
export function useLiteWeightsFromTensors(
  tensors: NamedTensors,
  options: FromTensorsOptions = {},
): UseLiteWeights {
  const config = useLiteConfigFromTensors(tensors);
  const problems: string[] = options.expected ? configProblems(config, options.expected) : [];
  let specs;
  try {
    specs = useLiteTensorSpec(config);
  } catch (e) {
    throw new UseLiteCheckpointError([...problems, (e as Error).message]);
  }
  const known = new Set<string>();
  for (const s of specs) {
    known.add(s.name);
    const t = tensors.get(s.name);
    if (t === undefined) {
      problems.push(`missing tensor "${s.name}" (${s.what}), expected shape ${fmt(s.shape)}`);
      continue;
    }
    if (t.dtype !== s.dtype) {
      problems.push(`tensor "${s.name}" (${s.what}): expected dtype ${s.dtype}, got ${t.dtype}`);
    }
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      problems.push(
        `tensor "${s.name}" (${s.what}): expected shape ${fmt(s.shape)}, got ${fmt(t.shape)}`,
      );
      continue;
    }
    if (s.value !== undefined && s.value.some((v, i) => t.data[i] !== v)) {
      problems.push(
        `tensor "${s.name}" (${s.what}): expected value ${fmt(s.value)}, got ${fmt([...t.data])}`,
      );
    }
  }
  if (!options.allowExtra) {
    for (const [name, t] of tensors) {
      if (!known.has(name)) problems.push(`unexpected tensor "${name}" ${fmt(t.shape)}`);
    }
  }
  if (problems.length > 0) throw new UseLiteCheckpointError(problems);

  const f64 = (name: string) => Float64Array.from(tensors.get(name)!.data);
  return {
    config,
    embeddings: f64(GLOBAL_NAMES.embeddings),
    invTimescales: f64(GLOBAL_NAMES.invTimescales),
    layers: config.layers.map((layer, l) => {
      const n = layerParamNames(l);
      const adjust = layer.inputDim !== layer.modelDim;
      return {
        ln1Gamma: f64(n.ln1Gamma),
        ln1Beta: f64(n.ln1Beta),
        qkvW: f64(n.qkvW),
        qkvB: f64(n.qkvB),
        outW: f64(n.outW),
        outB: f64(n.outB),
        residualW: adjust ? f64(n.residualW) : null,
        residualB: adjust ? f64(n.residualB) : null,
        ln2Gamma: f64(n.ln2Gamma),
        ln2Beta: f64(n.ln2Beta),
        ffn1W: f64(n.ffn1W),
        ffn1B: f64(n.ffn1B),
        ffn2W: f64(n.ffn2W),
        ffn2B: f64(n.ffn2B),
      };
    }),
    poolW: f64(GLOBAL_NAMES.poolW),
    poolB: f64(GLOBAL_NAMES.poolB),
  };
}

/**
 * The inverse of {@link useLiteWeightsFromTensors}: every tensor of the tfjs layout (params rounded
 * to float32, constants from the config), in spec order. Handy for writing random models in the
 * checkpoint's format and for round-trip tests.
 */
export function useLiteWeightsToTensors(weights: UseLiteWeights): NamedTensors {
  const out: NamedTensors = new Map();
  const params = new Map<string, Float64Array>();
  params.set(GLOBAL_NAMES.embeddings, weights.embeddings);
  params.set(GLOBAL_NAMES.invTimescales, weights.invTimescales);
  params.set(GLOBAL_NAMES.poolW, weights.poolW);
  params.set(GLOBAL_NAMES.poolB, weights.poolB);
  weights.layers.forEach((lw, l) => {
    const n = layerParamNames(l);
    for (const k of Object.keys(lw) as (keyof UseLiteLayerWeights)[]) {
      const v = lw[k];
      if (v !== null) params.set(n[k], v);
    }
  });
  for (const s of useLiteTensorSpec(weights.config)) {
    if (s.role === "param") {
      const data = params.get(s.name);
      if (data === undefined) throw new Error(`useLiteWeightsToTensors: no data for "${s.name}"`);
      out.set(s.name, {
        name: s.name,
        shape: s.shape,
        dtype: "float32",
        data: Float32Array.from(data),
      });
    } else if (s.dtype === "float32") {
      out.set(s.name, {
        name: s.name,
        shape: s.shape,
        dtype: "float32",
        data: Float32Array.from(s.value!),
      });
    } else {
      out.set(s.name, {
        name: s.name,
        shape: s.shape,
        dtype: "int32",
        data: Int32Array.from(s.value!),
      });
    }
  }
  return out;
}

/** Number of learned scalars (embedding table included; timing constants excluded). */
export function useLiteParamCount(weights: UseLiteWeights): number {
  let n = weights.embeddings.length + weights.poolW.length + weights.poolB.length;
  for (const l of weights.layers) {
    for (const v of Object.values(l)) if (v !== null) n += (v as Float64Array).length;
  }
  return n;
}

/** Checks that every array of `weights` has the length its config implies; throws otherwise. */
export function checkUseLiteWeights(weights: UseLiteWeights): void {
  const c = weights.config;
  validateUseLiteConfig(c);
  const problems: string[] = [];
  const len = (what: string, a: Float64Array | null, n: number) => {
    if (a === null || a.length !== n) {
      problems.push(`${what}: expected ${n} values, got ${a === null ? "null" : a.length}`);
    }
  };
  len("embeddings", weights.embeddings, c.vocabRows * c.embedDim);
  len("invTimescales", weights.invTimescales, c.embedDim / 2);
  if (weights.layers.length !== c.layers.length) {
    problems.push(`layers: config has ${c.layers.length}, weights have ${weights.layers.length}`);
  }
  c.layers.forEach((lc, l) => {
    const w = weights.layers[l];
    if (!w) return;
    const A = attentionDim(lc);
    const { inputDim: I, modelDim: M, ffnDim: F } = lc;
    len(`layers[${l}].ln1Gamma`, w.ln1Gamma, I);
    len(`layers[${l}].ln1Beta`, w.ln1Beta, I);
    len(`layers[${l}].qkvW`, w.qkvW, I * 3 * A);
    len(`layers[${l}].qkvB`, w.qkvB, 3 * A);
    len(`layers[${l}].outW`, w.outW, A * M);
    len(`layers[${l}].outB`, w.outB, M);
    if (I !== M) {
      len(`layers[${l}].residualW`, w.residualW, I * M);
      len(`layers[${l}].residualB`, w.residualB, M);
    }
    len(`layers[${l}].ln2Gamma`, w.ln2Gamma, M);
    len(`layers[${l}].ln2Beta`, w.ln2Beta, M);
    len(`layers[${l}].ffn1W`, w.ffn1W, M * F);
    len(`layers[${l}].ffn1B`, w.ffn1B, F);
    len(`layers[${l}].ffn2W`, w.ffn2W, F * M);
    len(`layers[${l}].ffn2B`, w.ffn2B, M);
  });
  const last = c.layers.length ? c.layers[c.layers.length - 1].modelDim : c.embedDim;
  len("poolW", weights.poolW, last * c.outputDim);
  len("poolB", weights.poolB, c.outputDim);
  if (problems.length > 0) throw new UseLiteCheckpointError(problems);
}
