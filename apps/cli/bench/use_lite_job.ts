/**
 * `deno task bench model --only use-lite-job`: the USE-lite line served through the runtime as
 * `tune` serves it (the oracle's job: the 32 bench sentences behind a 16-token prompt, their cosine
 * logits against two label sentences prepared once), with the parties on one thread and in Worker
 * threads (on 2pc also with each step's preprocessing ahead of its online phase, timed apart), so
 * they can be set side by side. Each oracle evaluates the batch once untimed first (each thread
 * compiles its code and grows its memory), then timed; the cost is the timed evaluation's. `plain_ms` is the float64 reference oracle on the
 * same batch and prompt; `max_abs_err` is the largest error of the opened logits against it.
 */
import type { BackendKind } from "@secp/sharing";
import type { PartiesIn, WorkerSession } from "@secp/sharing/run";
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
  /** Each step's preprocessing ran before its online phase (2pc in workers only). */
  offline_ahead: boolean;
  /** The online phase alone (offline ahead only; else null), ms. */
  online_ms: number | null;
  /** online_ms over `plain_ms` (offline ahead only; else null). */
  online_ratio: number | null;
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
      const modes: [PartiesIn, boolean][] = [["thread", false], ["workers", false]];
      if (backend === "2pc") modes.push(["workers", true]);
      for (const [parties, offlineAhead] of modes) {
        const o = await openOracle({ ...common, backend, partiesIn: parties, offlineAhead });
        try {
          await evaluateOnce(o, texts); // warm-up: every thread compiles and grows its memory
          const got = await evaluateOnce(o, texts);
          const online = offlineAhead ? (o.session as WorkerSession).lastStep!.onlineMs : null;
          const c = got.cost!;
          const err = Math.max(...Array.from(got.logits, (v, i) => Math.abs(v - want.logits[i])));
          const row: UseLiteJobRow = {
            bench: "model",
            model: "use-lite-job",
            parties,
            offline_ahead: offlineAhead,
            online_ms: online === null ? null : Math.round(online),
            online_ratio: online === null ? null : +(online / want.ms).toFixed(2),
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
