/**
 * `deno task tune`: SecP-Tuning end to end. The data owner runs CMA-ES in plaintext over a
 * low-dimensional z projected to a soft prompt; each generation's whole population is scored by
 * one call to the model evaluated under MPC (all parties in this process by default), which opens
 * only the class logits to the data owner. Prints progress (stderr) and the result (stdout, or one
 * JSON line with --json); writes report.json, report.html, prompt.json, a checkpoint and each
 * session's account to --out (see report/).
 */
import { existsSync } from "node:fs";
import {
  DeepProjection,
  evaluatePrompt,
  loadTaskWith,
  priorFromCounts,
  type PromptProjection,
  RandomProjection,
  readTuneCheckpoint,
  seedFromCrypto,
  selectCandidate,
  SELECTION_CRITERIA,
  splitTask,
  tune,
} from "@secp/fot";
import { parseTuneFlags, TUNE_HELP, type TuneFlags } from "./flags.ts";
import { checkModelVerbalizer, openFlagsOracle } from "./oracle.ts";
import { PROMPT_FORMAT, writePromptFile } from "./prompt_file.ts";
import type { TuneReport } from "./report/build.ts";
import {
  generationLine,
  lineConsole,
  terminalConsole,
  type TuneConsole,
} from "./report/console.ts";
import { displayPath } from "./report/provenance.ts";
import { SessionRecorder } from "./report/sessions.ts";
import { type FinishedRun, writeReports } from "./report/write.ts";
import { taskOverrides } from "./task_flags.ts";
import { clippedCounts } from "./task_report.ts";
import { readRunFile } from "./run_file.ts";
import { readDeployment } from "./deploy/connect.ts";
import { parseDeploymentFile } from "./deploy/file.ts";

/** Generations completed in a checkpoint file (0 when absent or unreadable: tune() reports it). */
async function checkpointGeneration(path: string): Promise<number> {
  try {
    return Number(JSON.parse(await Deno.readTextFile(path)).generation) || 0;
  } catch {
    return 0;
  }
}

/**
 * Runs a tuning job from parsed flags; returns the report object (report.json). `out` receives
 * progress and result lines (one function: both; see report/console.ts).
 */
export async function runTune(
  flags: TuneFlags,
  out: ((s: string) => void) | TuneConsole = terminalConsole(flags.json ?? false),
  options: { study?: boolean } = {},
): Promise<TuneReport> {
  const io = typeof out === "function" ? lineConsole(out) : out;
  const log = io.progress;
  const runFile = `${flags.out}/run.json`;
  const ckpt = `${flags.out}/checkpoint.json`;
  if (flags.resume) {
    if (!existsSync(runFile)) {
      throw new Error(`--resume: no run to resume in ${flags.out} (missing run.json)`);
    }
    flags = { ...(await readRunFile(runFile)), resume: true, json: flags.json };
    await readTuneCheckpoint(ckpt); // a corrupt checkpoint fails here, before the session starts
  } else {
    if (existsSync(ckpt) || existsSync(runFile)) {
      throw new Error(
        `--out ${flags.out} already holds a run; pass --resume to continue it or choose another --out`,
      );
    }
    flags = { ...flags, seed: flags.seed ?? seedFromCrypto() };
  }
  // Every input is read and checked before anything is written to --out: the deployment file
  // (before any party is contacted), the task and its data, a masked LM's label words.
  if (flags.parties) parseDeploymentFile(flags.parties, await readDeployment(flags.parties));
  const mlm = flags.model !== "use-lite";
  const loaded = await loadTaskWith(flags.task, taskOverrides(flags), {
    readout: mlm ? "mlm" : "sentence",
  });
  if (mlm) await checkModelVerbalizer(flags.model, loaded.task.labelTexts);
  const task = loaded.task;
  const split = splitTask(loaded, {
    shots: flags.shots,
    devShots: flags.devShots ?? flags.shots,
    seed: flags.seed!,
  });
  const test = split.test.slice(0, flags.testSize > 0 ? flags.testSize : split.test.length);
  if (test.length === 0) throw new Error(`${loaded.report.data.source}: no test examples`);
  const L = flags.promptLen;
  const t0 = performance.now();
  const opened = await openFlagsOracle(flags);
  const { oracle, session, info } = opened;
  let recorder: SessionRecorder | undefined;
  try {
    if (!flags.resume) {
      // Only once the session is up: a start that fails leaves --out as it was.
      await Deno.mkdir(flags.out, { recursive: true });
      await Deno.writeTextFile(runFile, JSON.stringify(flags, null, 2));
    }
    // Every session's traffic and openings are saved as it runs, so a resume loses none of them.
    recorder = session
      ? await SessionRecorder.start(flags.out, await checkpointGeneration(ckpt), session, t0)
      : undefined;
    // The data owner needs no weights: the model gives the initial prompt and the embedding scale
    // (for an HF model, a stated disclosure of the model owner: the embedding table's std).
    const p0 = opened.init;
    const widths = oracle.promptWidths;
    if (flags.deep && !(widths && widths.length > 1)) {
      throw new Error(`--deep: the model ${info.name} takes no deep prompt (one layer)`);
    }
    const common = {
      promptLength: L,
      intrinsicDim: flags.dim,
      seed: flags.seed!,
      embeddingStd: opened.embeddingStd,
      alpha: flags.alpha,
      distribution: flags.projection,
      init: p0,
    };
    const projection: PromptProjection = flags.deep
      ? new DeepProjection({ ...common, layerWidths: widths! })
      : new RandomProjection({ ...common, embedDim: oracle.embedDim });
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
      `secp-tuning: task ${task.name} (${flags.shots}-shot: ${split.train.length} train, ${split.dev.length} dev, ${test.length} test texts), backend ${flags.backend}, ` +
        `model ${info.name}, attention ${flags.attention}, ${flags.deep ? "deep " : ""}prompt at ${
          flags.deep ? `every layer (${widths!.length})` : "the input"
        }, popsize ${flags.popsize}, d ${flags.dim}, prompt ${L} tokens, texts clipped to ${
          flags.maxTokens || opened.maxSeqLen - L
        } tokens, ${flags.budget} generations (protocol ${flags.protocol}, loss ${flags.loss}, ` +
        `selection ${flags.selection}, class prior ${flags.classPrior}` +
        `${flags.projection === "normal" ? "" : `, ${flags.projection} projection`})`,
    );
    const zeroShot = await evaluatePrompt(oracle, task, test, p0, { batchSize: 32 });
    log(`untuned prompt scored on ${test.length} test texts; tuning...`);
    const genS: number[] = [];
    const result = await tune({
      oracle,
      task,
      split,
      projection,
      // A deep run keeps the model as it was (the shallow initial prompt) as the untuned candidate.
      ...(flags.deep ? { untunedPrompt: p0 } : {}),
      cma: { popsize: flags.popsize, seed: flags.seed, sigma0: 1 },
      loss: flags.loss,
      // --class-prior data: each class weighted to its share of the labelled data (not the test).
      ...(flags.classPrior === "data"
        ? {
          classPrior: priorFromCounts(
            [...loaded.report.labels].sort((a, b) => a.id - b.id).map((l) => l.examples),
          ),
        }
        : {}),
      selection: flags.selection,
      budget: { maxGenerations: flags.budget },
      evalEvery: flags.evalEvery,
      checkpointPath: ckpt,
      resume: flags.resume,
      onGeneration: async (r) => {
        // Saved before the progress line, so a process killed after the line has it on disk.
        await recorder?.save({ generationEnd: r.generation });
        genS.push(r.wallMs / 1000);
        log(generationLine(r, flags.budget, genS.reduce((a, b) => a + b) / genS.length));
      },
    });
    const sel = result.selection!;
    const picked = result.candidates[sel.index];
    const selectionLine = sel.keptUntuned
      ? `selection (${sel.criterion}): no tuned prompt beat the untuned one on the selection data ` +
        `(${sel.untunedScore!.toFixed(4)}); kept the untuned prompt`
      : `selection (${sel.criterion}): tuned prompt of generation ${picked.generation} ` +
        `(${sel.selectedScore.toFixed(4)} vs untuned ${sel.untunedScore!.toFixed(4)})`;
    log(selectionLine);
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
          const p = c.generation === 0 ? p0 : projection.apply(c.z);
          testOf.set(
            c.generation,
            (await evaluatePrompt(oracle, task, test, p, { batchSize: 32 })).metric,
          );
        }
        study[name] = { generation: c.generation, test_metric: testOf.get(c.generation)! };
      }
    }
    await recorder?.save({ generationEnd: result.generations, status: "done" });
    await writePromptFile(`${flags.out}/prompt.json`, {
      format: PROMPT_FORMAT,
      task: task.name,
      classNames: task.classNames,
      labelTexts: task.labelTexts,
      promptLen: L,
      embedDim: oracle.embedDim,
      model: flags.model,
      attention: flags.attention,
      features: flags.features,
      maxTokens: flags.maxTokens,
      ...(task.templateText === undefined ? {} : { template: task.templateText }),
      source: {
        run: displayPath(flags.out),
        bestGeneration: picked.generation,
        bestDevMetric: result.bestDevMetric,
      },
      // A deep prompt records its layer widths; the untuned prompt, when kept, is shallow.
      ...(result.bestPrompt.length > L * oracle.embedDim ? { promptWidths: [...widths!] } : {}),
      prompt: Array.from(result.bestPrompt),
    });
    const report = await writeReports({
      flags: flags as unknown as FinishedRun["flags"],
      task,
      split,
      test,
      logits: { untuned: zeroShot.logits, tuned: tuned.logits },
      result,
      model: {
        name: info.name,
        embedDim: oracle.embedDim,
        textLength: opened.textLength,
        labelLengths: opened.labelLengths(task.labelTexts),
        checkpointPath: opened.model?.checkpoint?.path ?? null,
      },
      // Where the data came from, counts, labels, readouts and clipping: never the texts.
      data: { ...loaded.report, clipping: clipped },
      // The final selection: criterion, chosen generation (0 = untuned) and whether tuning helped.
      selection: {
        criterion: sel.criterion,
        selected_generation: picked.generation,
        selected_score: sel.selectedScore,
        untuned_score: sel.untunedScore ?? null,
        kept_untuned: sel.keptUntuned,
        candidates: result.candidates.length,
      },
      selectionStudy: study,
      notes: [selectionLine],
      startedAt: t0,
    }, io);
    return report;
  } catch (e) {
    await recorder?.save({ status: "failed", error: e instanceof Error ? e.message : String(e) });
    throw e;
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
