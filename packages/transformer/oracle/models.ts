/**
 * The model the oracles run, chosen by its attention: the weights (the npm USE-lite, or the model
 * owner's RFA-adapted checkpoint on top of them), the attention variant of the float64 reference
 * forward (plaintext oracle), and the secure nonlinear protocols (secure oracle). Both oracles must
 * get the same {@link ModelFor} so that the reference and the secure backends evaluate the same
 * function.
 *
 * @module
 */
import type { CosVariant } from "@secp/protocols";
import {
  adaptedCheckpointName,
  DEFAULT_ADAPTED_FEATURES,
  listAdaptedCheckpoints,
  loadAdaptedUseLite,
} from "../adapt/checkpoint.ts";
import { secureRfaAttention } from "../adapt/secure.ts";
import { loadUseLite } from "../use_lite/assets.ts";
import type { AttentionKind, AttentionVariant } from "../use_lite/attention.ts";
import type { ModelOps } from "../use_lite/ops.ts";
import { protocolOps, type SecureAttention } from "../use_lite/protocol_ops.ts";
import type { UseTokenizer } from "../use_lite/tokenizer.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";

/** Which model variant to run: the attention, RFA's feature count and cosine protocol. */
export interface ModelChoice {
  /** `softmax` (the npm USE-lite) or `rfa` (the model owner's RFA-adapted checkpoint). */
  attention: AttentionKind;
  /** RFA random features D (selects the checkpoint). */
  features: number;
  /** Cosine protocol of RFA. */
  cos: CosVariant;
}

/** Weights and attention for one `--attention` choice (see {@link loadModelFor}). */
export interface ModelFor {
  /** `--attention`. */
  readonly kind: AttentionKind;
  /** Weights to share / run: the npm weights (softmax) or the adapted ones (rfa). */
  readonly weights: UseLiteWeights;
  /** The package tokenizer. */
  readonly tokenizer: UseTokenizer;
  /** Attention of the float64 reference forward (`PlainOracle`'s `attention` option). */
  readonly attention: AttentionVariant;
  /** Attention of the secure forward (`protocolOps` input). */
  readonly secure: SecureAttention;
  /** `protocolOps(secure)`: the `ops` of `LocalSession.start`. */
  readonly ops: ModelOps;
  /** rfa: the checkpoint file used and its recorded provenance/metrics; softmax: null. */
  readonly checkpoint: {
    /** The checkpoint's file name (in the package's checkpoint folder). */
    readonly file: string;
    /** Its absolute path on this machine (not for reports). */
    readonly path: string;
    readonly numFeatures: number;
    readonly input: "raw" | "normalised";
    readonly seed: number | string;
    readonly metrics: Record<string, unknown>;
  } | null;
}

/**
 * Loads the model for `--attention`: `softmax` is the npm USE-lite as is; `rfa` applies the
 * committed RFA-adapted checkpoint for `features` random features (default:
 * `DEFAULT_ADAPTED_FEATURES`, else the smallest D present) after verifying its hashes. Throws an
 * Error naming the checkpoint folder and the D values available when there is none for `features`.
 */
export async function loadModelFor(
  attention: AttentionKind,
  features?: number,
  cos: CosVariant = "exact",
): Promise<ModelFor> {
  const { weights, tokenizer } = await loadUseLite();
  if (attention === "softmax") {
    const secure: SecureAttention = { kind: "softmax" };
    return {
      kind: "softmax",
      weights,
      tokenizer,
      attention: { kind: "softmax" },
      secure,
      ops: protocolOps(secure),
      checkpoint: null,
    };
  }
  const available = listAdaptedCheckpoints().filter((c) => c.input === "raw");
  const D = features ?? DEFAULT_ADAPTED_FEATURES;
  const file = available.find((c) => c.numFeatures === D) ??
    (features === undefined ? available[0] : undefined);
  if (file === undefined) {
    const dir = "packages/transformer/use_lite/checkpoints/";
    const have = available.length > 0
      ? `available: ${available.map((c) => `--features ${c.numFeatures}`).join(", ")}`
      : "none is committed";
    throw new Error(
      `--attention rfa${features === undefined ? "" : ` --features ${features}`}: no RFA-adapted ` +
        `checkpoint ${dir}${adaptedCheckpointName(D)} (${have}); the model owner makes one ` +
        `with 'deno task adapt --features ${D}'`,
    );
  }
  const adapted = await loadAdaptedUseLite(weights, file.url);
  const secure = { ...secureRfaAttention(weights.config, adapted.attention), cos };
  const a = adapted.checkpoint.attention;
  return {
    kind: "rfa",
    weights: adapted.weights,
    tokenizer,
    attention: adapted.attention,
    secure,
    ops: protocolOps(secure),
    checkpoint: {
      file: file.url.pathname.split("/").pop()!,
      path: file.url.pathname,
      numFeatures: a.numFeatures,
      input: a.input,
      seed: a.seed,
      metrics: adapted.checkpoint.metrics,
    },
  };
}

/**
 * ModelOps for the flags' attention variant and cosine protocol. `--attention rfa` needs the
 * adapted model from {@link loadModelFor} (its ops run on its adapted weights only, which the
 * session must be started with); `--features` must match it.
 */
export function secureOps(flags: ModelChoice, model?: ModelFor): ModelOps {
  if (flags.attention === "softmax") return protocolOps({ kind: "softmax" });
  if (model?.kind !== "rfa" || model.checkpoint === null) {
    throw new Error(
      "--attention rfa runs on the model owner's RFA-adapted weights: load them with " +
        "loadModelFor('rfa', flags.features, flags.cos) and pass the result to secureOps and to " +
        "LocalSession.start({weights: model.weights})",
    );
  }
  if (model.checkpoint.numFeatures !== flags.features) {
    throw new Error(
      `--features ${flags.features}: the loaded RFA checkpoint has D = ` +
        `${model.checkpoint.numFeatures} (${model.checkpoint.file})`,
    );
  }
  return protocolOps({ ...model.secure, cos: flags.cos } as SecureAttention);
}
