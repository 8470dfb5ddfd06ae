/**
 * `deno task bench model --only use-lite-job`: the USE-lite line served through the runtime as
 * `tune` serves it (the oracle's job: the 32 bench sentences behind a 16-token prompt, their cosine
 * logits against two label sentences prepared once), with the parties on one thread and in Worker
 * threads, so the two can be set side by side. `plain_ms` is the float64 reference oracle on the
 * same batch and prompt; `max_abs_err` is the largest error of the opened logits against it.
 */
import type { BackendKind } from "@secp/sharing";
import type { PartiesIn } from "@secp/sharing/run";
import { loadTask } from "@secp/fot";
import { type OpenedOracle, openOracle } from "@secp/transformer/oracle";
import type { AttentionKind } from "@secp/transformer";
import type { ModelRow } from "./model.ts";

/**
 * One line: the `bench model` USE-lite line's keys (`plain_ms` is here the reference oracle on the
 * same batch and prompt; `max_abs_err` is on the opened logits), plus where the parties ran.
 */
export interface UseLiteJobRow extends
  Pick<
    ModelRow,
    | "sentences"
    | "prompt_tokens"
    | "plain_ms"
    | "secure_ms"
    | "ratio"
    | "bytes_sent"
    | "rounds"
    | "offline_bytes"
    | "max_abs_err"
  > {
  /** Always "model". */
  bench: "model";
  /** Always "use-lite-job". */
  model: "use-lite-job";
  /** Where the parties ran. */
  parties: PartiesIn;
  /** Backend. */
  backend: BackendKind;
  /** `softmax` or `rfa` (the default adapted checkpoint). */
  attention: AttentionKind;
}

const SENTENCES = 32, PROMPT = 16;

/** Times one evaluation of the bench batch on an opened oracle. */
async function evaluateOnce(o: OpenedOracle, texts: string[]) {
  const batch = await o.oracle.prepare({ texts, labelTexts: ["negative", "positive"] });
  const prompt = o.init.map((v, i) => v + 0.02 * Math.sin(i));
  const t0 = performance.now();
  const r = await o.oracle.evaluate([prompt], batch);
  return { ms: performance.now() - t0, logits: r.logits, cost: r.cost };
}

/** Runs the lines; prints one JSON line per backend, attention and way of running the parties. */
export async function benchUseLiteJob(
  backends: BackendKind[] = ["2pc", "3pc"],
  attentions: AttentionKind[] = ["rfa", "softmax"],
): Promise<UseLiteJobRow[]> {
  const texts = (await loadTask("imdb")).examples.slice(0, SENTENCES).map((e) => e.text);
  const rows: UseLiteJobRow[] = [];
  for (const attention of attentions) {
    const common = { attention, promptLength: PROMPT, maxTokens: 0 } as const;
    const ref = await openOracle({ ...common, backend: "reference" });
    await evaluateOnce(ref, texts.slice(0, 2)); // warm-up
    const want = await evaluateOnce(ref, texts);
    await ref.close();
    for (const backend of backends) {
      for (const parties of ["thread", "workers"] as const) {
        const o = await openOracle({ ...common, backend, partiesIn: parties });
        try {
          const got = await evaluateOnce(o, texts);
          const c = got.cost!;
          const err = Math.max(...Array.from(got.logits, (v, i) => Math.abs(v - want.logits[i])));
          const row: UseLiteJobRow = {
            bench: "model",
            model: "use-lite-job",
            parties,
            backend,
            attention,
            sentences: SENTENCES,
            prompt_tokens: PROMPT,
            plain_ms: Math.round(want.ms),
            secure_ms: Math.round(got.ms),
            ratio: +(got.ms / want.ms).toFixed(2),
            bytes_sent: c.bytesSent!,
            rounds: c.rounds!,
            offline_bytes: c.bytesOffline!,
            max_abs_err: +err.toExponential(3),
          };
          console.log(JSON.stringify(row));
          rows.push(row);
        } finally {
          await o.close();
        }
      }
    }
  }
  return rows;
}
