/**
 * `deno task bench tuning`: what tuning achieves. Runs the same `tune` job (the code users run) for
 * every task × seed, prints one JSON line per run and writes `tuning.json` and `tuning.md` with the
 * untuned and tuned test metric, the gain, and the mean gain per task over the seeds.
 *
 * Defaults: all tasks, seeds acc-1..acc-3, `--backend reference` (`deno task compare` shows the secure
 * backends reach the same accuracy on the same seed), 300 test texts; every other flag is `tune`'s.
 *
 * @module
 */
import { parseTuneFlags, TUNE_HELP } from "../flags.ts";
import { runTune } from "../tune.ts";

const HELP =
  `deno task bench tuning [flags] [tune flags]: tuned vs untuned test metric per task and seed

  --tasks a,b,…     tasks (default imdb,yelp,amazon,spam)
  --seeds a,b,…     seeds, one run each (default acc-1,acc-2,acc-3; fixed so runs can be repeated)
  --out DIR         output directory (default bench/results/tuning; each run in DIR/<task>-<seed>)
  --help            this text
  any tune flag     passed to every run (defaults here: --backend reference --test-size 300)

${TUNE_HELP.split("\n").slice(2).join("\n")}`;

/** One run's outcome. */
export interface TuningRow {
  task: string;
  seed: string;
  metric: string;
  untuned: number;
  tuned: number;
  /** tuned − untuned, in metric points (×100). */
  gain_points: number;
  best_dev: number;
  wall_s: number;
}

/** Mean gain of one task over its seeds. */
export interface TuningTaskSummary {
  task: string;
  metric: string;
  seeds: number;
  untuned_mean: number;
  tuned_mean: number;
  gain_points_mean: number;
  gain_points_min: number;
  gain_points_max: number;
  /** Whether the mean gain reaches the +5 points BBT-style tuning gets on RoBERTa-large. */
  gain_5_points: boolean;
}

/** Splits `args` into this suite's own flags and the flags passed on to `tune`. */
export function splitTuningArgs(
  args: string[],
): { tasks: string[]; seeds: string[]; out: string; help: boolean; tuneArgs: string[] } {
  const own: Record<string, string> = {};
  const tuneArgs: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [name, inline] = a.split(/=(.*)/s, 2);
    if (name === "--help" || name === "-h") help = true;
    else if (["--tasks", "--seeds", "--out"].includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${name}: missing value`);
      own[name.slice(2)] = v;
    } else tuneArgs.push(a);
  }
  for (const [k, v] of [["--backend", "reference"], ["--test-size", "300"]]) {
    if (!tuneArgs.some((a) => a === k || a.startsWith(`${k}=`))) tuneArgs.push(k, v);
  }
  if (
    tuneArgs.some((a) => a === "--resume" || a.startsWith("--seed") && !a.startsWith("--seeds"))
  ) {
    throw new Error(
      "bench tuning: use --seeds (one run per seed); --seed and --resume are per run",
    );
  }
  const list = (v: string | undefined, d: string) =>
    (v ?? d).split(",").map((s) => s.trim()).filter((s) => s !== "");
  return {
    tasks: list(own.tasks, "imdb,yelp,amazon,spam"),
    seeds: list(own.seeds, "acc-1,acc-2,acc-3"),
    out: own.out ?? "bench/results/tuning",
    help,
    tuneArgs,
  };
}

/** Mean/min/max gain per task, in the order the tasks first appear. */
export function summariseTuning(rows: TuningRow[]): TuningTaskSummary[] {
  const tasks = [...new Set(rows.map((r) => r.task))];
  return tasks.map((task) => {
    const rs = rows.filter((r) => r.task === task);
    const mean = (f: (r: TuningRow) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    const gains = rs.map((r) => r.gain_points);
    const gainMean = mean((r) => r.gain_points);
    return {
      task,
      metric: rs[0].metric,
      seeds: rs.length,
      untuned_mean: mean((r) => r.untuned),
      tuned_mean: mean((r) => r.tuned),
      gain_points_mean: gainMean,
      gain_points_min: Math.min(...gains),
      gain_points_max: Math.max(...gains),
      gain_5_points: gainMean >= 5,
    };
  });
}

/** The markdown table of {@link summariseTuning} plus the per-run rows. */
export function tuningMarkdown(rows: TuningRow[], settings: string): string {
  const f3 = (x: number) => x.toFixed(3);
  const pts = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
  const lines = [
    `Settings: ${settings}`,
    "",
    "| task | metric | seeds | untuned (mean) | tuned (mean) | gain, points (mean; min…max) | mean gain ≥ 5 |",
    "| ---- | ------ | ----- | -------------- | ------------ | ---------------------------- | ------------- |",
    ...summariseTuning(rows).map((s) =>
      `| ${s.task} | ${s.metric} | ${s.seeds} | ${f3(s.untuned_mean)} | ${f3(s.tuned_mean)} | ${
        pts(s.gain_points_mean)
      } (${pts(s.gain_points_min)}…${pts(s.gain_points_max)}) | ${s.gain_5_points ? "yes" : "no"} |`
    ),
    "",
    "| task | seed | untuned | tuned | gain | best dev | wall s |",
    "| ---- | ---- | ------- | ----- | ---- | -------- | ------ |",
    ...rows.map((r) =>
      `| ${r.task} | ${r.seed} | ${f3(r.untuned)} | ${f3(r.tuned)} | ${pts(r.gain_points)} | ${
        f3(r.best_dev)
      } | ${r.wall_s.toFixed(0)} |`
    ),
  ];
  return lines.join("\n") + "\n";
}

/** Runs the suite; returns the rows. */
export async function benchTuning(args: string[]): Promise<TuningRow[]> {
  const { tasks, seeds, out, help, tuneArgs } = splitTuningArgs(args);
  if (help) {
    console.log(HELP);
    return [];
  }
  const base = parseTuneFlags(tuneArgs);
  if (base === "help") {
    console.log(HELP);
    return [];
  }
  for (const t of tasks) parseTuneFlags([...tuneArgs, "--task", t]); // unknown task: fail first
  await Deno.mkdir(out, { recursive: true });
  const rows: TuningRow[] = [];
  for (const task of tasks) {
    for (const seed of seeds) {
      const flags = parseTuneFlags([...tuneArgs, "--task", task, "--seed", seed]);
      if (flags === "help") return rows;
      const report = await runTune({ ...flags, out: `${out}/${task}-${seed}` }, () => {});
      const s = report.summary;
      const row: TuningRow = {
        task,
        seed,
        metric: String(s.metric),
        untuned: Number(s.untuned_test_metric),
        tuned: Number(s.tuned_test_metric),
        gain_points: 100 * (Number(s.tuned_test_metric) - Number(s.untuned_test_metric)),
        best_dev: Number(s.best_dev_metric),
        wall_s: Number(s.wall_s),
      };
      console.log(JSON.stringify({ suite: "tuning", ...row }));
      rows.push(row);
    }
  }
  // The model is named whatever the flags or the defaults chose, so results say what they measure.
  const model = base.attention === "rfa"
    ? `attention rfa, D = ${base.features} (adapted checkpoint)`
    : "attention softmax (npm model)";
  const settings = `${tuneArgs.join(" ")} (tune defaults otherwise; ${model})`;
  await Deno.writeTextFile(
    `${out}/tuning.json`,
    JSON.stringify({ settings, rows, tasks: summariseTuning(rows) }, null, 2),
  );
  await Deno.writeTextFile(`${out}/tuning.md`, tuningMarkdown(rows, settings));
  return rows;
}
