/**
 * Seeded random USE-lite weights of any shape, for tests and cost measurements that must not
 * depend on the real checkpoint.
 *
 * @module
 */
import { gaussianArray, seededRng } from "../common/rng.ts";
import type { UseLiteLayerWeights, UseLiteWeights } from "./weights.ts";
import {
  attentionDim,
  defaultInvTimescales,
  type UseLiteConfig,
  validateUseLiteConfig,
} from "./config.ts";

/** Scales of {@link randomUseLiteWeights}'s distributions. */
export interface RandomWeightsOptions {
  /** Std of token-embedding entries (default 0.1). */
  readonly embedStd?: number;
  /** Std of biases and LayerNorm betas (default 0.02). */
  readonly biasStd?: number;
  /** Std of LayerNorm gammas around 1 (default 0.05). */
  readonly gammaStd?: number;
}

/**
 * Random weights for `config`: kernels N(0, 1/fanIn) (variance-preserving), biases and LayerNorm
 * betas N(0, biasStd²), gammas 1 + N(0, gammaStd²), embeddings N(0, embedStd²), and the standard
 * timing timescales. Equal (config, seed) give identical weights.
 */
export function randomUseLiteWeights(
  config: UseLiteConfig,
  seed: number | string = 0,
  options: RandomWeightsOptions = {},
): UseLiteWeights {
  validateUseLiteConfig(config);
  const rng = seededRng(`use-lite-random:${seed}`);
  const biasStd = options.biasStd ?? 0.02;
  const gammaStd = options.gammaStd ?? 0.05;
  const kernel = (fanIn: number, fanOut: number) =>
    gaussianArray(rng, fanIn * fanOut, 1 / Math.sqrt(fanIn));
  const bias = (n: number) => gaussianArray(rng, n, biasStd);
  const gamma = (n: number) => gaussianArray(rng, n, gammaStd, 1);
  const embeddings = gaussianArray(
    rng,
    config.vocabRows * config.embedDim,
    options.embedStd ?? 0.1,
  );
  const layers: UseLiteLayerWeights[] = config.layers.map((l) => {
    const A = attentionDim(l);
    const adjust = l.inputDim !== l.modelDim;
    return {
      ln1Gamma: gamma(l.inputDim),
      ln1Beta: bias(l.inputDim),
      qkvW: kernel(l.inputDim, 3 * A),
      qkvB: bias(3 * A),
      outW: kernel(A, l.modelDim),
      outB: bias(l.modelDim),
      residualW: adjust ? kernel(l.inputDim, l.modelDim) : null,
      residualB: adjust ? bias(l.modelDim) : null,
      ln2Gamma: gamma(l.modelDim),
      ln2Beta: bias(l.modelDim),
      ffn1W: kernel(l.modelDim, l.ffnDim),
      ffn1B: bias(l.ffnDim),
      ffn2W: kernel(l.ffnDim, l.modelDim),
      ffn2B: bias(l.modelDim),
    };
  });
  const last = config.layers.length
    ? config.layers[config.layers.length - 1].modelDim
    : config.embedDim;
  return {
    config,
    embeddings,
    invTimescales: defaultInvTimescales(config),
    layers,
    poolW: kernel(last, config.outputDim),
    poolB: bias(config.outputDim),
  };
}
