/**
 * Test helper: the largest error of the secure USE-lite embedding (every party in this process,
 * fixed test seeds) against the float64 reference forward of the same weights and attention.
 */
import { type BackendKind, runLocal } from "@secp/sharing";
import { forward } from "../use_lite/reference.ts";
import type { AttentionVariant } from "../use_lite/attention.ts";
import { shareUseLite } from "../use_lite/secure.ts";
import { protocolOps } from "../use_lite/protocol_ops.ts";
import { embedSecure } from "../use_lite/steps.ts";
import type { UseLiteWeights } from "../use_lite/weights.ts";
import { secureAttention } from "../adapt/secure.ts";

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
