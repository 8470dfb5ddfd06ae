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
import { fewShotSplit, loadTask } from "@secp/fot";
import { openOracle } from "@secp/transformer/oracle";
import { parseTuneFlags, TUNE_HELP, type TuneFlags } from "../flags.ts";
import { runTune } from "../tune.ts";
import { linearProbe } from "./probe.ts";

const HELP =
  `deno task bench tuning [flags] [tune flags]: tuned vs untuned test metric per task and seed

  --tasks a,b,…     tasks (default imdb,yelp,amazon,spam)
  --seeds a,b,…     seeds, one run each (default acc-1,acc-2,acc-3; fixed so runs can be repeated)
  --out DIR         output directory (default bench/results/tuning; each run in DIR/<task>-<seed>)
  --probe           also fit a logistic-regression probe on the frozen embeddings of the same
                    shots (train + dev) and score it on the test texts: a ceiling column
  --study           also score every selection criterion's pick on the test texts (selection.md)
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
  /** Generation of the selected prompt (0: the untuned prompt was kept). */
  selected_generation: number;
  /** Linear-probe test metric on the same shots (with --probe). */
  probe?: number;
  /** Test metric of each selection criterion's pick (with --study). */
  study?: Record<string, number>;
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
  /** Runs in which the untuned prompt was kept. */
  kept_untuned: number;
  /** Mean linear-probe test metric, or null without --probe. */
  probe_mean: number | null;
  /** Whether the mean gain reaches the +5 points BBT-style tuning gets on RoBERTa-large. */
  gain_5_points: boolean;
}

/** Splits `args` into this suite's own flags and the flags passed on to `tune`. */
export function splitTuningArgs(
  args: string[],
): {
  tasks: string[];
  seeds: string[];
  out: string;
  help: boolean;
  probe: boolean;
  study: boolean;
  tuneArgs: string[];
} {
  const own: Record<string, string> = {};
  const tuneArgs: string[] = [];
  let help = false, probe = false, study = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [name, inline] = a.split(/=(.*)/s, 2);
    if (name === "--help" || name === "-h") help = true;
    else if (name === "--probe") probe = true;
    else if (name === "--study") study = true;
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
    probe,
    study,
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
      kept_untuned: rs.filter((r) => r.selected_generation === 0).length,
      probe_mean: rs.every((r) => r.probe !== undefined) ? mean((r) => r.probe!) : null,
      gain_5_points: gainMean >= 5,
    };
  });
}

/** Mean test metric of each selection criterion's pick per task, and its gain over untuned. */
export function studyMarkdown(rows: TuningRow[]): string {
  const withStudy = rows.filter((r) => r.study);
  if (withStudy.length === 0) return "";
  const names = Object.keys(withStudy[0].study!);
  const tasks = [...new Set(withStudy.map((r) => r.task))];
  const pts = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
  const cell = (rs: TuningRow[], n: string) => {
    const gains = rs.map((r) => 100 * ((r.study![n] ?? r.untuned) - r.untuned));
    const m = gains.reduce((a, b) => a + b, 0) / gains.length;
    return `${pts(m)} (${pts(Math.min(...gains))}…${pts(Math.max(...gains))})`;
  };
  return [
    "Test gain of each selection criterion's pick over the untuned prompt, points (mean; min…max):",
    "",
    `| task | ${names.join(" | ")} |`,
    `| ---- | ${names.map(() => "---").join(" | ")} |`,
    ...tasks.map((t) => {
      const rs = withStudy.filter((r) => r.task === t);
      return `| ${t} | ${names.map((n) => cell(rs, n)).join(" | ")} |`;
    }),
    `| all | ${names.map((n) => cell(withStudy, n)).join(" | ")} |`,
    "",
  ].join("\n");
}

/** The markdown table of {@link summariseTuning} plus the per-run rows. */
export function tuningMarkdown(rows: TuningRow[], settings: string): string {
  const f3 = (x: number) => x.toFixed(3);
  const pts = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
  const probe = rows.length > 0 && rows.every((r) => r.probe !== undefined);
  const pCol = (v: number | null | undefined) => (probe ? ` ${f3(v!)} |` : "");
  const summary = summariseTuning(rows);
  const gains = summary.map((s) => s.gain_points_mean);
  const lines = [
    `Settings: ${settings}`,
    "",
    `| task | metric | seeds | untuned (mean) | tuned (mean) | gain, points (mean; min…max) | mean gain ≥ 5 | untuned kept |${
      probe ? " linear probe (mean) |" : ""
    }`,
    `| ---- | ------ | ----- | -------------- | ------------ | ---------------------------- | ------------- | ------------ |${
      probe ? " ------------------- |" : ""
    }`,
    ...summary.map((s) =>
      `| ${s.task} | ${s.metric} | ${s.seeds} | ${f3(s.untuned_mean)} | ${f3(s.tuned_mean)} | ${
        pts(s.gain_points_mean)
      } (${pts(s.gain_points_min)}…${pts(s.gain_points_max)}) | ${
        s.gain_5_points ? "yes" : "no"
      } | ${s.kept_untuned}/${s.seeds} |${pCol(s.probe_mean)}`
    ),
    "",
    `Mean gain over the tasks: ${
      pts(gains.reduce((a, b) => a + b, 0) / Math.max(1, gains.length))
    } points.`,
    "",
    `| task | seed | untuned | tuned | gain | best dev | selected gen. | wall s |${
      probe ? " linear probe |" : ""
    }`,
    `| ---- | ---- | ------- | ----- | ---- | -------- | ------------- | ------ |${
      probe ? " ------------ |" : ""
    }`,
    ...rows.map((r) =>
      `| ${r.task} | ${r.seed} | ${f3(r.untuned)} | ${f3(r.tuned)} | ${pts(r.gain_points)} | ${
        f3(r.best_dev)
      } | ${r.selected_generation} | ${r.wall_s.toFixed(0)} |${pCol(r.probe)}`
    ),
    "",
    studyMarkdown(rows),
  ];
  return lines.join("\n").trimEnd() + "\n";
}

/** Linear-probe test metric for one run's task and seed (same shots, same test texts). */
async function probeFor(flags: TuneFlags): Promise<number> {
  const task = await loadTask(flags.task!);
  const split = fewShotSplit(task, {
    shots: flags.shots,
    devShots: flags.devShots,
    seed: flags.seed!,
  });
  const test = split.test.slice(0, flags.testSize > 0 ? flags.testSize : split.test.length);
  const L = flags.promptLen;
  const { model, init, close } = await openOracle({
    backend: "reference",
    attention: flags.attention,
    features: flags.features,
    cos: flags.cos,
    promptLength: L,
    maxTokens: flags.maxTokens,
  });
  try {
    return linearProbe(
      model!,
      task,
      [...split.train, ...split.dev],
      test,
      init,
      L,
      flags.maxTokens,
    );
  } finally {
    await close();
  }
}

/** Runs the suite; returns the rows. */
export async function benchTuning(args: string[]): Promise<TuningRow[]> {
  const { tasks, seeds, out, help, probe, study, tuneArgs } = splitTuningArgs(args);
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
  // The model is named whatever the flags or the defaults chose, so results say what they measure.
  const model = base.attention === "rfa"
    ? `attention rfa, D = ${base.features} (adapted checkpoint)`
    : "attention softmax (npm model)";
  const b = base;
  const resolved =
    `protocol ${b.protocol}: ${b.shots}+${b.devShots} shots, popsize ${b.popsize}, ` +
    `d ${b.dim}, ${b.budget} generations, loss ${b.loss}, selection ${b.selection}` +
    (b.alpha !== 1 ? `, α ${b.alpha}` : "") +
    (b.projection !== "normal" ? `, ${b.projection} projection (same std)` : "") +
    (b.classPrior === "data" ? ", losses weighted to the data's class mix" : ", balanced loss") +
    (b.deep ? ", deep prompt at every layer (d split over the layers, joint CMA-ES)" : "");
  const settings = `${tuneArgs.join(" ")} (${resolved}; ${model})`;
  const rows: TuningRow[] = [];
  // Seeds outermost, so a suite stopped early has every task on its first seeds.
  for (const seed of seeds) {
    for (const task of tasks) {
      const flags = parseTuneFlags([...tuneArgs, "--task", task, "--seed", seed]);
      if (flags === "help") return rows;
      const report = await runTune({ ...flags, out: `${out}/${task}-${seed}` }, () => {}, {
        study,
      });
      const s = report.summary;
      const sel = s.selection!;
      const row: TuningRow = {
        task,
        seed,
        metric: String(s.metric),
        untuned: Number(s.untuned_test_metric),
        tuned: Number(s.tuned_test_metric),
        gain_points: 100 * (Number(s.tuned_test_metric) - Number(s.untuned_test_metric)),
        best_dev: Number(s.best_dev_metric),
        wall_s: Number(s.wall_s),
        selected_generation: sel.selected_generation,
      };
      if (probe) row.probe = await probeFor(flags);
      if (study) {
        const st = report.selection_study!;
        row.study = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, v.test_metric]));
      }
      console.log(JSON.stringify({ suite: "tuning", ...row }));
      rows.push(row);
      // Written after every run, so a long suite stopped early keeps what it measured.
      await Deno.writeTextFile(
        `${out}/tuning.json`,
        JSON.stringify({ settings, rows, tasks: summariseTuning(rows) }, null, 2),
      );
      await Deno.writeTextFile(`${out}/tuning.md`, tuningMarkdown(rows, settings));
    }
  }
  return rows;
}
