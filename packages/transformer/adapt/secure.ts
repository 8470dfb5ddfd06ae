/**
 * A reference attention variant (notably the adapted RFA) in the form the secure model takes (`protocolOps({kind: "rfa", …})` of
 * `secure/protocol_ops.ts`): the public features per layer as `[H, D, headDim]` tensors and the
 * input handling, so that the secure forward evaluates exactly the function the float64 reference
 * evaluates with the same variant.
 *
 * - `raw` input: the reference feeds √scale·q and √scale·k to φ, so `inputScale[l] = √scale_l`.
 * - `normalised` input with per-head τ: √τ_h·q/‖q‖ = (√τ_h·W_h)·q̂, so √τ_h is folded into the
 *   public W_h and the protocol normalises with temperature 1.
 *
 * The protocol clamps the denominator at its default floor 1/16 (`RFA_DEN_FLOOR`), which is the
 * floor the checkpoints are trained with; a variant with another floor is rejected.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import { type AttentionVariant, temperatureAt } from "../use_lite/attention.ts";
import type { SecureAttention } from "../use_lite/protocol_ops.ts";
import type { UseLiteConfig } from "../use_lite/config.ts";

/**
 * Converts any reference attention variant into the secure model's description: softmax as is,
 * `normalised` with its τ per layer and head, RFA by {@link secureRfaAttention}.
 */
export function secureAttention(config: UseLiteConfig, variant: AttentionVariant): SecureAttention {
  if (variant.kind === "softmax") return { kind: "softmax" };
  if (variant.kind === "rfa") return secureRfaAttention(config, variant);
  return {
    kind: "normalised",
    temperature: config.layers.map((lc, l) =>
      Array.from({ length: lc.heads }, (_, h) => temperatureAt(variant.tau, l, h))
    ),
  };
}

/** The secure protocols' default RFA denominator floor. */
export const SECURE_RFA_FLOOR = 1 / 16;

/** Converts a reference RFA variant into the secure model's attention description. */
export function secureRfaAttention(
  config: UseLiteConfig,
  variant: Extract<AttentionVariant, { kind: "rfa" }>,
): Extract<SecureAttention, { kind: "rfa" }> {
  const floor = variant.denominatorFloor ?? 1e-6;
  if (Math.abs(floor - SECURE_RFA_FLOOR) > 1e-12) {
    throw new RangeError(
      `secureRfaAttention: the secure RFA clamps at ${SECURE_RFA_FLOOR}, the variant at ${floor}`,
    );
  }
  const D = variant.features.numFeatures;
  const normalised = variant.input !== "raw";
  if (normalised && variant.tau === undefined) {
    throw new RangeError("secureRfaAttention: normalised input needs tau");
  }
  const features = config.layers.map((lc, l) => {
    const data = new Float64Array(lc.heads * D * lc.headDim);
    for (let h = 0; h < lc.heads; h++) {
      const W = variant.features.matrices[l]?.[h];
      if (W === undefined || W.length !== D * lc.headDim) {
        throw new RangeError(`secureRfaAttention: no ${D}×${lc.headDim} matrix for layer ${l}`);
      }
      const s = normalised ? Math.sqrt(temperatureAt(variant.tau!, l, h)) : 1;
      for (let i = 0; i < W.length; i++) data[h * D * lc.headDim + i] = s * W[i];
    }
    return new FloatTensor(data, [lc.heads, D, lc.headDim]);
  });
  return normalised
    ? { kind: "rfa", features, temperature: config.layers.map(() => 1) }
    : { kind: "rfa", features, inputScale: config.layers.map((lc) => Math.sqrt(lc.scale)) };
}
