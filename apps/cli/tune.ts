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
  fewShotSplit,
  type GenerationRecord,
  loadTask,
  RandomProjection,
  seedFromCrypto,
  selectCandidate,
  SELECTION_CRITERIA,
  tune,
} from "@secp/fot";
import { promptFromTokenIds, type UseLiteWeights } from "@secp/transformer";
import { parseTuneFlags, TUNE_HELP, type TuneFlags } from "./flags.ts";
import { openOracle } from "./oracles/open.ts";
import { PROMPT_FORMAT, writePromptFile } from "./prompt_file.ts";
import { barChart, lineChart, reportHtml } from "./report.ts";

/** Standard deviation of the model's layer-0 token term 2·E (what a prompt row replaces). */
function tokenTermStd(w: UseLiteWeights): number {
  let s = 0, s2 = 0;
  const n = w.embeddings.length;
  for (const v of w.embeddings) {
    s += 2 * v;
    s2 += 4 * v * v;
  }
  return Math.sqrt(s2 / n - (s / n) ** 2);
}

const fmtMB = (b: number | undefined) => (b === undefined ? "-" : `${(b / 1e6).toFixed(1)} MB`);

/** Runs a tuning job from parsed flags; returns the report object. */
export async function runTune(
  flags: TuneFlags,
  log: (s: string) => void = console.log,
  options: { study?: boolean } = {},
): Promise<Record<string, unknown>> {
  const runFile = `${flags.out}/run.json`;
  const ckpt = `${flags.out}/checkpoint.json`;
  if (flags.resume) {
    if (!existsSync(runFile)) {
      throw new Error(`--resume: no run to resume in ${flags.out} (missing run.json)`);
    }
    // Runs written before a flag existed resume with that flag's default.
    const defaults = { protocol: "default", selection: "dev-loss", loss: "ce", alpha: 1 }; // as then
    flags = { ...defaults, ...JSON.parse(await Deno.readTextFile(runFile)), resume: true };
  } else {
    if (existsSync(ckpt) || existsSync(runFile)) {
      throw new Error(
        `--out ${flags.out} already holds a run; pass --resume to continue it or choose another --out`,
      );
    }
    flags = { ...flags, seed: flags.seed ?? seedFromCrypto() };
    await Deno.mkdir(flags.out, { recursive: true });
    await Deno.writeTextFile(runFile, JSON.stringify(flags, null, 2));
  }
  const task = await loadTask(flags.task);
  const split = fewShotSplit(task, {
    shots: flags.shots,
    devShots: flags.devShots ?? flags.shots,
    seed: flags.seed!,
  });
  const test = split.test.slice(0, flags.testSize > 0 ? flags.testSize : split.test.length);
  const L = flags.promptLen;
  const opened = await openOracle(flags);
  const { oracle, session, model } = opened;
  try {
    // The prompt lives in the embedding space, which RFA adaptation leaves unchanged.
    const { weights, tokenizer } = model;
    const initIds = tokenizer.encode("the following text");
    const p0 = promptFromTokenIds(
      weights,
      Array.from({ length: L }, (_, i) => initIds[i % initIds.length]),
    );
    const projection = new RandomProjection({
      promptLength: L,
      embedDim: weights.config.embedDim,
      intrinsicDim: flags.dim,
      seed: flags.seed!,
      embeddingStd: tokenTermStd(weights),
      alpha: flags.alpha,
      init: p0,
    });
    log(
      `secp-tuning: task ${task.name} (${flags.shots}-shot, ${test.length} test texts), backend ${flags.backend}, ` +
        `attention ${flags.attention}, popsize ${flags.popsize}, d ${flags.dim}, prompt ${L} tokens, texts clipped to ${
          flags.maxTokens || 128 - L
        } tokens, ${flags.budget} generations (protocol ${flags.protocol}, loss ${flags.loss}, ` +
        `selection ${flags.selection})`,
    );
    const t0 = performance.now();
    const zeroShot = await evaluatePrompt(oracle, task, test, p0, { batchSize: 32 });
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
      loss: flags.loss,
      selection: flags.selection,
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
    const sel = result.selection!;
    const picked = result.candidates[sel.index];
    log(
      sel.keptUntuned
        ? `selection (${sel.criterion}): no tuned prompt beat the untuned one on the selection data ` +
          `(${sel.untunedScore!.toFixed(4)}); keeping the untuned prompt`
        : `selection (${sel.criterion}): tuned prompt of generation ${picked.generation} ` +
          `(${sel.selectedScore.toFixed(4)} vs untuned ${sel.untunedScore!.toFixed(4)})`,
    );
    const tuned = sel.keptUntuned
      ? zeroShot
      : await evaluatePrompt(oracle, task, test, result.bestPrompt, { batchSize: 32 });
    // --study (bench tuning): the test metric each selection criterion's pick would reach.
    let study: Record<string, { generation: number; test_metric: number }> | undefined;
    if (options.study) {
      const testOf = new Map<number, number>([[0, zeroShot.metric]]);
      testOf.set(picked.generation, tuned.metric);
      const pickOf = (cands: typeof result.candidates, c: (typeof SELECTION_CRITERIA)[number]) =>
        cands[selectCandidate(cands, c).index];
      study = {};
      const tunedOnly = result.candidates.filter((c) => c.generation > 0);
      const picks: [string, (typeof result.candidates)[number]][] = [
        ...SELECTION_CRITERIA.map((c) =>
          [c, pickOf(result.candidates, c)] as [string, typeof picked]
        ),
        ...(tunedOnly.length
          ? [["tuned-only dev-metric", pickOf(tunedOnly, "dev-metric")]] as [
            string,
            typeof picked,
          ][]
          : []),
      ];
      for (const [name, c] of picks) {
        if (!testOf.has(c.generation)) {
          const p = projection.apply(c.z);
          testOf.set(
            c.generation,
            (await evaluatePrompt(oracle, task, test, p, { batchSize: 32 })).metric,
          );
        }
        study[name] = { generation: c.generation, test_metric: testOf.get(c.generation)! };
      }
    }
    // Every generation of the run, including those before a --resume (from the checkpoint).
    const history = result.history;
    const perGen = history.map((h) => h.cost ?? {});
    const mean = (k: string) =>
      perGen.length ? perGen.reduce((s, c) => s + (c[k] ?? 0), 0) / perGen.length : 0;
    const summary = {
      task: task.name,
      backend: flags.backend,
      attention: flags.attention,
      // rfa: the adapted checkpoint the model owner serves (its hashes were verified on load).
      attention_checkpoint: model.checkpoint?.path ?? null,
      seed_recorded_in: runFile,
      metric: task.metric,
      generations: result.generations,
      untuned_test_metric: zeroShot.metric,
      untuned_test_accuracy: zeroShot.accuracy,
      tuned_test_metric: tuned.metric,
      tuned_test_accuracy: tuned.accuracy,
      best_dev_metric: result.bestDevMetric,
      // The final selection: criterion, chosen generation (0 = untuned) and whether tuning helped.
      selection: {
        criterion: sel.criterion,
        selected_generation: picked.generation,
        selected_score: sel.selectedScore,
        untuned_score: sel.untunedScore,
        kept_untuned: sel.keptUntuned,
        note: sel.keptUntuned
          ? "the tuned prompt was not better than the untuned one on the selection data; kept the untuned prompt"
          : "a tuned prompt was better than the untuned one on the selection data",
      },
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
      ...(study ? { selection_study: study } : {}),
      flags,
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
      promptLen: L,
      embedDim: weights.config.embedDim,
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
      reportHtml(`secp-tuning: ${task.name} on ${flags.backend}`, summary, [
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
