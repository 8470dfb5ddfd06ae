/**
 * `deno task compare`: the same small tuning job, same seed, under the float64 `reference` model and
 * the `2pc` and `3pc` backends side by side, so a user can choose a security model: accuracy, error of the secure logits against the
 * plaintext model on the same (untuned) prompt and texts, bytes and rounds per party, offline
 * bytes, wall time, modelled LAN/WAN time, and the trust assumption of each backend.
 */
import { existsSync } from "node:fs";
import { seedFromCrypto } from "@secp/fot";
import { parseTuneFlags, PRESETS, type TuneFlags } from "./flags.ts";
import { BACKENDS } from "@secp/sharing";
import { LOGIT_SCALE } from "@secp/transformer/oracle";
import { readPromptFile } from "./prompt_file.ts";
import { runTune } from "./tune.ts";

/** What each backend trusts (semi-honest adversaries throughout; from the backend registry). */
export const TRUST: Record<TuneFlags["backend"], string> = {
  reference: "no privacy: the float64 model runs in the clear (the reference)",
  ...Object.fromEntries(Object.values(BACKENDS).map((b) => [b.kind, b.trust])),
} as Record<TuneFlags["backend"], string>;

/** Defaults of compare's small job (tune's flags; any of them may be overridden). */
export const COMPARE_DEFAULTS = [
  "--shots",
  "2",
  "--popsize",
  "4",
  "--budget",
  "2",
  "--test-size",
  "16",
  "--max-tokens",
  "16",
  "--eval-every",
  "2",
];

/** `--help` text. */
export const COMPARE_HELP =
  `deno task compare [--backends reference,2pc,3pc] [tune flags]: one small tuning job per backend, same seed

Runs deno task tune's job under each backend (default: reference, 2pc, 3pc) with the same seed and
prints a table: tuned/untuned test metric, max |logit error| against reference on the untuned prompt,
bytes sent per party (online) and offline, rounds per generation, wall time, modelled LAN/WAN time
per generation, and the trust assumption. Writes <out>/<backend>/ (tune's files) and
<out>/compare.json.

  --backends LIST   comma-separated subset of reference,plain,2pc,3pc (reference always runs first)
  --out DIR         default runs/compare-<time>
  task flags        --task NAME|FILE --data --test --format --text-column --label-column --labels
                    --template --metric (as tune)
  tune flags        --shots --popsize --dim --prompt-len --budget --attention --features --cos
                    --net --parties-in --seed --test-size --max-tokens --eval-every --protocol
                    defaults: ${COMPARE_DEFAULTS.join(" ")}
                    (compare's small job); with --protocol paper, none of these: the preset's
                    and tune's defaults, i.e. ${PRESETS.paper.shots} shots per class, popsize ${PRESETS.paper.popsize}, d ${PRESETS.paper.dim}, ${PRESETS.paper.budget}
                    generations, dev every ${PRESETS.paper.evalEvery}, 32 test texts, 24 tokens. Flags given explicitly
                    win in both cases. The preset is long under 2pc/3pc (README: "paper preset
                    under MPC")
  --help            this text`;

/** One backend's row of the comparison. */
export interface CompareRow {
  backend: TuneFlags["backend"];
  trust: string;
  untuned_test_metric: number;
  tuned_test_metric: number;
  /** max |secure − reference| over the untuned prompt's test logits, in cosine units. */
  max_cos_error_vs_reference: number | null;
  /** Generation of the selected prompt (0: the untuned prompt was kept; null: no selection). */
  selected_generation: number | null;
  /** max |selected prompt − reference's selected prompt| over its entries (null on reference). */
  max_prompt_diff_vs_reference: number | null;
  /**
   * Whether every generation ranked its candidates in the reference's order (CMA-ES sees only the
   * ranking, so equal rankings give the same search path); null on reference.
   */
  same_ranking_as_reference: boolean | null;
  /** max |train loss − reference's| over every candidate of every generation (null on reference). */
  max_train_loss_diff_vs_reference: number | null;
  /** Smallest gap between two consecutively ranked train losses of one generation, all generations. */
  min_rank_gap: number;
  online_bytes_sent_per_party: Record<string, number>;
  offline_bytes_total: number;
  rounds_per_generation: number;
  wall_s: number;
  lan_s_per_generation: number;
  wan_s_per_generation: number;
}

/** Parses compare's arguments into the backends and one tune configuration. */
export function parseCompareArgs(
  args: string[],
): { backends: TuneFlags["backend"][]; flags: TuneFlags } | "help" {
  const rest: string[] = [];
  let backends: string[] = ["reference", "2pc", "3pc"];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--backend" || a.startsWith("--backend=")) {
      throw new Error("--backend: compare runs several; use --backends reference,2pc,3pc");
    }
    if (a === "--resume") throw new Error("--resume: not supported by compare (run tune --resume)");
    if (a === "--backends" || a.startsWith("--backends=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
      if (v === undefined) throw new Error("--backends: expected a list such as reference,2pc,3pc");
      backends = v.split(",").map((b) => b.trim()).filter((b) => b.length > 0);
      for (const b of backends) {
        if (!(b in TRUST)) {
          throw new Error(
            `--backends: unknown backend ${JSON.stringify(b)}; known: ${
              Object.keys(TRUST).join(", ")
            }`,
          );
        }
      }
      continue;
    }
    rest.push(a);
  }
  // --protocol paper asks for the preset: compare's small-job defaults would override it (they are
  // flags to tune), so they apply only to the default protocol. Explicit flags win either way.
  const asked = parseTuneFlags(rest);
  if (asked === "help") return "help";
  const flags = asked.protocol === "default"
    ? parseTuneFlags([...COMPARE_DEFAULTS, ...rest])
    : asked;
  if (flags === "help") return "help";
  const ordered = (Object.keys(TRUST) as TuneFlags["backend"][]).filter((b) =>
    b === "reference" || backends.includes(b)
  );
  if (!args.some((a) => a === "--out" || a.startsWith("--out="))) {
    flags.out = flags.out.replace("runs/tune-", "runs/compare-");
  }
  return { backends: ordered, flags };
}

/** Runs the comparison; returns the rows (reference first). */
export async function runCompare(
  backends: TuneFlags["backend"][],
  flags: TuneFlags,
  log: (s: string) => void = console.log,
): Promise<CompareRow[]> {
  if (existsSync(flags.out)) {
    throw new Error(`--out ${flags.out} already exists; choose another directory`);
  }
  const seed = flags.seed ?? seedFromCrypto();
  const rows: CompareRow[] = [];
  let reference: number[] | undefined;
  let refPrompt: Float64Array | undefined;
  let refLosses: number[][] | undefined;
  for (const backend of backends) {
    log(`== ${backend}`);
    const report = await runTune(
      { ...flags, backend, seed, out: `${flags.out}/${backend}` },
      (s) => log(`  ${s}`),
    );
    const untuned = report.test_logits.untuned;
    const prompt = (await readPromptFile(`${flags.out}/${backend}/prompt.json`)).values;
    const losses = report.history.map((h) => h.losses ?? []);
    if (backend === "reference") {
      reference = untuned;
      refPrompt = prompt;
      refLosses = losses;
    }
    const s = report.summary;
    const scale = LOGIT_SCALE;
    const vsRef = backend !== "reference" && refLosses !== undefined;
    rows.push({
      backend,
      trust: TRUST[backend],
      untuned_test_metric: s.untuned_test_metric,
      tuned_test_metric: s.tuned_test_metric,
      max_cos_error_vs_reference: reference
        ? Math.max(...untuned.map((v, i) => Math.abs(v - reference![i]) / scale))
        : null,
      selected_generation: s.selection?.selected_generation ?? null,
      max_prompt_diff_vs_reference: vsRef ? maxAbsDiff(prompt, refPrompt!) : null,
      same_ranking_as_reference: vsRef
        ? losses.length === refLosses!.length &&
          losses.every((l, g) => sameOrder(ranking(l), ranking(refLosses![g])))
        : null,
      max_train_loss_diff_vs_reference: vsRef
        ? Math.max(0, ...losses.map((l, g) => maxAbsDiff(l, refLosses![g] ?? [])))
        : null,
      min_rank_gap: Math.min(...losses.map(minRankGap)),
      online_bytes_sent_per_party: Object.fromEntries(
        (report.traffic?.parties ?? []).map((p) => [String(p.party), p.online.bytes]),
      ),
      offline_bytes_total: report.traffic?.total.offline.bytes ?? 0,
      rounds_per_generation: s.rounds_per_generation,
      wall_s: s.wall_s,
      lan_s_per_generation: s.lan_s_per_generation,
      wan_s_per_generation: s.wan_s_per_generation,
    });
  }
  await Deno.writeTextFile(
    `${flags.out}/compare.json`,
    JSON.stringify({ seed_recorded_in: `${flags.out}/*/run.json`, rows }, null, 2),
  );
  return rows;
}

/** Candidate indices from lowest to highest loss (ties by index, as a stable sort). */
export function ranking(losses: ArrayLike<number>): number[] {
  return Array.from(losses, (_, i) => i).sort((a, b) => losses[a] - losses[b] || a - b);
}

function sameOrder(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** max |a_i − b_i|; Infinity when the lengths differ (not the same thing compared). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Smallest gap between consecutive sorted losses (Infinity with fewer than two). */
export function minRankGap(losses: ArrayLike<number>): number {
  const sorted = Array.from(losses).sort((a, b) => a - b);
  let m = Infinity;
  for (let i = 1; i < sorted.length; i++) m = Math.min(m, sorted[i] - sorted[i - 1]);
  return m;
}

/** The comparison as a fixed-width text table. */
export function compareTable(rows: CompareRow[]): string {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const head = [
    "backend",
    "untuned",
    "tuned",
    "max err",
    "sel. gen",
    "same ranking",
    "online MB sent per party",
    "offline MB",
    "rounds/gen",
    "wall s",
    "LAN s/gen",
    "WAN s/gen",
  ];
  const body = rows.map((r) => [
    r.backend,
    r.untuned_test_metric.toFixed(3),
    r.tuned_test_metric.toFixed(3),
    r.max_cos_error_vs_reference === null ? "-" : r.max_cos_error_vs_reference.toExponential(1),
    r.selected_generation === null ? "-" : String(r.selected_generation),
    r.same_ranking_as_reference === null ? "-" : r.same_ranking_as_reference ? "yes" : "NO",
    Object.entries(r.online_bytes_sent_per_party).map(([p, b]) => `P${p} ${mb(b)}`).join(", ") ||
    "-",
    mb(r.offline_bytes_total),
    String(r.rounds_per_generation),
    r.wall_s.toFixed(1),
    r.lan_s_per_generation.toFixed(2),
    r.wan_s_per_generation.toFixed(2),
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => x.padEnd(width[c])).join("  ");
  return [
    line(head),
    ...body.map(line),
    "",
    ...rows.map((r) => `${r.backend}: ${r.trust}`),
  ].join("\n");
}

if (import.meta.main) {
  try {
    const parsed = parseCompareArgs(Deno.args);
    if (parsed === "help") console.log(COMPARE_HELP);
    else {
      const rows = await runCompare(parsed.backends, parsed.flags);
      console.log(compareTable(rows));
      for (const r of rows) console.log(JSON.stringify(r));
    }
  } catch (e) {
    console.error(`compare: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
