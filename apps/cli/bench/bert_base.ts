/**
 * `deno task bench model --only bert-base|layer`: a BERT-base-shaped masked LM (d 768, 12 heads,
 * FFN 3072, vocabulary 30522; 12 layers, or 1 for the `layer` line; random weights written and
 * read back in the real checkpoint format) served through the runtime exactly as `tune --model
 * DIR` serves a model: one text of 128 positions (a 4-row soft prompt included), the MLM head at
 * the mask restricted to 2 verbalizer tokens, on `2pc` and `3pc`, every party in this process:
 * on one thread (`"parties":"thread"`), one Worker per party (`"workers"`), and, on 2pc, workers
 * with the step's preprocessing first (the dealer's material and the computing parties' offline
 * pass; `"offline_ahead":true`, which times the online phase alone). Each session evaluates the
 * prompt once untimed first (each thread compiles its code and grows its memory; its messages are
 * not counted), then timed. One JSON line per backend, attention and mode with the keys of the other
 * `bench model` lines: the prompt evaluation's wall time (`total_ms`; `online_ms` with offline
 * ahead), online bytes sent by the busiest party, rounds, offline bytes (from the ledger), the
 * one-time weight sharing's bytes, and the max error of the opened logits against the float64
 * reference of the function the protocols compute.
 */
import { FloatTensor } from "@secp/field";
import { EXP_DEFAULT_ITERS } from "@secp/protocols";
import type { BackendKind } from "@secp/sharing";
import { costSince, type PartiesIn, startSession, type WorkerSession } from "@secp/sharing/run";
import {
  announceModel,
  hfAttentionOf,
  type ModelChoice,
  partyWorkerSetup,
} from "@secp/transformer/oracle";
import {
  type HfBatchInputs,
  type HfBatchSpec,
  hfForward,
  hfJobSetup,
  hfMlmLogits,
  loadHfCheckpoint,
  makeHfConfig,
  randomHfWeights,
  TINY_HF_PIECES,
  wordPieceTokenizerConfig,
  wordPieceTokenizerJson,
  writeHfCheckpoint,
} from "@secp/transformer";

/** One line: the whole model (`model`) or its one-layer version (`layer`). */
export interface BertBaseRow {
  /** `model` (12 layers) or `layer` (1 layer). */
  bench: "model" | "layer";
  /** Always "bert-base". */
  model: "bert-base";
  /** Transformer layers. */
  layers: number;
  /** Where the parties ran: all on one thread, or one Worker thread each. */
  parties: PartiesIn;
  /** The step's preprocessing (dealer and computing parties) ran before its online phase. */
  offline_ahead: boolean;
  /** Backend. */
  backend: BackendKind;
  /** `softmax` or `rfa-exact` (unadapted RFA, D = head dim, Π_cos exact). */
  attention: string;
  /** Positions per sequence (prompt included). */
  seq: number;
  /** Float64 reference forward time (ms). */
  plain_ms: number;
  /** Secure prompt evaluation, all parties in this process (ms; = total_ms). */
  secure_ms: number;
  /** Wall time of the evaluation, preprocessing included (ms). */
  total_ms: number;
  /** Its online phase alone (offline ahead only; else null). */
  online_ms: number | null;
  /** secure_ms / plain_ms. */
  ratio: number;
  /** Online bytes sent by the busiest party. */
  bytes_sent: number;
  /** Online bytes sent by all parties together (as most papers count). */
  bytes_total: number;
  /** Dependent online rounds. */
  rounds: number;
  /** Offline bytes. */
  offline_bytes: number;
  /** One-time weight sharing: bytes sent by the busiest party (online and offline). */
  share_bytes_sent: number;
  /** Max abs error of the opened verbalizer logits against the float64 reference. */
  max_abs_err: number;
}

const L = 4, SEQ = 128;

/** How the parties of one measured session run. */
interface Mode {
  parties: PartiesIn;
  offlineAhead: boolean;
}

/** The modes measured on a backend: one thread, workers, and (with a dealer) offline ahead. */
function modesOf(backend: BackendKind): Mode[] {
  const modes: Mode[] = [
    { parties: "thread", offlineAhead: false },
    { parties: "workers", offlineAhead: false },
  ];
  if (backend === "2pc") modes.push({ parties: "workers", offlineAhead: true });
  return modes;
}

/** Runs the benchmark; prints one JSON line per backend, attention and mode. */
export async function benchBertBase(
  backends: BackendKind[] = ["2pc", "3pc"],
  attentions: ModelChoice[] = [{ attention: "softmax", cos: "exact", features: 64 }],
  layers = 12,
): Promise<BertBaseRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "bert_base_" });
  const rows: BertBaseRow[] = [];
  try {
    const config = makeHfConfig("bert-base", { num_hidden_layers: layers });
    // A synthetic WordPiece vocabulary: ids fit vocab_size; the weights are what is measured.
    await writeHfCheckpoint(dir, randomHfWeights(config, 7, { mlmHead: true }), {
      dtype: "F32",
      tokenizerJson: wordPieceTokenizerJson(TINY_HF_PIECES, { style: "bert" }),
      tokenizerConfig: wordPieceTokenizerConfig("bert"),
    });
    const { weights } = await loadHfCheckpoint(dir);
    // 124 text positions: [CLS] ids … [MASK] . [SEP], ids spread over the whole vocabulary.
    const n = SEQ - L;
    const ids = Array.from({ length: n }, (_, i) => (i * 7919 + 1000) % config.vocabSize);
    ids[0] = 2, ids[n - 3] = 4, ids[n - 1] = 3; // [CLS], [MASK], [SEP] of the WordPiece layout
    const verbalizer = [1996, 2307]; // two ordinary vocabulary rows
    const spec: HfBatchSpec = {
      texts: 1,
      textSeq: n,
      textLengths: [n],
      head: { kind: "mlm", maskAt: [n - 3], verbalizer },
    };
    const d = config.hiddenSize;
    const prompt = new Float64Array(L * d).map((_, i) => 0.02 * Math.sin(i));
    for (const choice of attentions) {
      const attention = hfAttentionOf(choice);
      const name = attention.kind === "softmax" ? "softmax" : "rfa-exact";
      const approx = { gelu: "accurate", expIters: EXP_DEFAULT_ITERS } as const;
      const t0 = performance.now();
      const ref = hfForward(weights, [ids], { prompt, ...approx });
      const at = n - 3 + L;
      const want = hfMlmLogits(
        weights,
        ref.hidden[0].subarray(at * d, (at + 1) * d),
        verbalizer,
        "accurate",
      );
      const plainMs = performance.now() - t0;
      for (const backend of backends) {
        for (const mode of modesOf(backend)) {
          const session = await startSession<HfBatchSpec, HfBatchInputs>({
            kind: backend,
            setup: hfJobSetup(attention, weights),
            announce: announceModel(choice, "hf"),
            partiesIn: mode.parties,
            workerSetup: partyWorkerSetup({ modelDir: dir }),
            offlineAhead: mode.offlineAhead,
          });
          const shared = Math.max(
            ...session.ledger.summary().parties.map((p) => p.online.bytes + p.offline.bytes),
          );
          const id = await session.prepare(spec, { textIds: [ids] });
          // Warm-up (untimed, not counted): every thread compiles its code and grows its memory.
          await session.evaluate(id, new FloatTensor(prompt, [1, L, d]));
          const before = session.ledger.snapshot();
          const t1 = performance.now();
          const got = await session.evaluate(id, new FloatTensor(prompt, [1, L, d]));
          const ms = performance.now() - t1;
          const timing = mode.offlineAhead ? (session as WorkerSession).lastStep : undefined;
          const c = costSince(session.ledger, before, ms);
          const total = session.ledger.since(before).summary().total.online.bytes;
          await session.close();
          const err = Math.max(...Array.from(want, (v, i) => Math.abs(v - got.data[i])));
          const row: BertBaseRow = {
            bench: layers === 12 ? "model" : "layer",
            model: "bert-base",
            layers,
            parties: mode.parties,
            offline_ahead: mode.offlineAhead,
            backend,
            attention: name,
            seq: SEQ,
            plain_ms: Math.round(plainMs),
            secure_ms: Math.round(ms),
            total_ms: Math.round(ms),
            online_ms: timing === undefined ? null : Math.round(timing.onlineMs),
            ratio: +(ms / plainMs).toFixed(2),
            bytes_sent: c.bytesSent,
            bytes_total: total,
            rounds: c.rounds,
            offline_bytes: c.bytesOffline,
            share_bytes_sent: shared,
            max_abs_err: +err.toExponential(3),
          };
          console.log(JSON.stringify(row));
          rows.push(row);
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}
