/**
 * Writing a finished run's report: gathers what the report needs from the run (sizes, logits,
 * shapes the computing parties saw, every session's account, versions), writes report.json and
 * report.html, and prints the result lines (the last naming the report) and the `--json` line.
 */
import { basename, relative } from "node:path";
import { applyTemplate, type Example, type GenerationRecord, type TaskSpec } from "@secp/fot";
import { buildReport, type ReportInputs, type TuneReport } from "./build.ts";
import { jsonLine, resultLines, type TuneConsole } from "./console.ts";
import { reportHtml } from "./html.ts";
import { displayFlags, displayPath, reproduceCommand, versions } from "./provenance.ts";
import { loadSessions } from "./sessions.ts";

/** A finished run, as `tune` has it. */
export interface FinishedRun {
  /** The run's flags (`out`, `popsize`, `promptLen`, `maxTokens`, `seed`, ...). */
  flags: Record<string, unknown> & {
    out: string;
    backend: string;
    popsize: number;
    promptLen: number;
    maxTokens: number;
  };
  /** The task (name, class names, label texts, metric, template). */
  task: TaskSpec;
  /** Train and dev examples. */
  split: { train: Example[]; dev: Example[] };
  /** The test examples scored. */
  test: Example[];
  /** Test logits `[test, C]` of the untuned and the tuned prompt. */
  logits: { untuned: Float64Array; tuned: Float64Array };
  /** The tuning result. */
  result: {
    generations: number;
    bestDevMetric: number | null;
    bestGeneration: number | null;
    history: GenerationRecord[];
  };
  /** The model, as the oracle describes it. */
  model: {
    /** Its name for reports. */
    name: string;
    /** Embedding width E (a prompt row). */
    embedDim: number;
    /** Positions a templated text occupies in a batch (what the computing parties see). */
    textLength(text: string): number;
    /** Positions of each label readout the parties see. */
    labelLengths: number[];
    /** The attention checkpoint file (USE-lite rfa) on this machine, for its hash; or null. */
    checkpointPath: string | null;
  };
  /** The task's provenance, labels, readouts and clipping (never the texts). */
  data: ReportInputs["data"];
  /** How the final prompt was chosen. */
  selection?: ReportInputs["selection"];
  /** `--study`: the test metric each selection criterion's pick reaches. */
  selectionStudy?: ReportInputs["selectionStudy"];
  /** `performance.now()` when the run started. */
  startedAt: number;
  /** Remarks on the outcome for the console and the report (e.g. how the prompt was chosen). */
  notes?: string[];
}

/** Writes `<out>/report.json` and `<out>/report.html`, prints the result; returns the report. */
export async function writeReports(run: FinishedRun, io: TuneConsole): Promise<TuneReport> {
  const { flags, task, split, test, model } = run;
  const out = flags.out;
  const tokenLengths = (xs: Example[]) =>
    xs.map((e) => model.textLength(applyTemplate(task, e.text)));
  const files = {
    report_html: "report.html",
    report_json: "report.json",
    checkpoint: "checkpoint.json",
    prompt: "prompt.json",
  };
  const paths = Object.fromEntries(
    Object.entries(files).map(([k, f]) => [k, displayPath(`${out}/${f}`)]),
  ) as TuneReport["paths"];
  const report = buildReport({
    flags: displayFlags(flags) as TuneReport["configuration"],
    task: { ...task, metric: task.metric },
    sizes: { train: split.train.length, dev: split.dev.length, test: test.length },
    test: {
      labels: test.map((e) => e.label),
      untuned: run.logits.untuned,
      tuned: run.logits.tuned,
    },
    result: run.result,
    history: run.result.history,
    sessions: await loadSessions(out),
    shapes: {
      promptShape: [flags.popsize, flags.promptLen, model.embedDim],
      labelTokens: model.labelLengths,
      batches: [
        { batch: "train (every generation)", tokenLengths: tokenLengths(split.train) },
        { batch: "dev", tokenLengths: tokenLengths(split.dev) },
        { batch: "test", tokenLengths: tokenLengths(test) },
      ],
    },
    versions: await versions(model.name, model.checkpointPath),
    data: run.data,
    model: model.name,
    selection: run.selection,
    selectionStudy: run.selectionStudy,
    paths,
    command: reproduceCommand(flags),
    wallS: (performance.now() - run.startedAt) / 1000,
    notes: run.notes,
  });
  await Deno.writeTextFile(`${out}/report.json`, JSON.stringify(report, null, 2));
  await Deno.writeTextFile(`${out}/report.html`, reportHtml(report));
  // On the console, paths relative to the working directory even outside it (the user's own).
  const here = Object.fromEntries(
    Object.entries(files).map(([k, f]) => [k, relative(Deno.cwd(), `${out}/${basename(f)}`)]),
  ) as TuneReport["paths"];
  for (const line of resultLines(report, here)) io.result(line);
  io.json(jsonLine(report, here));
  return report;
}
