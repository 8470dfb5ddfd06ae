/**
 * {@link ModelOps} from `@secp/protocols`: LayerNorm (normalised Newton rsqrt), ReLU by the
 * backend's sign test, tanh, L2 normalisation by rsqrt, and softmax attention (the original
 * model), softmax over ℓ2-normalised q/k (`normalised`) or random feature attention with Π_cos.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import {
  type CosVariant,
  layerNorm,
  normalizedAttention,
  rfaAttention,
  type RfaOptions,
  softmaxAttention,
  tanh,
} from "@secp/protocols";
import { l2normalize } from "../common/layers.ts";
import { type ModelOps, reluByLtz } from "./ops.ts";

/** How attention is evaluated under MPC. */
export type SecureAttention =
  | { kind: "softmax" }
  | {
    kind: "normalised";
    /** Per layer: τ for all heads, or one τ per head (scores τ·q̂·k̂). */
    temperature: readonly (number | readonly number[])[];
  }
  | {
    kind: "rfa";
    /** Public random features per layer, [H, D, headDim] each. */
    features: readonly FloatTensor[];
    /** Π_cos variant. */
    cos?: CosVariant;
    /** ℓ2-normalise q/k with a temperature per layer (one rsqrt per token and head). */
    temperature?: readonly number[];
    /** Scale applied to q and k before the features when not normalising (e.g. √scale). */
    inputScale?: readonly number[];
  };

/**
 * Squarings of exp in the model's softmax (CrypTen uses 8). Measured on the `bench model` batch
 * (plain ring backend, max abs error of the normalised embedding vs float64): 8 → 1.1e-3, 9 →
 * 5.7e-4, 10 → 3.1e-4; exp's approximation dominates the secure model's error, and 9 keeps it
 * under the 1e-3 bound for one more squaring round per softmax.
 */
export const MODEL_EXP_ITERS = 9;

/** The model's nonlinear ops on MPC protocols. */
export function protocolOps(attention: SecureAttention): ModelOps {
  return {
    layerNorm: (be, x, gamma, beta, eps) => layerNorm(be, x, gamma, beta, { eps }),
    // FFN pre-activations of this model stay far inside |x| < 2^15: 32-bit sign-test lanes.
    relu: (be, x) => reluByLtz(be, x, 32),
    tanh: (be, x) => tanh(be, x),
    l2normalize: (be, x, eps) => l2normalize(be, x, eps),
    attention: async (be, q, k, v, mask, layer, lc) => {
      if (attention.kind === "softmax") {
        return await softmaxAttention(be, q, k, v, {
          scale: lc.scale,
          mask,
          expIters: MODEL_EXP_ITERS,
        });
      }
      if (attention.kind === "normalised") {
        const temperature = attention.temperature[layer];
        return await normalizedAttention(be, q, k, v, {
          temperature,
          mask,
          expIters: MODEL_EXP_ITERS,
        });
      }
      const opts: RfaOptions = {
        weights: attention.features[layer],
        variant: attention.cos ?? "exact",
        mask,
        ...(attention.temperature
          ? { normalize: { temperature: attention.temperature[layer] } }
          : {}),
      };
      const s = attention.inputScale?.[layer];
      if (s !== undefined && s !== 1) {
        q = await be.mulPublic(q, s);
        k = await be.mulPublic(k, s);
      }
      return await rfaAttention(be, q, k, v, opts);
    },
  };
}
