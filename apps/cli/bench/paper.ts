/**
 * `deno task bench paper [--quick] [flags]`: the SecP-Tuning paper's cost tables at RoBERTa-large
 * scale from real secure runs of one encoder layer (random weights), composed to the 24-layer model:
 *
 * - **Table A** (per tuning iteration): SFT and gradient prompt tuning (secure forward, backward
 *   and Adam), forward-only tuning with softmax attention and with RFA (Π_cos exact and paper);
 *   forward / backward / total seconds, bytes sent by the busiest party, rounds, and the modelled
 *   LAN / WAN / WAN-200 times. One JSON line per row (`"table":"A"`).
 * - **Ablation** over sequence length: one layer forward with softmax vs RFA + Π_cos vs RFA with
 *   the iterative cosine (`"table":"ablation"`).
 * - **Backends**: the same layer (forward variants, training pass) under 2PC and 3PC
 *   (`"table":"backends"`).
 *
 * Writes `paper-<time>.json`, `paper-<time>.md` and SVG plots to `--out` (default
 * `bench/results`). Every number comes from the ledger and the clock of this run.
 *
 * @module
 */
import { parseArgs } from "../args.ts";
import type { BackendKind } from "@secp/sharing";
import { PARTIES_IN, type PartiesIn } from "@secp/sharing/run";
import { oneOf } from "../flags.ts";
import {
  ROBERTA_LARGE_LAYER,
  type RobertaLayerConfig,
  robertaLayerParamCount,
} from "@secp/transformer";
import { ADAM_RECIPROCAL, ADAM_RSQRT } from "@secp/transformer/baselines";
import { LAN, WAN, WAN200 } from "@secp/transport";
import {
  composeTableA,
  maxSent,
  modelled,
  PAPER_TABLE_A,
  part,
  round,
  sub,
  tableALine,
  type TableARow,
  widen,
} from "./paper/compose.ts";
import type { PhaseCost } from "./paper/measure.ts";
import {
  FOT_VARIANTS,
  type FotVariant,
  headParamCount,
  measureAdam,
  measureForward,
  measureTraining,
} from "./paper/runs.ts";
import { type Bar, fmtBytes, lineChart, stackedBars } from "./paper/svg.ts";

/** How every phase is timed (see `paper/measure.ts`). */
const STEADY_NOTE = "; each phase is timed in a steady state, after one untimed warm-up run of " +
  "it (not counted in bytes or rounds either)";

/** Options of {@link runPaper}. */
export interface PaperOptions {
  /** Layer shape (default RoBERTa-large). */
  layer: RobertaLayerConfig;
  /** Layers of the model (24). */
  layers: number;
  /** Sequence length of Table A. */
  seq: number;
  /** Sequence lengths of the ablation. */
  seqs: number[];
  /** Sequence length of the 2PC-vs-3PC table (0: skip). */
  backendSeq: number;
  /** Sequences per iteration (Table A). */
  batch: number;
  /** CMA-ES population (per-generation line). */
  popsize: number;
  /** Prompt tokens (gradient prompt tuning's trainable rows). */
  promptLen: number;
  /** Classes of the head. */
  classes: number;
  /** Parameters in the measured Adam chunk. */
  adamChunk: number;
  /** Output directory ("" = do not write files). */
  out: string;
  /** Print JSON lines. */
  print: boolean;
  /** Deterministic seeds (tests only). */
  insecureSeed?: string;
  /** Progress messages to stderr. */
  verbose: boolean;
  /** Mode label. */
  mode: string;
  /** Every party on this thread, or each in its own Worker (default). */
  partiesIn: PartiesIn;
}

/** Everything the suite measured and derived. */
export interface PaperResult {
  /** Options used. */
  options: PaperOptions;
  /** Table A rows (JSON lines). */
  tableA: Record<string, unknown>[];
  /** Forward-only tuning per CMA-ES generation (popsize × batch sequences). */
  generation: Record<string, unknown>[];
  /** Ablation rows. */
  ablation: Record<string, unknown>[];
  /** Backend rows. */
  backends: Record<string, unknown>[];
  /** Target checks. */
  targets: Record<string, unknown>[];
  /** Files written. */
  files: string[];
}

const HELP = `deno task bench paper [flags]: SecP-Tuning's Table A, seq-length ablation, 2PC vs 3PC

  --quick               seq 64, ablation 64/128, backends at 64, Adam chunk 4096 (a few minutes)
  --seq N               Table A sequence length (default 512)
  --seqs a,b,…          ablation sequence lengths (default 64,128,256,512; "" = none)
  --backend-seq N       2PC-vs-3PC table sequence length (default 128; 0 = skip)
  --batch B             sequences per iteration (default 1; per-sequence parts scaled, see report)
  --popsize P           CMA-ES population for the per-generation line (default 20)
  --prompt-len L        prompt tokens of gradient prompt tuning (default 50)
  --adam-chunk N        parameters in the measured Adam step (default 65536)
  --hidden D --heads H --ffn F --layers L   model shape (default RoBERTa-large: 1024, 16, 4096, 24)
  --parties-in workers|thread   one Worker thread per party (default: the parties' compute overlaps
                        on the cores) or every party on one thread (seconds are their sum)
  --out DIR             output directory (default bench/results)
  --help                this text`;

/** Parses the suite's flags. */
export function parsePaperArgs(args: string[]): PaperOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      seq: { type: "string" },
      seqs: { type: "string" },
      "backend-seq": { type: "string" },
      batch: { type: "string" },
      popsize: { type: "string" },
      "prompt-len": { type: "string" },
      "adam-chunk": { type: "string" },
      hidden: { type: "string" },
      heads: { type: "string" },
      ffn: { type: "string" },
      layers: { type: "string" },
      out: { type: "string" },
      "parties-in": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return "help";
  const q = values.quick ?? false;
  const int = (name: string, v: string | undefined, d: number, min = 1) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new RangeError(`--${name} must be an integer ≥ ${min}`);
    }
    return n;
  };
  const seqs = values.seqs === undefined
    ? (q ? [64, 128] : [64, 128, 256, 512])
    : values.seqs.split(",").filter((s) => s !== "").map((s) => int("seqs", s, 0));
  const layer: RobertaLayerConfig = {
    hidden: int("hidden", values.hidden, ROBERTA_LARGE_LAYER.hidden),
    heads: int("heads", values.heads, ROBERTA_LARGE_LAYER.heads),
    ffn: int("ffn", values.ffn, ROBERTA_LARGE_LAYER.ffn),
    eps: 1e-5,
    // PUMA's GELU for every method: the gradient baselines' GELU′ is fit on its segments, so the
    // forward-only rows evaluate the same function (and stay comparable with the committed table).
    gelu: "puma",
  };
  if (layer.hidden % layer.heads) throw new RangeError("--hidden must be divisible by --heads");
  return {
    layer,
    layers: int("layers", values.layers, 24),
    seq: int("seq", values.seq, q ? 64 : 512),
    seqs,
    backendSeq: int("backend-seq", values["backend-seq"], q ? 64 : 128, 0),
    batch: int("batch", values.batch, 1),
    popsize: int("popsize", values.popsize, 20),
    promptLen: int("prompt-len", values["prompt-len"], 50),
    classes: 2,
    adamChunk: int("adam-chunk", values["adam-chunk"], q ? 4096 : 65536),
    out: values.out ?? "bench/results",
    print: true,
    verbose: true,
    mode: q ? "quick" : "full",
    partiesIn: oneOf("parties-in", values["parties-in"], "workers", PARTIES_IN),
  };
}

/** Runs the suite with parsed options. */
export async function runPaper(o: PaperOptions): Promise<PaperResult> {
  const log = (m: string) => o.verbose && console.error(`[bench paper] ${m}`);
  const mo = { insecureSeed: o.insecureSeed, classes: o.classes, partiesIn: o.partiesIn };
  const started = performance.now();
  const variants = Object.keys(FOT_VARIANTS) as FotVariant[];
  const seqsFwd = [...new Set([...o.seqs, o.seq, ...(o.backendSeq ? [o.backendSeq] : [])])]
    .sort((a, b) => a - b);
  const fwd2 = new Map<number, Record<string, PhaseCost>>();
  for (const S of seqsFwd) {
    log(`2pc layer forward per attention variant, seq ${S}`);
    const vs = o.seqs.includes(S) || S === o.backendSeq ? variants : variants.slice(0, 3);
    fwd2.set(S, await measureForward("2pc", o.layer, 1, S, vs, mo));
  }
  const train2 = new Map<number, Record<string, PhaseCost>>();
  for (const S of [...new Set([o.seq, ...(o.backendSeq ? [o.backendSeq] : [])])]) {
    log(`2pc training pass (forward, backward, head), seq ${S}`);
    train2.set(S, await measureTraining("2pc", o.layer, 1, S, mo));
  }
  log(`2pc Adam on ${o.adamChunk} parameters`);
  const adam = await measureAdam("2pc", o.adamChunk, mo);

  // Table A.
  const d = o.layer.hidden;
  const sftParams = o.layers * robertaLayerParamCount(o.layer) + headParamCount(d, o.classes);
  const rows = composeTableA(
    { forward: fwd2.get(o.seq)!, training: train2.get(o.seq)!, adam, adamChunk: o.adamChunk },
    {
      kind: "2pc",
      layer: o.layer,
      layers: o.layers,
      batch: o.batch,
      sftParams,
      promptParams: o.promptLen * d,
    },
  );
  const common = { backend: "2pc", seq: o.seq, batch: o.batch, layers: o.layers };
  const tableA = rows.map((r) => tableALine(r, common));
  const generation = rows.filter((r) => r.method.startsWith("fot")).map((r) => {
    const g = widen(r.total, o.popsize);
    return {
      table: "A-generation",
      method: r.method,
      popsize: o.popsize,
      sequences: o.popsize * o.batch,
      total_s: round(g.seconds),
      bytes_sent: Math.round(maxSent(g)),
      rounds: g.rounds,
      lan_s: round(modelled(g, LAN)),
      wan_s: round(modelled(g, WAN)),
      wan200_s: round(modelled(g, WAN200)),
    };
  });

  // Ablation.
  const ablation: Record<string, unknown>[] = [];
  for (const S of o.seqs) {
    const f = fwd2.get(S)!;
    for (const v of variants) {
      const p = f[`fwd-${v}`];
      if (!p) continue;
      ablation.push({
        table: "ablation",
        backend: "2pc",
        seq: S,
        variant: v,
        layer_s: round(p.seconds),
        bytes_sent: p.bytesSent,
        rounds: p.rounds,
        offline_bytes: p.offlineBytes,
        lan_s: round(modelled(part(p), LAN)),
        wan_s: round(modelled(part(p), WAN)),
      });
    }
  }

  // Backends.
  const backends: Record<string, unknown>[] = [];
  if (o.backendSeq) {
    const S = o.backendSeq;
    const per: Record<string, [Record<string, PhaseCost>, Record<string, PhaseCost>]> = {
      "2pc": [fwd2.get(S)!, train2.get(S)!],
    };
    log(`3pc forward and training pass, seq ${S}`);
    per["3pc"] = [
      await measureForward("3pc", o.layer, 1, S, ["fot-softmax", "fot-rfa-exact"], mo),
      await measureTraining("3pc", o.layer, 1, S, mo),
    ];
    for (const kind of ["2pc", "3pc"] as BackendKind[]) {
      const [f, t] = per[kind];
      const wl: Record<string, PhaseCost> = {
        "fwd-softmax": f["fwd-fot-softmax"],
        "fwd-rfa-exact": f["fwd-fot-rfa-exact"],
        "train-fwd": t["train-fwd"],
        "bwd-act": t["bwd-act"],
        "bwd-sft": t["bwd-sft"],
      };
      for (const [w, p] of Object.entries(wl)) {
        backends.push({
          table: "backends",
          backend: kind,
          seq: S,
          workload: w,
          layer_s: round(p.seconds),
          bytes_sent: p.bytesSent,
          rounds: p.rounds,
          offline_bytes: p.offlineBytes,
          lan_s: round(modelled(part(p), LAN)),
          wan_s: round(modelled(part(p), WAN)),
        });
      }
    }
  }

  // Targets.
  const byM = Object.fromEntries(rows.map((r) => [r.method, r])) as Record<string, TableARow>;
  const rfa = byM["fot-rfa-exact"], sft = byM["sft"], pt = byM["gradient-pt"];
  const paperBytes = PAPER_TABLE_A["fot-rfa"].gb * 1e9;
  const ours = maxSent(rfa.total);
  const lanRatio = (a: TableARow) => modelled(a.total, LAN) / modelled(rfa.total, LAN);
  const cpuRatio = (a: TableARow) => a.total.seconds / rfa.total.seconds;
  const targets = [
    {
      table: "targets",
      target: "fot-rfa bytes per iteration ≤ ½ paper (paper's 56.55 GB read as bytes sent)",
      ours_bytes_sent: Math.round(ours),
      limit_bytes: paperBytes / 2,
      met: ours <= paperBytes / 2,
    },
    {
      table: "targets",
      target: "fot-rfa bytes ≤ ½ paper (paper's figure read as sent + received, CrypTen's count)",
      ours_sent_plus_received: Math.round(2 * ours),
      limit_bytes: paperBytes / 2,
      met: 2 * ours <= paperBytes / 2,
    },
    {
      table: "targets",
      target: "speed-up fot-rfa vs sft ≥ 12× (modelled LAN time)",
      ratio_lan: round(lanRatio(sft)),
      ratio_compute: round(cpuRatio(sft)),
      met: lanRatio(sft) >= 12,
    },
    {
      table: "targets",
      target: "speed-up fot-rfa vs gradient-pt ≥ 16× (modelled LAN time)",
      ratio_lan: round(lanRatio(pt)),
      ratio_compute: round(cpuRatio(pt)),
      met: lanRatio(pt) >= 16,
    },
  ];
  const elapsed = (performance.now() - started) / 1000;
  const result: PaperResult = {
    options: o,
    tableA,
    generation,
    ablation,
    backends,
    targets,
    files: [],
  };
  if (o.print) {
    for (const l of [...tableA, ...generation, ...ablation, ...backends, ...targets]) {
      console.log(JSON.stringify(l));
    }
  }
  if (o.out) {
    result.files = await writeReport(o, result, rows, fwd2, train2, adam, elapsed);
    log(`wrote ${result.files.join(", ")}`);
  }
  return result;
}

function machine(): string {
  const cpus = navigator.hardwareConcurrency;
  let os = "";
  try {
    os = `${Deno.build.os} ${Deno.osRelease()}`;
  } catch { /* no permission */ }
  return `${cpus} logical CPUs, ${os}, Deno ${Deno.version.deno}, V8 ${Deno.version.v8}`;
}

async function writeReport(
  o: PaperOptions,
  r: PaperResult,
  rows: TableARow[],
  fwd2: Map<number, Record<string, PhaseCost>>,
  train2: Map<number, Record<string, PhaseCost>>,
  adam: PhaseCost,
  elapsed: number,
): Promise<string[]> {
  await Deno.mkdir(o.out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const base = `${o.out}/paper-${o.mode}-${stamp}`;
  const files: string[] = [];
  const write = async (suffix: string, text: string) => {
    await Deno.writeTextFile(`${base}${suffix}`, text);
    files.push(`${base}${suffix}`);
  };
  const name = (suffix: string) => `paper-${o.mode}-${stamp}${suffix}`;
  const meta = {
    date: new Date().toISOString(),
    machine: machine(),
    note:
      (o.partiesIn === "workers"
        ? "wall times are noisy (2 vCPUs); every party runs in its own Worker thread of one " +
          "process, so the parties' compute overlaps on the 2 cores (2PC: 2 computing parties and " +
          "the dealer)"
        : "wall times are noisy (2 vCPUs); all parties run in one process on one JS thread, so " +
          "seconds are the serialised compute of every party") + STEADY_NOTE,
    parties_in: o.partiesIn,
    elapsed_s: round(elapsed),
  };
  await write(
    ".json",
    JSON.stringify(
      // no output directory: a committed report holds no path of the machine that ran it
      { meta, ...r, options: { ...r.options, out: undefined }, files: undefined },
      null,
      1,
    ),
  );

  // Plots.
  const ab = (key: "layer_s" | "bytes_sent") =>
    Object.keys(FOT_VARIANTS).map((v) => ({
      name: v.replace("fot-", ""),
      points: r.ablation.filter((a) => a.variant === v).map((a) =>
        [a.seq as number, a[key] as number] as [number, number]
      ),
    })).filter((s) => s.points.length > 0);
  if (r.ablation.length) {
    await write(
      "-ablation-time.svg",
      lineChart("One layer forward (2PC): seconds vs sequence length", "seconds", ab("layer_s")),
    );
    await write(
      "-ablation-bytes.svg",
      lineChart(
        "One layer forward (2PC): bytes sent vs sequence length",
        "bytes sent",
        ab("bytes_sent"),
        fmtBytes,
      ),
    );
  }
  const f = fwd2.get(o.seq)!, t = train2.get(o.seq)!;
  const bars: Bar[] = [
    { label: "fot softmax", parts: f["fwd-fot-softmax"].byOp },
    { label: "fot rfa exact", parts: f["fwd-fot-rfa-exact"].byOp },
    { label: "fot rfa paper", parts: f["fwd-fot-rfa-paper"].byOp },
    { label: "train forward", parts: t["train-fwd"].byOp },
    { label: "backward (pt)", parts: t["bwd-act"].byOp },
    { label: "backward (sft)", parts: t["bwd-sft"].byOp },
    { label: "weight masks (sft)", parts: t["prepare"].byOp },
  ];
  await write(
    "-layer-bytes.svg",
    stackedBars(`One layer, seq ${o.seq}, 2PC: bytes sent by the busiest party per op`, bars),
  );
  const modelBars: Bar[] = rows.map((row) => ({
    label: row.method,
    parts: {
      forward: maxSent(row.fwd),
      "backward (layers, head)": maxSent(row.bwd) - maxSent(row.opt),
      adam: maxSent(row.opt),
    },
  }));
  await write(
    "-tableA-bytes.svg",
    stackedBars(`Table A: bytes sent per iteration (${o.layers} layers, seq ${o.seq})`, modelBars),
  );
  if (r.backends.length) {
    const bb: Bar[] = r.backends.map((b) => ({
      label: `${b.backend} ${b.workload}`,
      parts: { [b.backend as string]: b.bytes_sent as number },
    }));
    await write("-backends.svg", stackedBars(`2PC vs 3PC, one layer, seq ${o.backendSeq}`, bb));
  }

  // Markdown.
  const gb = (b: number) => (b / 1e9).toFixed(2);
  const md: string[] = [];
  md.push(
    `# SecP-Tuning cost tables at RoBERTa scale (${o.mode} run)`,
    "",
    `- date: ${meta.date}; machine: ${meta.machine}; suite wall time ${round(elapsed)} s`,
    `- ${meta.note}.`,
    `- layer: d ${o.layer.hidden}, ${o.layer.heads} heads, FFN ${o.layer.ffn}, post-LN, GELU ` +
      `(${o.layer.gelu === "puma" ? "PUMA's polynomial" : "geluAccurate"}, every method), random ` +
      `weights; model = ${o.layers} identical layers: **one layer measured per workload, the ` +
      `${o.layers}-layer totals are composed** (× ${o.layers}: seconds, bytes, rounds).`,
    `- Table A: backend 2PC (additive + dealer, exact truncation), seq ${o.seq}, **${o.batch} ` +
      `sequence(s) per iteration** for every method (the paper's forward times are similar across ` +
      `methods, so its iteration processes the same data for all). ${
        o.batch > 1
          ? "Measured at batch 1; per-sequence parts scaled × batch (bytes and time are linear in the " +
            "batch for these ops; rounds are not: batched ops keep their rounds); per-iteration parts " +
            "(SFT weight-mask openings, Adam, the weight-gradient output truncation) counted once."
          : "Measured directly at batch 1 (no scaling)."
      }`,
    `- Prompt tokens count inside the ${o.seq} positions (FoT and gradient PT: ${o.promptLen} prompt ` +
      `rows + text; SFT: text), so forward shapes are equal across methods.`,
    `- bytes = online bytes sent by the busiest computing party (not sent + received); offline = ` +
      `dealer material. Modelled time = measured compute + rounds · RTT/2 + bytes · 8 / bandwidth ` +
      `(LAN 3 Gbps/0.8 ms, WAN 100 Mbps/80 ms, WAN-200 200 Mbps/40 ms).`,
    `- Weights are constant for FoT and gradient PT: their masks are opened once (amortised, not ` +
      `counted). SFT re-opens W and Wᵀ masks every iteration (counted in its forward). SFT trains ` +
      `the ${o.layers} layers and the head (${(sftParams(o) / 1e6).toFixed(1)} M parameters; ` +
      `embeddings frozen); gradient PT trains ${o.promptLen}×${o.layer.hidden} prompt parameters and ` +
      `needs the backward w.r.t. activations through all layers.`,
    `- Head: dense d→d, GELU, LayerNorm, decoder d→${o.classes} on the mask row; FoT opens the ` +
      `${o.classes} logits to the data owner, the gradient baselines take the cross-entropy gradient ` +
      `under MPC (the head's training step, incl. its weight gradients, is counted in "backward" ` +
      `for both baselines).`,
    `- Adam (backward column includes it): measured on ${o.adamChunk} parameters and scaled ` +
      `linearly (elementwise: bytes and time linear, rounds constant). √v by rsqrt ` +
      `${JSON.stringify(ADAM_RSQRT)}, division by reciprocal ${JSON.stringify(ADAM_RECIPROCAL)} ` +
      `(range-normalised: robust over v's dynamic range, ≈ ${
        fmtBytes(adam.bytesSent / o.adamChunk)
      } per parameter).`,
    "",
    "## Table A: per iteration",
    "",
    "| method | fwd s | bwd s (adam s) | total s | GB sent | rounds | LAN s | WAN s | WAN-200 s | paper total s / GB |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  const sftRow = rows.find((x) => x.method === "sft")!;
  const rfaRow = rows.find((x) => x.method === "fot-rfa-exact")!;
  const paperOf = (m: string) =>
    m === "sft"
      ? PAPER_TABLE_A.sft
      : m === "gradient-pt"
      ? PAPER_TABLE_A["gradient-pt"]
      : m === "fot-softmax"
      ? PAPER_TABLE_A["fot-softmax"]
      : PAPER_TABLE_A["fot-rfa"];
  for (const row of rows) {
    const p = paperOf(row.method);
    md.push(
      `| ${row.method} | ${round(row.fwd.seconds)} | ${round(row.bwd.seconds)} (${
        round(row.opt.seconds)
      }) | ${round(row.total.seconds)} | ${gb(maxSent(row.total))} | ${row.total.rounds} | ${
        round(modelled(row.total, LAN))
      } | ${round(modelled(row.total, WAN))} | ${
        round(modelled(row.total, WAN200))
      } | ${p.total} / ${p.gb} |`,
    );
  }
  md.push(
    "",
    `Per CMA-ES generation (popsize ${o.popsize} × ${o.batch} sequence(s), one batched forward): ` +
      r.generation.map((g) =>
        `${g.method} ${g.total_s} s, ${gb(g.bytes_sent as number)} GB, LAN ${g.lan_s} s`
      ).join("; ") + ".",
    "",
    `![Table A bytes](${name("-tableA-bytes.svg")})`,
    "",
    `![Layer bytes per op](${name("-layer-bytes.svg")})`,
    "",
    "## Targets",
    "",
    ...r.targets.map((t) =>
      `- ${t.met ? "**met**" : "**not met**"}: ${t.target} — ${
        JSON.stringify(Object.fromEntries(
          Object.entries(t).filter(([k]) => !["table", "target", "met"].includes(k)),
        ))
      }`
    ),
    "",
    `Informational, SFT without its Adam step: ${
      round(modelled(sub(sftRow.total, sftRow.opt), LAN))
    } s LAN, ${gb(maxSent(sub(sftRow.total, sftRow.opt)))} GB; speed-up of fot-rfa-exact over it ${
      round(modelled(sub(sftRow.total, sftRow.opt), LAN) / modelled(rfaRow.total, LAN))
    }× (LAN).`,
    "",
  );
  if (r.ablation.length) {
    md.push(
      "## Ablation: one layer forward vs sequence length (2PC)",
      "",
      "| seq | variant | seconds | MB sent | rounds | LAN s | WAN s |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...r.ablation.map((a) =>
        `| ${a.seq} | ${a.variant} | ${a.layer_s} | ${
          ((a.bytes_sent as number) / 1e6).toFixed(1)
        } | ${a.rounds} | ${a.lan_s} | ${a.wan_s} |`
      ),
      "",
      `![ablation time](${name("-ablation-time.svg")}) ![ablation bytes](${
        name("-ablation-bytes.svg")
      })`,
      "",
    );
  }
  if (r.backends.length) {
    md.push(
      `## Backends: one layer, seq ${o.backendSeq}`,
      "",
      "Truncation: each backend's default, exact (2PC: dealer pairs; 3PC: party 2 as the pair " +
        "helper).",
      "",
      "| workload | 2PC s | 2PC MB sent | 2PC rounds | 3PC s | 3PC MB sent | 3PC rounds |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const w of [...new Set(r.backends.map((b) => b.workload as string))]) {
      const a = r.backends.find((b) => b.workload === w && b.backend === "2pc")!;
      const b = r.backends.find((x) => x.workload === w && x.backend === "3pc")!;
      const mb = (v: unknown) => ((v as number) / 1e6).toFixed(1);
      md.push(
        `| ${w} | ${a.layer_s} | ${mb(a.bytes_sent)} | ${a.rounds} | ${b.layer_s} | ${
          mb(b.bytes_sent)
        } | ${b.rounds} |`,
      );
    }
    md.push("", `![backends](${name("-backends.svg")})`, "");
  }
  await write(".md", md.join("\n"));
  return files;
}

function sftParams(o: PaperOptions): number {
  return o.layers * robertaLayerParamCount(o.layer) + headParamCount(o.layer.hidden, o.classes);
}

/** Entry point of the `paper` suite: parses flags and runs. */
export async function benchPaper(args: string[]): Promise<PaperResult | undefined> {
  const o = parsePaperArgs(args);
  if (o === "help") {
    console.log(HELP);
    return undefined;
  }
  return await runPaper(o);
}

if (import.meta.main) await benchPaper(Deno.args);
