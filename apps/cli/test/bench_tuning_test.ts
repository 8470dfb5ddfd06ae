import assert from "node:assert/strict";
import { parseTuneFlags } from "../flags.ts";
import { runTune } from "../tune.ts";
import { benchTuning, splitTuningArgs, summariseTuning, tuningMarkdown } from "../bench/tuning.ts";

Deno.test("bench tuning: own flags split from tune's, plain and 300 test texts by default", () => {
  const a = splitTuningArgs(["--tasks", "imdb,spam", "--budget", "2", "--out=/x"]);
  assert.deepEqual(a.tasks, ["imdb", "spam"]);
  assert.deepEqual(a.seeds, ["acc-1", "acc-2", "acc-3"]);
  assert.equal(a.out, "/x");
  assert.deepEqual(a.tuneArgs, ["--budget", "2", "--backend", "reference", "--test-size", "300"]);
  const b = splitTuningArgs(["--backend", "2pc", "--test-size=8", "--seeds", "s"]);
  assert.deepEqual(b.tuneArgs, ["--backend", "2pc", "--test-size=8"]);
  assert.deepEqual(b.seeds, ["s"]);
  assert.throws(() => splitTuningArgs(["--seed", "1"]), /use --seeds/);
  assert.throws(() => splitTuningArgs(["--tasks"]), /--tasks: missing value/);
});

Deno.test("bench tuning: per-task mean, min and max gain", () => {
  const row = (task: string, seed: string, untuned: number, tuned: number) => ({
    task,
    seed,
    metric: "accuracy",
    untuned,
    tuned,
    gain_points: 100 * (tuned - untuned),
    best_dev: 0.5,
    wall_s: 1,
    selected_generation: tuned === untuned ? 0 : 3,
    probe: 0.9,
  });
  const rows = [row("a", "1", 0.5, 0.6), row("a", "2", 0.5, 0.52), row("b", "1", 0.7, 0.65)];
  const [a, b] = summariseTuning(rows);
  assert.equal(a.seeds, 2);
  assert.ok(Math.abs(a.gain_points_mean - 6) < 1e-9);
  assert.ok(Math.abs(a.gain_points_min - 2) < 1e-9 && Math.abs(a.gain_points_max - 10) < 1e-9);
  assert.ok(Math.abs(b.gain_points_mean + 5) < 1e-9);
  const md = tuningMarkdown(rows, "test");
  assert.ok(a.gain_5_points && !b.gain_5_points);
  assert.equal(a.kept_untuned, 0);
  assert.ok(Math.abs(a.probe_mean! - 0.9) < 1e-12);
  assert.match(
    md,
    /\| a \| accuracy \| 2 \| 0\.500 \| 0\.560 \| \+6\.0 \(\+2\.0…\+10\.0\) \| yes \| 0\/2 \| 0\.900 \|/,
  );
  assert.match(md, /\| b \| 1 \| 0\.700 \| 0\.650 \| -5\.0 \|/);
});

Deno.test("bench tuning: a one-generation run's row equals an independent tune run of the same job", async () => {
  const out = await Deno.makeTempDir();
  try {
    // Fixed test seed.
    const rows = await benchTuning([
      "--tasks",
      "yelp",
      "--seeds",
      "test-1",
      "--budget",
      "1",
      "--eval-every",
      "1",
      "--test-size",
      "8",
      "--probe",
      "--study",
      "--out",
      out,
    ]);
    assert.equal(rows.length, 1);
    // The same job run by tune itself (the float64 reference is deterministic for a fixed seed):
    // the row must carry what tune measures, for that task, seed and test size.
    const flags = parseTuneFlags([
      "--task=yelp",
      "--seed=test-1",
      "--budget=1",
      "--eval-every=1",
      "--test-size=8",
      "--backend=reference",
      `--out=${out}/direct`,
    ]);
    assert.ok(flags !== "help");
    const direct = await runTune(flags, () => {});
    assert.equal(rows[0].untuned, direct.summary.untuned_test_metric);
    assert.equal(rows[0].tuned, direct.summary.tuned_test_metric);
    assert.equal(rows[0].metric, "accuracy");
    assert.equal(rows[0].selected_generation, direct.summary.selection!.selected_generation);
    assert.equal(typeof direct.summary.selection!.kept_untuned, "boolean");
    assert.ok(rows[0].probe! >= 0 && rows[0].probe! <= 1, "--probe adds the linear-probe column");
    assert.deepEqual(Object.keys(rows[0].study!), [
      "dev-metric",
      "dev-loss",
      "all-loss",
      "all-metric",
      "tuned-only dev-metric",
    ]);
    assert.equal(
      rows[0].study!["dev-loss"],
      rows[0].tuned,
      "the reported tuned metric is the default criterion's pick",
    );
    const saved = JSON.parse(await Deno.readTextFile(`${out}/tuning.json`));
    assert.deepEqual(saved.rows, rows);
    assert.match(await Deno.readTextFile(`${out}/tuning.md`), /\| yelp \| accuracy \| 1 \|/);
    await assert.rejects(
      benchTuning(["--tasks", "yelp", "--seeds", "test-1", "--budget", "1", "--out", out]),
      /already holds a run/,
    );
    await assert.rejects(benchTuning(["--tasks", "nope", "--out", out]), /--task: unknown task/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
