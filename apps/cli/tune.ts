/**
 * `deno task tune`: SecP-Tuning end to end. The data owner runs CMA-ES in plaintext over a
 * low-dimensional z projected to a soft prompt; each generation's whole population is scored by
 * one call to the model evaluated under MPC (all parties in this process by default), which opens
 * only the class logits to the data owner. Prints progress per generation and a summary; writes
 * report.json, report.html and a checkpoint to --out.
 */
import { existsSync } from "node:fs";
import {
  evaluatePrompt,
  type GenerationRecord,
  loadTaskWith,
  RandomProjection,
  seedFromCrypto,
  splitTask,
  tune,
} from "@secp/fot";
import { parseTuneFlags, TUNE_HELP, type TuneFlags } from "./flags.ts";
import { checkModelVerbalizer, openFlagsOracle } from "./oracle.ts";
import { PROMPT_FORMAT, writePromptFile } from "./prompt_file.ts";
import { barChart, lineChart, reportHtml } from "./report.ts";
import { clippedCounts } from "./task_report.ts";
import { taskOverrides } from "./task_flags.ts";

const fmtMB = (b: number | undefined) => (b === undefined ? "-" : `${(b / 1e6).toFixed(1)} MB`);

/** Runs a tuning job from parsed flags; returns the report object. */
export async function runTune(
  flags: TuneFlags,
  log: (s: string) => void = console.log,
): Promise<Record<string, unknown>> {
  const runFile = `${flags.out}/run.json`;
  const ckpt = `${flags.out}/checkpoint.json`;
  if (flags.resume) {
    if (!existsSync(runFile)) {
      throw new Error(`--resume: no run to resume in ${flags.out} (missing run.json)`);
    }
    flags = { ...JSON.parse(await Deno.readTextFile(runFile)), resume: true };
  } else {
    if (existsSync(ckpt) || existsSync(runFile)) {
      throw new Error(
        `--out ${flags.out} already holds a run; pass --resume to continue it or choose another --out`,
      );
    }
    flags = { ...flags, seed: flags.seed ?? seedFromCrypto() };
  }
  // Every input is read and checked before anything is written to --out.
  const mlm = flags.model !== "use-lite";
  const loaded = await loadTaskWith(flags.task, taskOverrides(flags), {
    readout: mlm ? "mlm" : "sentence",
  });
  // A masked LM's label words must be one token each: checked before anything is written.
  if (mlm) await checkModelVerbalizer(flags.model, loaded.task.labelTexts);
  const task = loaded.task;
  const split = splitTask(loaded, { shots: flags.shots, seed: flags.seed! });
  const test = split.test.slice(0, flags.testSize > 0 ? flags.testSize : split.test.length);
  if (test.length === 0) throw new Error(`${loaded.report.data.source}: no test examples`);
  if (!flags.resume) {
    await Deno.mkdir(flags.out, { recursive: true });
    await Deno.writeTextFile(runFile, JSON.stringify(flags, null, 2));
  }
  const L = flags.promptLen;
  const opened = await openFlagsOracle(flags);
  const { oracle, session, info } = opened;
  try {
    // The data owner needs no weights: the model gives the initial prompt and the embedding scale
    // (for an HF model, a stated disclosure of the model owner: the embedding table's std).
    const projection = new RandomProjection({
      promptLength: L,
      embedDim: oracle.embedDim,
      intrinsicDim: flags.dim,
      seed: flags.seed!,
      embeddingStd: opened.embeddingStd,
      init: opened.init,
    });
    const clipped = clippedCounts(
      opened.tokenCount,
      { train: split.train, dev: split.dev, test },
      task,
      { maxSeqLen: opened.maxSeqLen, promptLen: L, maxTokens: flags.maxTokens },
    );
    log(
      `labels (id name: readout, examples): ${
        loaded.report.labels.map((l) =>
          `${l.id} ${l.name}: ${JSON.stringify(l.readout)}, ${l.examples}${
            l.testExamples === undefined ? "" : ` (+${l.testExamples} test)`
          }`
        ).join("; ")
      }`,
    );
    if (clipped.longerThanModel > 0 || clipped.clipped > 0) {
      log(
        `clipped: ${clipped.clipped} of ${clipped.texts} texts to ${clipped.limitTokens} tokens (${clipped.longerThanModel} longer than the model's ${clipped.modelTokens})`,
      );
    }
    log(
      `secp-tuning: task ${task.name} (${flags.shots}-shot, ${test.length} test texts), backend ${flags.backend}, ` +
        `attention ${flags.attention}, popsize ${flags.popsize}, d ${flags.dim}, prompt ${L} tokens, texts clipped to ${
          flags.maxTokens || 128 - L
        } tokens, ${flags.budget} generations`,
    );
    const t0 = performance.now();
    const zeroShot = await evaluatePrompt(oracle, task, test, opened.init, { batchSize: 32 });
    log(
      `untuned prompt: test ${task.metric} ${zeroShot.metric.toFixed(3)} (accuracy ${
        zeroShot.accuracy.toFixed(3)
      })`,
    );
    const result = await tune({
      oracle,
      task,
      split,
      projection,
      cma: { popsize: flags.popsize, seed: flags.seed, sigma0: 1 },
      budget: { maxGenerations: flags.budget },
      evalEvery: flags.evalEvery,
      checkpointPath: ckpt,
      resume: flags.resume,
      onGeneration: (r) => {
        const done = r.generation / flags.budget;
        const eta = ((performance.now() - t0) / 1000) * (1 / done - 1);
        const bar = "#".repeat(Math.round(20 * done)).padEnd(20, ".");
        log(
          `[${bar}] gen ${r.generation}/${flags.budget} loss ${r.bestLoss.toFixed(4)} ` +
            `dev ${r.dev ? r.dev.metric.toFixed(3) : "  -  "} sent ${
              fmtMB(r.cost?.bytesSent)
            } rounds ${r.cost?.rounds ?? "-"} ` +
            `${(r.wallMs / 1000).toFixed(1)} s, ETA ${eta.toFixed(0)} s`,
        );
      },
    });
    const tuned = await evaluatePrompt(oracle, task, test, result.bestPrompt, { batchSize: 32 });
    // Every generation of the run, including those before a --resume (from the checkpoint).
    const history = result.history;
    const perGen = history.map((h) => h.cost ?? {});
    const mean = (k: string) =>
      perGen.length ? perGen.reduce((s, c) => s + (c[k] ?? 0), 0) / perGen.length : 0;
    const summary = {
      task: task.name,
      labels: loaded.report.labels,
      texts_clipped: clipped.clipped,
      texts_longer_than_model_max: clipped.longerThanModel,
      backend: flags.backend,
      attention: flags.attention,
      model: info.name,
      // rfa: the adapted checkpoint the model owner serves (its hashes were verified on load).
      attention_checkpoint: info.checkpoint,
      seed_recorded_in: runFile,
      metric: task.metric,
      generations: result.generations,
      untuned_test_metric: zeroShot.metric,
      untuned_test_accuracy: zeroShot.accuracy,
      tuned_test_metric: tuned.metric,
      tuned_test_accuracy: tuned.accuracy,
      best_dev_metric: result.bestDevMetric,
      bytes_sent_per_generation: mean("bytesSent"),
      offline_bytes_per_generation: mean("bytesOffline"),
      rounds_per_generation: mean("rounds"),
      lan_s_per_generation: mean("lanMs") / 1000,
      wan_s_per_generation: mean("wanMs") / 1000,
      wall_s: (performance.now() - t0) / 1000,
    };
    log(
      `tuned prompt: test ${task.metric} ${tuned.metric.toFixed(3)} (untuned ${
        zeroShot.metric.toFixed(3)
      })`,
    );
    log(
      `per generation: ${
        fmtMB(summary.bytes_sent_per_generation)
      } sent (busiest party), ${summary.rounds_per_generation} rounds, ` +
        `modelled LAN ${summary.lan_s_per_generation.toFixed(2)} s, WAN ${
          summary.wan_s_per_generation.toFixed(2)
        } s`,
    );
    const byOp = session
      ? session.ledger.byPath(3).filter((p) => p.phase === "online").sort((a, b) =>
        b.bytes - a.bytes
      ).slice(0, 20)
      : [];
    // Every message the data owner received: under MPC only the opened logits may reach it.
    const toDataOwner = session
      ? session.ledger.entries().filter((e) =>
        e.to === session!.backend.party && e.path !== "control"
      )
        .map(({ from, path, phase, bytes, messages }) => ({ from, path, phase, bytes, messages }))
      : [];
    const report = {
      summary,
      flags,
      // Where the data came from, counts, labels, readouts and clipping: never the texts.
      task: { ...loaded.report, clipping: clipped },
      history,
      // The whole session's traffic (weight sharing included), per sending party and phase.
      traffic: session?.ledger.summary(),
      // The logits each test text got, for comparing backends on the same (untuned) prompt.
      test_logits: { untuned: Array.from(zeroShot.logits), tuned: Array.from(tuned.logits) },
      communication_by_op: byOp,
      received_by_data_owner: toDataOwner,
      // Every opening any party performed: op path, receiver, mask distribution (reveal ledger).
      reveals: session?.reveals.entries() ?? [],
    };
    await Deno.writeTextFile(`${flags.out}/report.json`, JSON.stringify(report, null, 2));
    await writePromptFile(`${flags.out}/prompt.json`, {
      format: PROMPT_FORMAT,
      task: task.name,
      classNames: task.classNames,
      labelTexts: task.labelTexts,
      ...(task.templateText === undefined ? {} : { template: task.templateText }),
      promptLen: L,
      embedDim: oracle.embedDim,
      model: flags.model,
      attention: flags.attention,
      features: flags.features,
      maxTokens: flags.maxTokens,
      source: {
        run: flags.out,
        bestGeneration: result.bestGeneration,
        bestDevMetric: result.bestDevMetric,
      },
      prompt: Array.from(result.bestPrompt),
    });
    const gen = (f: (h: GenerationRecord) => number | undefined) =>
      history.filter((h) => f(h) !== undefined).map((h) =>
        [h.generation, f(h)!] as [number, number]
      );
    await Deno.writeTextFile(
      `${flags.out}/report.html`,
      reportHtml(`secp-tuning: ${task.name} on ${flags.backend}`, {
        ...summary,
        labels: summary.labels.map((l) => `${l.id} ${l.name}`).join(", "),
      }, [
        lineChart("train loss", [{ name: "best", points: gen((h) => h.bestLoss) }, {
          name: "mean",
          points: gen((h) => h.meanLoss),
        }]),
        lineChart(`dev ${task.metric}`, [{ name: "dev", points: gen((h) => h.dev?.metric) }]),
        barChart(
          "online bytes by op (whole run)",
          byOp.map((p) => [p.prefix, p.bytes / 1e6]),
          "MB",
        ),
      ]),
    );
    return report;
  } finally {
    await opened.close();
  }
}

if (import.meta.main) {
  try {
    const flags = parseTuneFlags(Deno.args);
    if (flags === "help") console.log(TUNE_HELP);
    else await runTune(flags);
  } catch (e) {
    console.error(`tune: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
