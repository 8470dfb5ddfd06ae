import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { type BackendKind, runLocal } from "@secp/sharing";
import {
  embedSecure,
  forward,
  loadUseLite,
  promptFromTokenIds,
  protocolOps,
  shareUseLite,
} from "../mod.ts";

const texts = [
  "I love this movie, it was wonderful.",
  "The stock market fell sharply today.",
  "Terrible acting and a boring plot, I want my money back.",
];

for (const kind of ["plain", "2pc", "3pc"] as BackendKind[]) {
  Deno.test(`secure forward on ${kind} equals the float64 reference (real USE-lite, softmax, with a prompt)`, async () => {
    const { weights, tokenizer } = await loadUseLite();
    const ids = texts.map((t) => tokenizer.encode(t));
    const promptIds = tokenizer.encode("movie review");
    const prompt = promptFromTokenIds(weights, promptIds);
    const ref = forward(weights, ids, { prompt }).embeddings;
    const lengths = ids.map((r) => r.length);
    const layout = { batch: ids.length, seq: Math.max(...lengths), lengths };
    const { results, roles } = await runLocal(kind, async (be) => {
      const mo = be.is("modelOwner");
      const model = await shareUseLite(
        be,
        weights.config,
        weights.invTimescales,
        mo ? weights : undefined,
      );
      const dO = be.is("dataOwner");
      return await embedSecure(
        be,
        model,
        layout,
        dO ? ids : undefined,
        protocolOps({ kind: "softmax" }),
        {
          length: promptIds.length,
          rows: dO
            ? new FloatTensor(prompt, [promptIds.length, weights.config.embedDim])
            : undefined,
        },
      );
    }, { insecureSeed: "secure-forward" });
    const got = results.get(roles.dataOwner)!;
    let err = 0;
    ref.forEach((r, b) =>
      r.forEach((v, j) => (err = Math.max(err, Math.abs(v - got.data[b * 512 + j]))))
    );
    assert.ok(err <= 1e-3, `max abs error of the normalised embedding ${err}`);
  });
}
