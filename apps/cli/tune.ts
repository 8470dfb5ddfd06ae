/**
 * `deno task tune`: SecP-Tuning end to end. The data owner runs CMA-ES in plaintext over a
 * low-dimensional z projected to a soft prompt; each generation's whole population is scored by
 * one call to the model evaluated under MPC (all parties in this process by default), which opens
 * only the class logits to the data owner. Prints progress per generation and a summary; writes
 * report.json, report.html and a checkpoint to --out.
 */
import { existsSync } from "node:fs";
import { basename, relative } from "node:path";
import {
  applyTemplate,
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
import { tokenize } from "./oracles/tokens.ts";
import { PROMPT_FORMAT, writePromptFile } from "./prompt_file.ts";
import { buildReport, type TuneReport } from "./report/build.ts";
import {
  generationLine,
  jsonLine,
  lineConsole,
  resultLines,
  terminalConsole,
  type TuneConsole,
} from "./report/console.ts";
import { reportHtml } from "./report/html.ts";
import { displayFlags, displayPath, reproduceCommand, versions } from "./report/provenance.ts";
import { loadSessions, SessionRecorder } from "./report/sessions.ts";

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
    const texts = (xs: { text: string }[]) =>
      tokenize(
        tokenizer,
        xs.map((e) => applyTemplate(task, e.text)),
        weights.config,
        L,
        flags.maxTokens,
      )
        .map((ids) => ids.length);
    const paths = {
      report_html: displayPath(`${flags.out}/report.html`),
      report_json: displayPath(`${flags.out}/report.json`),
      checkpoint: displayPath(ckpt),
      prompt: displayPath(`${flags.out}/prompt.json`),
    };
    const report = buildReport({
      flags: displayFlags(
        flags as unknown as Record<string, unknown>,
      ) as TuneReport["configuration"],
      task,
      sizes: { train: split.train.length, dev: split.dev.length, test: test.length },
      test: { labels: test.map((e) => e.label), untuned: zeroShot.logits, tuned: tuned.logits },
      result,
      history: result.history,
      sessions: await loadSessions(flags.out),
      shapes: {
        promptShape: [flags.popsize, L, weights.config.embedDim],
        labelTokens: tokenize(tokenizer, task.labelTexts, weights.config, 0).map((t) => t.length),
        batches: [
          { batch: "train (every generation)", tokenLengths: texts(split.train) },
          { batch: "dev", tokenLengths: texts(split.dev) },
          { batch: "test", tokenLengths: texts(test) },
        ],
      },
      versions: await versions(model.checkpoint?.path ?? null),
      paths,
      command: reproduceCommand(flags as unknown as Record<string, unknown>),
      wallS: (performance.now() - t0) / 1000,
    });
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
        run: displayPath(flags.out),
        bestGeneration: result.bestGeneration,
        bestDevMetric: result.bestDevMetric,
      },
      prompt: Array.from(result.bestPrompt),
    });
    await Deno.writeTextFile(`${flags.out}/report.html`, reportHtml(report));
    // On the console, paths relative to the working directory even outside it (the user's own).
    const here = Object.fromEntries(
      Object.entries(paths).map(([k]) => [
        k,
        relative(
          Deno.cwd(),
          `${flags.out}/${
            basename(
              (paths as Record<string, string>)[k],
            )
          }`,
        ),
      ]),
    ) as typeof paths;
    for (const line of resultLines(report, here)) io.result(line);
    io.json(jsonLine(report, here));
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
