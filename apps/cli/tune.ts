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
  evaluatePrompt,
  fewShotSplit,
  loadTask,
  RandomProjection,
  seedFromCrypto,
  tune,
} from "@secp/fot";
import { promptFromTokenIds, type UseLiteWeights } from "@secp/transformer";
import { parseTuneFlags, TUNE_HELP, type TuneFlags } from "./flags.ts";
import { openOracle } from "./oracles/open.ts";
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
): Promise<TuneReport> {
  const io = typeof out === "function" ? lineConsole(out) : out;
  const log = io.progress;
  const runFile = `${flags.out}/run.json`;
  const ckpt = `${flags.out}/checkpoint.json`;
  if (flags.resume) {
    if (!existsSync(runFile)) {
      throw new Error(`--resume: no run to resume in ${flags.out} (missing run.json)`);
    }
    flags = { ...JSON.parse(await Deno.readTextFile(runFile)), resume: true, json: flags.json };
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
  const split = fewShotSplit(task, { shots: flags.shots, seed: flags.seed! });
  const test = split.test.slice(0, flags.testSize > 0 ? flags.testSize : split.test.length);
  const L = flags.promptLen;
  const t0 = performance.now();
  const opened = await openOracle(flags);
  const { oracle, session, model } = opened;
  // Every session's traffic and openings are saved as it runs, so a resume loses none of them.
  const recorder = session
    ? await SessionRecorder.start(flags.out, await checkpointGeneration(ckpt), session, t0)
    : undefined;
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
      init: p0,
    });
    log(
      `secp-tuning: task ${task.name} (${flags.shots}-shot: ${split.train.length} train, ${split.dev.length} dev, ${test.length} test texts), backend ${flags.backend}, ` +
        `attention ${flags.attention}, popsize ${flags.popsize}, d ${flags.dim}, prompt ${L} tokens, texts clipped to ${
          flags.maxTokens || 128 - L
        } tokens, ${flags.budget} generations`,
    );
    const zeroShot = await evaluatePrompt(oracle, task, test, p0, { batchSize: 32 });
    log(`untuned prompt scored on ${test.length} test texts; tuning...`);
    const genS: number[] = [];
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
      onGeneration: async (r) => {
        // Saved before the progress line, so a process killed after the line has it on disk.
        await recorder?.save({ generationEnd: r.generation });
        genS.push(r.wallMs / 1000);
        log(generationLine(r, flags.budget, genS.reduce((a, b) => a + b) / genS.length));
      },
    });
    const tuned = await evaluatePrompt(oracle, task, test, result.bestPrompt, { batchSize: 32 });
    await recorder?.save({ generationEnd: result.generations, status: "done" });
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
        run: displayPath(flags.out),
        bestGeneration: result.bestGeneration,
        bestDevMetric: result.bestDevMetric,
      },
      prompt: Array.from(result.bestPrompt),
    });
    const report = await writeReports({
      flags: flags as unknown as FinishedRun["flags"],
      task,
      split,
      test,
      logits: { untuned: zeroShot.logits, tuned: tuned.logits },
      result,
      model,
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
