/**
 * Test fixtures of the adaptation tests: a small two-layer USE-lite config, seeded token sentences,
 * a softmax teacher with a student that learns its RFA frequencies, and the largest error of the
 * secure embedding (every party in this process, fixed test seeds) against the float64 reference
 * forward of the same weights and attention.
 */
import { type BackendKind, runLocal } from "@secp/sharing";
import { forward } from "../use_lite/reference.ts";
import type { AttentionVariant } from "../use_lite/attention.ts";
import { shareUseLite } from "../use_lite/secure.ts";
import { protocolOps } from "../use_lite/protocol_ops.ts";
import { embedSecure } from "../use_lite/steps.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";
import { makeUseLiteConfig } from "../use_lite/config.ts";
import { seededRng } from "../common/rng.ts";
import type { CheckpointAttention } from "../adapt/checkpoint.ts";
import { secureAttention } from "../adapt/secure.ts";
import { buildTfModel, tfEmbedAll, type TrainableGroups } from "../adapt/tf_model.ts";
import type { RfaFeatures } from "../use_lite/attention.ts";

/** Two small layers of different head widths, 50 vocabulary rows. */
export const SMALL_ADAPT_CONFIG = makeUseLiteConfig({
  vocabRows: 50,
  embedDim: 16,
  layers: [
    { modelDim: 24, heads: 2, headDim: 4, ffnDim: 32 },
    { modelDim: 24, heads: 2, headDim: 8, ffnDim: 32 },
  ],
  outputDim: 12,
  maxSeqLen: 20,
});

/** Seven token sentences of 1–13 ids below 50, drawn from the test seed `label`. */
export function seededSentences(label: string): number[][] {
  const rng = seededRng(label);
  return Array.from(
    { length: 7 },
    (_, i) => Array.from({ length: 1 + ((i * 5) % 13) }, () => Math.floor(rng.uniform() * 50)),
  );
}

/**
 * The frozen softmax teacher of `weights`, its embeddings of `sentences`, and a student (log-scales
 * 0.5, two layers of two heads) that learns the RFA frequencies `init`, with its attention option.
 */
export function learnedStudent(
  weights: UseLiteWeights,
  sentences: number[][],
  init: RfaFeatures,
  groups: Partial<Omit<TrainableGroups, "qk">>,
) {
  const attention = { kind: "rfa", input: "raw", features: init, floor: 1 / 16 } as const;
  const teacherModel = buildTfModel(weights, { frozen: true });
  const teacher = tfEmbedAll(teacherModel, sentences, { kind: "softmax" }).embeddings;
  const model = buildTfModel(weights, {
    initLogA: [[0.5, 0.5], [0.5, 0.5]],
    learnFeatures: init,
    groups,
  });
  return { attention, teacherModel, teacher, model };
}

/** Max |secure − float64| over the embeddings of `ids` on `kind` (`seed`: an insecure test label). */
export async function secureVsReference(
  kind: BackendKind,
  weights: UseLiteWeights,
  attention: AttentionVariant,
  ids: number[][],
  seed: string,
): Promise<number> {
  const ref = forward(weights, ids, { attention }).embeddings;
  const lengths = ids.map((r) => r.length);
  const layout = { batch: ids.length, seq: Math.max(...lengths), lengths };
  const { results, roles } = await runLocal(kind, async (be) => {
    const model = await shareUseLite(
      be,
      weights.config,
      weights.invTimescales,
      be.is("modelOwner") ? weights : undefined,
    );
    return await embedSecure(
      be,
      model,
      layout,
      be.is("dataOwner") ? ids : undefined,
      protocolOps(secureAttention(weights.config, attention)),
    );
  }, { insecureSeed: seed });
  const got = results.get(roles.dataOwner)!;
  const dim = weights.config.outputDim;
  let err = 0;
  ref.forEach((r, b) =>
    r.forEach((v, j) => (err = Math.max(err, Math.abs(v - got.data[b * dim + j]))))
  );
  return err;
}

/** The provenance fields of a test checkpoint (random base, no training) around `attention`. */
export function testCheckpointMeta(attention: CheckpointAttention) {
  return {
    description: "test",
    basePackage: "random",
    baseVersion: "0",
    baseLicence: "none",
    licence: "none",
    attention,
    training: {},
    metrics: {},
    reproduce: "",
  };
}
