import assert from "node:assert/strict";
import { join } from "node:path";
import { CheckpointError, readJsonFile, writeJsonAtomic } from "../checkpoint.ts";
import { evaluatePrompt } from "../evaluate.ts";
import { type GenerationRecord, tune, type TuneCheckpoint, type TuneOptions } from "../loop.ts";
import { RandomProjection } from "../projection.ts";
import { ToyOracle } from "../toy_oracle.ts";
import { TOY_SPEC, toyExamples } from "./_toy_task.ts";

const L = 4, E = 16, d = 20;
const split = { train: toyExamples(8, 1), dev: toyExamples(8, 2) };

function setup(extra: Partial<TuneOptions> = {}): TuneOptions {
  return {
    oracle: new ToyOracle({ promptLength: L, embedDim: E }),
    task: TOY_SPEC,
    split,
    projection: new RandomProjection({
      promptLength: L,
      embedDim: E,
      intrinsicDim: d,
      seed: 5,
      std: 0.5,
    }),
    cma: { seed: 1 },
    budget: { maxGenerations: 12 },
    evalEvery: 2,
    ...extra,
  };
}

/** History without the wall-clock fields, which legitimately differ between runs. */
const timeless = (h: GenerationRecord[]) => h.map(({ wallMs: _w, oracleMs: _o, ...rest }) => rest);

Deno.test("tune: one oracle call per generation, loss falls, best z chosen on dev", async () => {
  const opts = setup({ budget: { maxGenerations: 30 }, selection: "dev-metric" });
  const oracle = opts.oracle as ToyOracle;
  const res = await tune(opts);
  assert.equal(res.stopReason, "maxGenerations");
  assert.equal(res.generations, 30);
  assert.equal(res.history.length, 30);
  assert.equal(res.evaluations, 30 * 12); // popsize 4 + ⌊3 ln 20⌋ = 12
  // One train call per generation + dev every 2nd + the final selection (train and dev).
  assert.equal(res.oracleCalls, 30 + 15 + 2);
  assert.equal(oracle.calls, res.oracleCalls);
  assert.equal(oracle.prepares, 2, "train and dev batches are prepared once");
  const first = res.history[0], last = res.history[29];
  assert.ok(last.bestLoss < 0.2 * first.meanLoss, `${first.meanLoss} → ${last.bestLoss}`);
  // Every candidate's train loss is recorded; best and mean are theirs.
  for (const h of res.history) {
    assert.equal(h.losses!.length, 12);
    assert.equal(h.bestLoss, Math.min(...h.losses!));
    const mean = h.losses!.reduce((a, b) => a + b) / 12;
    assert.ok(Math.abs(h.meanLoss - mean) <= 1e-12 * Math.max(1, mean));
    assert.ok(new Set(h.losses).size > 1, "candidates differ");
  }
  assert.ok(res.bestDevMetric! >= 0.75, `dev accuracy ${res.bestDevMetric}`);
  const devs = res.history.filter((r) => r.dev);
  assert.equal(devs.length, 15);
  assert.ok(devs.every((r) => r.generation % 2 === 0));
  const bestRec = res.history[res.bestGeneration! - 1];
  assert.equal(bestRec.dev!.metric, res.bestDevMetric);
  assert.ok(devs.every((r) => r.dev!.metric <= res.bestDevMetric!));
  assert.deepEqual(
    first.cost,
    { bytesSent: 12 * 16 * 2 * 8, rounds: 1 },
    "oracle cost is passed through",
  );
  assert.deepEqual(devs[0].dev!.cost, { bytesSent: 1 * 16 * 2 * 8, rounds: 1 });
  const check = await evaluatePrompt(opts.oracle, TOY_SPEC, split.dev, res.bestPrompt);
  assert.equal(check.metric, res.bestDevMetric, "bestPrompt reproduces the recorded dev metric");
  assert.deepEqual(res.bestPrompt, opts.projection.apply(res.bestZ));
});

Deno.test("tune: interrupted + resumed run equals the uninterrupted run exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full = await tune(setup({ checkpointPath: join(dir, "full.json") }));
    // Interruption 1: a budget stop after 5 generations, then resume with the full budget.
    const path = join(dir, "run.json");
    const part = await tune(setup({ checkpointPath: path, budget: { maxGenerations: 5 } }));
    assert.equal(part.generations, 5);
    // Interruption 2: a crash (exception) in the callback after generation 9's checkpoint.
    await assert.rejects(
      () =>
        tune(setup({
          checkpointPath: path,
          resume: true,
          onGeneration: (r) => {
            if (r.generation === 9) throw new Error("simulated crash");
          },
        })),
      /simulated crash/,
    );
    const resumed = await tune(setup({ checkpointPath: path, resume: true }));
    assert.equal(resumed.resumedFrom, 9);
    assert.deepEqual(timeless(resumed.history), timeless(full.history));
    assert.deepEqual(resumed.bestZ, full.bestZ);
    assert.deepEqual(resumed.candidates, full.candidates, "dev candidates survive the resume");
    assert.deepEqual(resumed.selection, full.selection);
    assert.deepEqual(resumed.finalMean, full.finalMean);
    assert.equal(resumed.oracleCalls, full.oracleCalls);
    const a = (await readJsonFile(path)) as TuneCheckpoint;
    const b = (await readJsonFile(join(dir, "full.json"))) as TuneCheckpoint;
    assert.deepEqual(a.cma, b.cma, "CMA-ES state (incl. RNG) is bit-identical");
    assert.deepEqual(a.best, b.best);
    // Resuming a finished run runs no generation and returns the same answer.
    const again = await tune(setup({ checkpointPath: path, resume: true }));
    assert.equal(again.generations, 12);
    assert.deepEqual(again.bestZ, full.bestZ);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "full.json",
      "run.json",
    ], "no temporary files are left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tune: corrupt or foreign checkpoints fail with an error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "ck.json");
    await Deno.writeTextFile(path, '{"format": "secp-fot/tune", "version": 1, "gen');
    await assert.rejects(
      () => tune(setup({ checkpointPath: path, resume: true })),
      (err: Error) => {
        assert.ok(err instanceof CheckpointError);
        assert.ok(err.message.includes(path) && /corrupt/.test(err.message));
        return true;
      },
    );
    await Deno.writeTextFile(path, '{"hello": 1}');
    await assert.rejects(
      () => tune(setup({ checkpointPath: path, resume: true })),
      /not a secp-fot tuning checkpoint/,
    );
    await tune(setup({ checkpointPath: path, budget: { maxGenerations: 2 } }));
    const other = setup({
      checkpointPath: path,
      resume: true,
      projection: new RandomProjection({
        promptLength: L,
        embedDim: E,
        intrinsicDim: d,
        seed: 6,
        std: 0.5,
      }),
    });
    await assert.rejects(() => tune(other), /different run \('projection'/);
    const ck = (await readJsonFile(path)) as TuneCheckpoint;
    ck.cma.mean = "AAAA";
    await writeJsonAtomic(path, ck);
    await assert.rejects(
      () => tune(setup({ checkpointPath: path, resume: true })),
      (err: Error) => {
        assert.ok(err instanceof CheckpointError && err.message.includes(path));
        assert.match(err.message, /invalid state/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkpoint: a failed write leaves the previous file intact and no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "ck.json");
    await writeJsonAtomic(path, { good: true, x: [1, -0, Infinity] });
    await assert.rejects(() => writeJsonAtomic(path, { bad: 1n }), TypeError);
    const back = (await readJsonFile(path)) as { good: boolean; x: number[] };
    assert.equal(back.good, true);
    assert.ok(Object.is(back.x[1], -0) && back.x[2] === Infinity);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["ck.json"]);
    assert.equal(await readJsonFile(join(dir, "missing.json")), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tune: oracle-call and evaluation budgets are never exceeded", async () => {
  const byCalls = await tune(setup({ budget: { maxOracleCalls: 10 } }));
  assert.equal(byCalls.stopReason, "maxOracleCalls");
  // 5 train calls + dev at generations 2, 4 + the 2 selection calls; generation 6 (train + dev)
  // would leave no room for the selection.
  assert.equal(byCalls.oracleCalls, 9);
  assert.equal(byCalls.generations, 5);
  const noSel = await tune(setup({ budget: { maxOracleCalls: 10 }, selection: "none" }));
  assert.equal(noSel.oracleCalls, 10);
  assert.equal(noSel.generations, 7); // 7 train calls + dev at generations 2, 4, 6
  const byEvals = await tune(setup({ budget: { maxEvaluations: 50 } }));
  assert.equal(byEvals.stopReason, "maxEvaluations");
  assert.equal(byEvals.evaluations, 48);
  await assert.rejects(() => tune(setup({ budget: {} })), /budget/);
});

Deno.test("tune: early stopping after `patience` generations without dev progress", async () => {
  // Identical dev texts with both labels: dev accuracy is 0.5 whatever the prompt.
  const flatDev = [{ text: "the film", label: 0 }, { text: "the film", label: 1 }];
  const res = await tune(setup({
    split: { train: split.train, dev: flatDev },
    evalEvery: 1,
    earlyStopping: { patience: 4 },
    budget: { maxGenerations: 50 },
  }));
  assert.equal(res.stopReason, "earlyStopping");
  assert.equal(res.generations, 5);
  assert.equal(res.bestDevMetric, 0.5);
});

Deno.test("tune: abort signal, evalPoint 'best', hinge loss and input validation", async () => {
  const ctl = new AbortController();
  const res = await tune(setup({
    signal: ctl.signal,
    evalPoint: "best",
    loss: "hinge",
    onGeneration: (r) => {
      if (r.generation === 3) ctl.abort();
    },
  }));
  assert.equal(res.stopReason, "aborted");
  assert.equal(res.generations, 3);
  assert.ok(res.history[1].dev && res.history[0].bestLoss >= 0);
  const wrong = new RandomProjection({
    promptLength: 2,
    embedDim: E,
    intrinsicDim: d,
    seed: 5,
    std: 0.5,
  });
  await assert.rejects(() => tune(setup({ projection: wrong })), /oracle expects 4×16/);
  await assert.rejects(() => tune(setup({ cma: { x0: [0, 0] } })), /x0 has length 2/);
  await assert.rejects(() => tune(setup({ resume: true })), /checkpointPath/);
  await assert.rejects(
    () => tune(setup({ earlyStopping: { patience: 3 }, split: { train: split.train, dev: [] } })),
    /non-empty dev/,
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "none.json");
    const fresh = await tune(
      setup({ resume: true, checkpointPath: path, budget: { maxGenerations: 1 } }),
    );
    assert.equal(fresh.resumedFrom, null);
    assert.equal(((await readJsonFile(path)) as TuneCheckpoint).generation, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tune: the untuned prompt is a candidate and is kept when no tuned prompt beats it", async () => {
  // scale 0: the prompt has no effect, so every candidate scores exactly as the untuned prompt.
  const flat = await tune(
    setup({ oracle: new ToyOracle({ promptLength: L, embedDim: E, scale: 0 }), evalEvery: 1 }),
  );
  const devEvals = flat.history.filter((h) => h.dev).length;
  assert.ok(devEvals >= 1);
  assert.equal(flat.candidates.length, 1 + devEvals, "untuned + one candidate per dev evaluation");
  assert.equal(flat.candidates[0].generation, 0);
  assert.deepEqual(flat.candidates[0].z, new Float64Array(d));
  assert.equal(flat.selection!.keptUntuned, true);
  assert.equal(flat.bestGeneration, 0);
  assert.deepEqual(flat.bestZ, new Float64Array(d));
  const opts = setup();
  assert.deepEqual(flat.bestPrompt, opts.projection.apply(new Float64Array(d)), "the untuned p₀");
  // A prompt that matters: with 30 generations a tuned candidate wins on dev loss.
  const res = await tune(setup({ budget: { maxGenerations: 30 } }));
  assert.equal(res.selection!.criterion, "dev-loss");
  assert.equal(res.selection!.keptUntuned, false);
  const pick = res.candidates[res.selection!.index];
  assert.ok(pick.generation > 0);
  assert.ok(res.candidates.every((c) => c.dev!.loss >= pick.dev!.loss));
  assert.ok(pick.dev!.loss < res.candidates[0].dev!.loss);
  assert.equal(res.bestDevLoss, pick.dev!.loss);
  // The candidates' train scores are what the oracle gives for their prompts.
  const check = await evaluatePrompt(opts.oracle, TOY_SPEC, split.train, res.bestPrompt);
  assert.equal(check.loss, pick.train.loss);
});
