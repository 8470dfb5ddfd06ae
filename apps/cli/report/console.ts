/**
 * What `tune` prints. Progress (the header and one line per generation) goes to stderr; the result
 * (metric with interval, dev note, cost, and a last line naming the report and checkpoint) goes to
 * stdout, or with `--json` to stderr while stdout gets one machine-readable summary line.
 */
import type { GenerationRecord } from "@secp/fot";
import type { TuneReport } from "./build.ts";
import { fmtBytes, fmtMetric, fmtPoints, fmtRounds, fmtSeconds, fmtWithInterval } from "./units.ts";

/** Where `tune` writes: progress, human-readable result lines, and the `--json` line. */
export interface TuneConsole {
  /** A progress line (stderr). */
  progress(line: string): void;
  /** A result line (stdout; stderr with `--json`). */
  result(line: string): void;
  /** The one machine-readable summary line (stdout with `--json`; otherwise not printed). */
  json(line: string): void;
}

/** The terminal console of `tune` (see the module doc). */
export function terminalConsole(json: boolean): TuneConsole {
  return {
    progress: (l) => console.error(l),
    result: (l) => (json ? console.error(l) : console.log(l)),
    json: (l) => (json ? console.log(l) : undefined),
  };
}

/** A console sending progress and result lines to one function (tests, nested commands). */
export function lineConsole(log: (s: string) => void): TuneConsole {
  return { progress: log, result: log, json: () => {} };
}

/**
 * The progress line of one generation; the ETA is the remaining generations times `meanGenS`, the
 * mean wall time of the generations run so far in this session.
 */
export function generationLine(r: GenerationRecord, budget: number, meanGenS: number): string {
  const bar = "#".repeat(Math.round((20 * r.generation) / budget)).padEnd(20, ".");
  const left = budget - r.generation;
  return `[${bar}] gen ${r.generation}/${budget} loss ${r.bestLoss.toFixed(4)} dev ${
    r.dev ? fmtMetric(r.dev.metric) : "  -  "
  } sent ${fmtBytes(r.cost?.bytesSent)} in ${fmtRounds(r.cost?.rounds)} rounds, ${
    fmtSeconds(r.wallMs / 1000)
  }${left > 0 ? `, ETA ${fmtSeconds(left * meanGenS)}` : ""}`;
}

/**
 * The result lines, the last naming the report and the checkpoint (`paths`: as the user should
 * type them, e.g. relative to the working directory; default: the report's own).
 */
export function resultLines(r: TuneReport, paths: TuneReport["paths"] = r.paths): string[] {
  const o = r.outcome, s = r.summary, m = r.cost.mean_per_generation;
  const name = o.metric === "f1" ? "F1" : "accuracy";
  const method = o.untuned.ci_method === "wilson" ? "Wilson" : "bootstrap";
  const lines = [
    `test ${name} on ${o.test_texts} texts: untuned ${
      fmtWithInterval(o.untuned.metric, o.untuned.metric_ci95)
    } -> tuned ${fmtWithInterval(o.tuned.metric, o.tuned.metric_ci95)} (${
      fmtPoints(o.tuned.metric - o.untuned.metric)
    } points; 95 % ${method} intervals)`,
    `dev ${name} on ${o.dev.texts} texts: ${fmtMetric(o.dev.best_metric)} for the selected prompt${
      o.dev.best_generation === null
        ? ""
        : o.dev.best_generation === 0
        ? " (the untuned prompt)"
        : ` (generation ${o.dev.best_generation})`
    }${o.dev.note ? ` (note: ${o.dev.note})` : ""}`,
    ...o.notes.map((n) => `note: ${n}`),
  ];
  if (r.cost.sessions.length > 0) {
    lines.push(
      `per generation (mean of ${r.cost.per_generation.length}): ${
        fmtBytes(m.bytes_sent_online_busiest_party)
      } sent online by the busiest party, ${fmtBytes(m.bytes_offline)} offline material, ${
        fmtRounds(m.rounds_online)
      } rounds, ${fmtSeconds(m.wall_s)} here; modelled LAN ${fmtSeconds(m.lan_s)}, WAN ${
        fmtSeconds(m.wan_s)
      }`,
      `whole job: ${fmtBytes(r.cost.total.bytes_sent_online)} online, ${
        fmtBytes(r.cost.total.bytes_sent_offline)
      } offline (all parties), ${fmtSeconds(s.wall_s)} in ${s.sessions} session${
        s.sessions === 1 ? "" : "s"
      }`,
    );
  } else lines.push(`whole job: ${fmtSeconds(s.wall_s)} (plaintext backend: nothing sent)`);
  lines.push(`report: ${paths.report_html}  checkpoint: ${paths.checkpoint}`);
  return lines;
}

/** The `--json` line: the summary figures and the output paths (`paths` as in {@link resultLines}). */
export function jsonLine(r: TuneReport, paths: TuneReport["paths"] = r.paths): string {
  return JSON.stringify({ ...r.summary, ...paths });
}
