/**
 * `deno task bench model`: the real USE-lite on 32 real sentences with a 16-token soft prompt, one
 * JSON line per backend and attention: the original model (softmax attention) and each of the
 * model owner's committed RFA-adapted checkpoints (random feature attention with D features,
 * Π_cos, on its adapted weights; same batch). Each line: float64 reference time and secure time
 * from the same run (forward only; sharing the weights once is excluded), online bytes sent by the busiest party and dependent
 * rounds of the forward (from the ledger), and the max abs error of the secure normalised
 * embedding against the float64 reference forward of the same weights and attention. The RFA
 * line also carries the checkpoint's held-out cosine to the original model, as recorded by
 * `deno task adapt` (not recomputed here). The `normalised` line runs the original weights with
 * softmax over ℓ2-normalised q/k, τ per layer and head calibrated on 64 other imdb sentences; its
 * `cos_to_softmax` is the mean cosine of its float64 embeddings to the original model's, measured
 * here on the bench sentences.
 *
 * Every party of the USE-lite line runs on this thread (`"parties":"thread"`). Then a one-layer
 * BERT-base-shaped masked LM (seq 128, d 768, 12 heads, FFN 3072, GELU, random weights) through
 * the runtime per backend, attention and way of running the parties (one thread, one Worker per
 * party, and on 2pc each step's preprocessing first: `online_ms` and `total_ms`;
 * `{"bench":"layer",…}`), then the whole 12-layer BERT-base likewise (bert_base.ts,
 * `{"bench":"model","model":"bert-base",…}`). The `use-lite-job` part serves the USE-lite line
 * through the runtime as `tune` does, on one thread, in workers and (2pc) with offline ahead
 * (use_lite_job.ts). `--only`
 * picks parts.
 */
import { parseArgs } from "node:util";
import { FloatTensor } from "@secp/field";
import { type BackendKind, runLocal } from "@secp/sharing";
import {
  type AttentionVariant,
  calibrateTemperatures,
  cosine,
  embedSecure,
  forward,
  listAdaptedCheckpoints,
  type ModelOps,
  promptFromTokenIds,
  protocolOps,
  secureAttention,
  shareUseLite,
  type UseLiteWeights,
} from "@secp/transformer";
import { loadTask } from "@secp/fot";
import { benchBertBase } from "./bert_base.ts";
import { benchUseLiteJob } from "./use_lite_job.ts";
import { costUnder } from "./sharing.ts";
import { loadModelFor, type ModelChoice } from "@secp/transformer/oracle";

/** One result line. */
export interface ModelRow {
  /** Always "model". */
  bench: "model";
  /** Every party on this thread (the USE-lite line runs one SPMD program per party). */
  parties: "thread";
  /** Secret-sharing backend. */
  backend: BackendKind;
  /** `softmax` (original) or `rfa-D<D>` (adapted checkpoint). */
  attention: string;
  /** Sentences in the batch. */
  sentences: number;
  /** Soft prompt length. */
  prompt_tokens: number;
  /** Float64 reference forward time (ms). */
  plain_ms: number;
  /** Secure forward time, all parties in this process (ms). */
  secure_ms: number;
  /** secure_ms / plain_ms. */
  ratio: number;
  /** Online bytes sent by the busiest party during the forward. */
  bytes_sent: number;
  /** Dependent online rounds of the forward. */
  rounds: number;
  /** Offline (correlated randomness) bytes of the forward. */
  offline_bytes: number;
  /** Max abs error of the secure normalised embedding against the float64 reference. */
  max_abs_err: number;
  /** RFA: held-out embedding cosine to the original model, from the checkpoint's metrics. */
  held_out_cos?: number;
  /** normalised: mean cosine of its float64 embeddings to the original model's (these sentences). */
  cos_to_softmax?: number;
}

/** Runs the USE-lite benchmark; prints one JSON line per backend and attention. */
export async function benchModel(
  backends: BackendKind[] = ["2pc", "3pc"],
  attentions: readonly ("softmax" | "normalised" | "rfa")[] = ["softmax", "normalised", "rfa"],
): Promise<ModelRow[]> {
  const rows: ModelRow[] = [];
  const task = await loadTask("imdb");
  // "rfa" runs every committed (raw-input) adapted checkpoint, one row per D.
  const rfaFeatures = listAdaptedCheckpoints().filter((c) => c.input === "raw").map((c) =>
    c.numFeatures
  );
  const jobs = attentions.flatMap((kind): { kind: typeof kind; features: number }[] =>
    kind === "rfa" ? rfaFeatures.map((d) => ({ kind, features: d })) : [{ kind, features: 0 }]
  );
  for (const { kind, features } of jobs) {
    const model = kind === "rfa"
      ? await loadModelFor("rfa", features)
      : await loadModelFor("softmax");
    let { attention, ops } = model;
    let extra: Partial<ModelRow> = {};
    const held = model.checkpoint?.metrics.heldOutCosine;
    if (typeof held === "number") extra = { held_out_cos: +held.toFixed(4) };
    if (kind === "normalised") {
      const calib = task.examples.slice(32, 96).map((e) => model.tokenizer.encode(e.text));
      attention = { kind: "normalised", tau: calibrateTemperatures(model.weights, calib) };
      ops = protocolOps(secureAttention(model.weights.config, attention));
    }
    const name = model.checkpoint ? `rfa-D${model.checkpoint.numFeatures}` : kind;
    const normalised = kind === "normalised";
    const res = await benchOne(
      model.weights,
      model.tokenizer,
      attention,
      ops,
      backends,
      normalised,
    );
    if (normalised) extra = { cos_to_softmax: res.cosToSoftmax };
    for (const row of res.rows) {
      const r: ModelRow = {
        bench: "model",
        parties: "thread",
        backend: row.backend,
        attention: name,
        ...row.cost,
        ...extra,
      };
      console.log(JSON.stringify(r));
      rows.push(r);
    }
  }
  return rows;
}

type Cost = Omit<
  ModelRow,
  "bench" | "parties" | "backend" | "attention" | "held_out_cos" | "cos_to_softmax"
>;

/** The bench batch: the first 32 imdb texts and a 16-token soft prompt, as the data owner has them. */
export interface BenchBatch {
  /** Token ids per text (clipped so that prompt + text fit the model). */
  ids: number[][];
  /** Prompt rows `2·E[id]`, [16 × embedDim] row-major. */
  prompt: Float64Array;
  /** The prompt as a tensor, for `embedSecure`. */
  promptRows: FloatTensor;
  /** Packed-row layout of the texts. */
  layout: { batch: number; seq: number; lengths: number[] };
}

/** Builds {@link BenchBatch} for a model (the same texts and prompt for every bench line). */
export async function benchBatch(
  weights: UseLiteWeights,
  tokenizer: Awaited<ReturnType<typeof loadModelFor>>["tokenizer"],
): Promise<BenchBatch> {
  const task = await loadTask("imdb");
  const ids = task.examples.slice(0, 32).map((e) =>
    tokenizer.encode(e.text).slice(0, weights.config.maxSeqLen - 16)
  );
  const seed = tokenizer.encode("the following text is a movie review");
  const prompt = promptFromTokenIds(weights, Array.from({ length: 16 }, (_, i) => seed[i % 7]));
  const lengths = ids.map((r) => r.length);
  return {
    ids,
    prompt,
    promptRows: new FloatTensor(prompt, [16, weights.config.embedDim]),
    layout: { batch: ids.length, seq: Math.max(...lengths), lengths },
  };
}

/** One model on every backend. */
async function benchOne(
  weights: UseLiteWeights,
  tokenizer: Awaited<ReturnType<typeof loadModelFor>>["tokenizer"],
  attention: AttentionVariant,
  ops: ModelOps,
  backends: BackendKind[],
  withCosToSoftmax = false,
): Promise<{ rows: { backend: BackendKind; cost: Cost }[]; cosToSoftmax?: number }> {
  const { ids, prompt, promptRows, layout } = await benchBatch(weights, tokenizer);
  forward(weights, ids.slice(0, 2), { prompt, attention }); // warm-up
  const t0 = performance.now();
  const ref = forward(weights, ids, { prompt, attention }).embeddings;
  const plainMs = performance.now() - t0;
  let cosToSoftmax: number | undefined;
  if (withCosToSoftmax) {
    const soft = forward(weights, ids, { prompt }).embeddings;
    cosToSoftmax = +(ref.reduce((s, e, i) => s + cosine(e, soft[i]), 0) / ref.length).toFixed(4);
  }
  const rows: { backend: BackendKind; cost: Cost }[] = [];
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
          embedSecure(be, model, layout, dO ? ids : undefined, ops, {
            length: 16,
            rows: dO ? promptRows : undefined,
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
    rows.push({
      backend,
      cost: {
        sentences: ids.length,
        prompt_tokens: 16,
        plain_ms: Math.round(plainMs),
        secure_ms: Math.round(secureMs),
        ratio: +(secureMs / plainMs).toFixed(2),
        ...c,
        max_abs_err: +err.toExponential(3),
      },
    });
  }
  return { rows, cosToSoftmax };
}

/** The layer line's attentions: softmax, and unadapted RFA with D = head dim and Π_cos exact. */
const LAYER_ATTENTIONS: ModelChoice[] = [
  { attention: "softmax", cos: "exact", features: 64 },
  { attention: "rfa", cos: "exact", features: 64 },
];

/** The parts of `bench model`, in the order they run. */
export const MODEL_PARTS = ["use-lite", "use-lite-job", "layer", "bert-base"] as const;

/**
 * `bench model [--only use-lite,use-lite-job,layer,bert-base] [--backends 2pc,3pc]`: runs the chosen parts
 * (default: all), so one part can be re-measured in a few minutes.
 */
export async function benchModelCli(args: string[]): Promise<unknown[]> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { only: { type: "string" }, backends: { type: "string" } },
  });
  const list = <T extends string>(flag: string, v: string | undefined, all: readonly T[]): T[] => {
    if (v === undefined) return [...all];
    const got = v.split(",").map((x) => x.trim());
    for (const x of got) {
      if (!(all as readonly string[]).includes(x)) {
        throw new Error(
          `bench model --${flag}: unknown ${JSON.stringify(x)} (choose from ${all.join(", ")})`,
        );
      }
    }
    return got as T[];
  };
  const parts = list("only", values.only, MODEL_PARTS);
  const backends = list("backends", values.backends, ["2pc", "3pc"] as BackendKind[]);
  const rows: unknown[] = [];
  if (parts.includes("use-lite")) rows.push(...await benchModel(backends));
  if (parts.includes("use-lite-job")) rows.push(...await benchUseLiteJob(backends));
  if (parts.includes("layer")) rows.push(...await benchBertBase(backends, LAYER_ATTENTIONS, 1));
  if (parts.includes("bert-base")) rows.push(...await benchBertBase(backends));
  return rows;
}

if (import.meta.main) await benchModelCli(Deno.args);
