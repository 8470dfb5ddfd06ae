/**
 * `deno task bench model`: the default model (real USE-lite, softmax attention) on 32 real
 * sentences with a 16-token soft prompt, one JSON line per backend: float64 reference time and
 * secure time from the same run (forward only; sharing the weights once is excluded), online
 * bytes sent by the busiest party and dependent rounds of the forward (from the ledger), and the
 * max abs error of the secure normalised embedding against the reference.
 */
import { FloatTensor } from "@secp/field";
import { type BackendKind, runLocal } from "@secp/sharing";
import {
  embedSecure,
  forward,
  loadUseLite,
  promptFromTokenIds,
  protocolOps,
  shareUseLite,
} from "@secp/transformer";
import { loadTask } from "@secp/fot";
import { costUnder } from "./bench_sharing.ts";

/** One result line. */
export interface ModelRow {
  bench: "model";
  backend: BackendKind;
  sentences: number;
  prompt_tokens: number;
  plain_ms: number;
  secure_ms: number;
  ratio: number;
  bytes_sent: number;
  rounds: number;
  offline_bytes: number;
  max_abs_err: number;
}

/** Runs the model benchmark; prints one JSON line per backend. */
export async function benchModel(backends: BackendKind[] = ["2pc", "3pc"]): Promise<ModelRow[]> {
  const { weights, tokenizer } = await loadUseLite();
  const task = await loadTask("imdb");
  const texts = task.examples.slice(0, 32).map((e) => e.text);
  const ids = texts.map((t) => tokenizer.encode(t).slice(0, weights.config.maxSeqLen - 16));
  const promptIds = Array.from(
    { length: 16 },
    (_, i) => tokenizer.encode("the following text is a movie review")[i % 7],
  );
  const prompt = promptFromTokenIds(weights, promptIds);
  forward(weights, ids.slice(0, 2), { prompt }); // warm-up
  const t0 = performance.now();
  const ref = forward(weights, ids, { prompt }).embeddings;
  const plainMs = performance.now() - t0;
  const lengths = ids.map((r) => r.length);
  const layout = { batch: ids.length, seq: Math.max(...lengths), lengths };
  const rows: ModelRow[] = [];
  for (const backend of backends) {
    let secureMs = 0;
    const { results, roles, ledger } = await runLocal(backend, async (be) => {
      const model = await shareUseLite(
        be,
        weights.config,
        weights.invTimescales,
        be.is("modelOwner") ? weights : undefined,
      );
      const dO = be.is("dataOwner");
      const t1 = performance.now();
      const out = await be.scope(
        "forward",
        () =>
          embedSecure(be, model, layout, dO ? ids : undefined, protocolOps({ kind: "softmax" }), {
            length: 16,
            rows: dO ? new FloatTensor(prompt, [16, weights.config.embedDim]) : undefined,
          }),
      );
      if (dO) secureMs = performance.now() - t1;
      return out;
    });
    const got = results.get(roles.dataOwner)!;
    let err = 0;
    ref.forEach((r, b) =>
      r.forEach((v, j) => (err = Math.max(err, Math.abs(v - got.data[b * 512 + j]))))
    );
    const c = costUnder(ledger, "forward");
    const row: ModelRow = {
      bench: "model",
      backend,
      sentences: ids.length,
      prompt_tokens: 16,
      plain_ms: Math.round(plainMs),
      secure_ms: Math.round(secureMs),
      ratio: +(secureMs / plainMs).toFixed(2),
      ...c,
      max_abs_err: +err.toExponential(3),
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  return rows;
}

if (import.meta.main) await benchModel();
