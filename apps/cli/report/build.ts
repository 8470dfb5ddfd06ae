/**
 * The tune report (report.json): every figure of the run, with units in the key names, built
 * from what `tune` measured. console.ts and html.ts render this object only, so a new figure
 * added here (e.g. to `summary`) reaches the JSON, the HTML and, if wanted, the console.
 */
import { localTopology, type RevealEntry, RevealLog } from "@secp/sharing";
import type { GenerationRecord } from "@secp/fot";
import type { Ledger } from "@secp/transport";
import { mergeSessions, type SessionAccount } from "./sessions.ts";
import {
  confusionMatrix,
  DEV_HALF_WIDTH_LIMIT,
  type Interval,
  metricWithInterval,
  wilson,
  worstHalfWidth,
} from "./stats.ts";
import { fmtCount } from "./units.ts";

/** Identifies report.json's layout; bump when a key changes meaning. */
export const REPORT_SCHEMA = "secp-tuning/tune-report@2";

/** Scores of one prompt on the test set. */
export interface PromptOutcome {
  /** The task metric. */
  metric: number;
  /** Its 95 % interval. */
  metric_ci95: Interval;
  /** How the interval was computed. */
  ci_method: "wilson" | "bootstrap";
  /** Accuracy. */
  accuracy: number;
  /** Wilson 95 % interval of the accuracy. */
  accuracy_ci95: Interval;
  /** Counts [true class][predicted class]. */
  confusion: number[][];
}

/** What `tune` hands the report builder (all measured in this run). */
export interface ReportInputs {
  /** The run's flags (seed included), as saved in run.json. */
  flags: Record<string, unknown> & { backend: string; seed?: string };
  /** Task name, metric, class names, positive class for F1. */
  task: {
    name: string;
    metric: "accuracy" | "f1" | "macro-f1";
    classNames: string[];
    positiveClass?: number;
  };
  /** Texts per split (train, dev, test as scored). */
  sizes: { train: number; dev: number; test: number };
  /** Test labels, and the untuned and tuned test logits `[test, C]`. */
  test: { labels: number[]; untuned: ArrayLike<number>; tuned: ArrayLike<number> };
  /** The tuning result. */
  result: { generations: number; bestDevMetric: number | null; bestGeneration: number | null };
  /** Every generation of the job (those before a resume included). */
  history: GenerationRecord[];
  /** Saved accounts of every session of the job (empty for `--backend reference`). */
  sessions: SessionAccount[];
  /** Token count of every text each kind of batch sends (visible to the computing parties). */
  shapes: {
    promptShape: number[];
    labelTokens: number[];
    batches: { batch: string; tokenLengths: number[] }[];
  };
  /** Model, checkpoint and code versions. */
  versions: Record<string, string | null>;
  /** Paths of the outputs, relative to where the command ran. */
  paths: { report_html: string; report_json: string; checkpoint: string; prompt: string };
  /** The command that reproduces the run. */
  command: string;
  /** Wall time of this invocation, in seconds. */
  wallS: number;
  /** Remarks on the outcome, shown in the console and the report (e.g. how the prompt was chosen). */
  notes?: string[];
  /** The model's name. */
  model: string;
  /** How the final prompt was chosen among the untuned one and the dev-scored candidates. */
  selection?: {
    criterion: string;
    selected_generation: number;
    selected_score: number;
    untuned_score: number | null;
    kept_untuned: boolean;
    /** Candidates scored (the untuned prompt first, then one per dev evaluation). */
    candidates: number;
  };
  /** `--study` (bench tuning): the test metric each selection criterion's pick reaches. */
  selectionStudy?: Record<string, { generation: number; test_metric: number }>;
  /**
   * The task's provenance: data and test files, format, columns, labels (id, name, readout, counts),
   * readout kind, template, clipping counts (never the texts).
   */
  data: {
    labels: unknown[];
    clipping: { clipped: number; longerThanModel: number };
    [key: string]: unknown;
  };
}

/** One sentence per backend: who must not collude for the data to stay private. */
export const THREAT_MODEL: Record<string, string> = {
  reference: "No privacy: the float64 model runs in the clear in the data owner's process.",
  plain:
    "No privacy: the secure code runs in cleartext fixed point in one process (a check of the " +
    "code, not a security model).",
  "2pc":
    "Semi-honest 2PC with a dealer: the texts, prompts and weights stay private unless the dealer " +
    "colludes with a computing party, or the two computing parties collude.",
  "3pc":
    "Semi-honest 3PC with replicated sharing (honest majority): the texts, prompts and weights " +
    "stay private unless two of the three computing parties collude.",
};

const MASK_MEANS: Record<string, string> = {
  "uniform-ring": "masked by a fresh uniform ring value: perfectly hiding",
  "uniform-mod-2^k": "masked uniformly mod 2^k: perfectly hiding",
  statistical: "masked by much wider noise: statistically hiding",
  "cleartext-output": "in the clear",
};

/** Role of each party id of a backend. */
export function roleNames(backend: string): Record<number, string> {
  if (backend === "reference" || backend === "plain") return { 0: "data owner (plaintext model)" };
  const { parties, roles } = localTopology(backend as "2pc" | "3pc");
  const out: Record<number, string> = {};
  for (const p of parties) {
    out[p] = p === roles.dataOwner
      ? "data owner"
      : p === roles.modelOwner
      ? "model owner"
      : p === roles.dealer
      ? "dealer"
      : "computing party";
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function perGeneration(history: GenerationRecord[], sessions: SessionAccount[]) {
  const sessionOf = (g: number) =>
    sessions.find((s) => g > s.generation_start && g <= s.generation_end)?.index ?? null;
  return history.map((h) => ({
    generation: h.generation,
    session: sessionOf(h.generation),
    train_loss_best: h.bestLoss,
    train_loss_mean: h.meanLoss,
    dev_metric: h.dev?.metric ?? null,
    bytes_sent_online_busiest_party: h.cost?.bytesSent ?? 0,
    bytes_offline: h.cost?.bytesOffline ?? 0,
    rounds_online: h.cost?.rounds ?? 0,
    messages_online: h.cost?.messages ?? 0,
    wall_s: h.wallMs / 1000,
    oracle_s: h.oracleMs / 1000,
    lan_s: (h.cost?.lanMs ?? 0) / 1000,
    wan_s: (h.cost?.wanMs ?? 0) / 1000,
  }));
}

function trafficOf(ledger: Ledger, roles: Record<number, string>) {
  const s = ledger.summary();
  return {
    bytes_sent_online: s.total.online.bytes,
    bytes_sent_offline: s.total.offline.bytes,
    bytes_sent_online_busiest_party: s.maxBytesSent.online,
    messages: s.total.online.messages + s.total.offline.messages,
    rounds_online: s.rounds.online,
    rounds_offline: s.rounds.offline,
    per_party: s.parties.map((p) => ({
      party: p.party,
      role: roles[p.party] ?? "party",
      bytes_sent_online: p.online.bytes,
      bytes_sent_offline: p.offline.bytes,
      messages: p.online.messages + p.offline.messages,
    })),
  };
}

/** The reveal log summarised per receiver and kind, with a sentence each. */
export function learnedBy(
  entries: RevealEntry[],
  roles: Record<number, string>,
  numClasses: number,
): {
  party: number;
  role: string;
  kind: string;
  openings: number;
  elements: number;
  statement: string;
}[] {
  const log = RevealLog.fromJSON({ version: 1, entries });
  return log.summary().map((s) => {
    const role = roles[s.receiver] ?? "party";
    const rows = entries.filter((e) => e.receiver === s.receiver && e.mask === s.mask);
    let statement: string;
    if (s.mask === "cleartext-output") {
      const widths = [...new Set(rows.map((e) => e.width))];
      const paths = [...new Set(rows.map((e) => e.path))];
      statement = widths.length === 1 && widths[0] === numClasses
        ? `${numClasses} logits × ${fmtCount(s.elements / numClasses)} (prompt, text) queries ` +
          `in the clear (${paths.join(", ")})`
        : `${fmtCount(s.elements)} values in the clear at ${paths.join(", ")}`;
    } else {
      statement = `${fmtCount(s.elements)} values in ${fmtCount(s.openings)} openings, each ` +
        MASK_MEANS[s.mask];
    }
    return {
      party: s.receiver,
      role,
      kind: s.mask,
      openings: s.openings,
      elements: s.elements,
      statement,
    };
  });
}

/**
 * Adds to the data owner's cleartext row where its queries came from (untuned and tuned test,
 * train per generation, dev), when those account for the count exactly.
 */
function explainQueries(
  rows: ReturnType<typeof learnedBy>,
  i: ReportInputs,
  dataOwner: number,
  C: number,
): ReturnType<typeof learnedBy> {
  const popsize = Number(i.flags.popsize);
  const perGen = popsize * i.sizes.train;
  const parts: string[] = [];
  let total = 0;
  for (const s of i.sessions) {
    const gens = i.history.filter((h) =>
      h.generation > s.generation_start && h.generation <= s.generation_end
    );
    const devs = gens.filter((h) => h.dev !== undefined).length;
    const done = s.status === "done";
    // The final selection (done session): every candidate on train, the untuned prompt on dev.
    const sel = done && i.selection ? i.selection.candidates : 0;
    const selDev = sel && i.sizes.dev > 0 ? i.sizes.dev : 0;
    const tail = done && !i.selection?.kept_untuned ? i.sizes.test : 0;
    total += i.sizes.test + gens.length * perGen + devs * i.sizes.dev + sel * i.sizes.train +
      selDev + tail;
    parts.push(
      `${i.sizes.test} untuned test + ${gens.length} generations × ${perGen} train (${popsize} ` +
        `prompts × ${i.sizes.train} texts) + ${devs} × ${i.sizes.dev} dev` +
        (sel
          ? ` + the final selection (${sel} candidates × ${i.sizes.train} train` +
            (selDev ? ` + ${selDev} dev` : "") + ")"
          : "") +
        (tail ? ` + ${tail} tuned test` : ""),
    );
  }
  return rows.map((r) => {
    if (r.party !== dataOwner || r.kind !== "cleartext-output" || r.elements !== C * total) {
      return r;
    }
    const how = parts.length === 1
      ? parts[0]
      : parts.map((p, k) => `session ${i.sessions[k].index}: ${p}`).join("; ");
    return { ...r, statement: `${r.statement}: ${how}, nothing else` };
  });
}

/** Builds report.json from a run's measurements. */
export function buildReport(i: ReportInputs) {
  const roles = roleNames(i.flags.backend);
  const C = i.task.classNames.length;
  const seed = String(i.flags.seed ?? "");
  const outcome = (logits: ArrayLike<number>, which: string): PromptOutcome => {
    const m = metricWithInterval(i.task.metric, logits, i.test.labels, C, {
      seed: `${seed}/bootstrap/${which}`,
      positiveClass: i.task.positiveClass,
    });
    const confusion = confusionMatrix(logits, i.test.labels, C);
    const correct = confusion.reduce((s, row, c) => s + row[c], 0);
    return {
      metric: m.value,
      metric_ci95: m.ci95,
      ci_method: m.ci_method,
      accuracy: i.test.labels.length ? correct / i.test.labels.length : 0,
      accuracy_ci95: wilson(correct, i.test.labels.length),
      confusion,
    };
  };
  const untuned = outcome(i.test.untuned, "untuned");
  const tuned = outcome(i.test.tuned, "tuned");
  const devHalf = worstHalfWidth(i.sizes.dev);
  const devTooSmall = devHalf > DEV_HALF_WIDTH_LIMIT;
  const gens = perGeneration(i.history, i.sessions);
  const meanOf = (k: keyof (typeof gens)[number]) => mean(gens.map((g) => Number(g[k] ?? 0)));
  const merged = mergeSessions(i.sessions);
  const sessions = i.sessions.map((s) => {
    const one = mergeSessions([s]);
    return {
      session: s.index,
      status: s.status,
      ...(s.error === undefined ? {} : { error: s.error }),
      started_at: s.started_at,
      generations_from: s.generation_start + 1,
      generations_to: s.generation_end,
      wall_s: s.wall_s,
      traffic: trafficOf(one.ledger, roles),
      reveals: s.reveals.entries,
    };
  });
  const total = {
    ...trafficOf(merged.ledger, roles),
    // Rounds add up over sessions (each starts its own dependency chain).
    rounds_online: sessions.reduce((a, s) => a + s.traffic.rounds_online, 0),
    rounds_offline: sessions.reduce((a, s) => a + s.traffic.rounds_offline, 0),
    wall_s: sessions.length ? sessions.reduce((a, s) => a + s.wall_s, 0) : i.wallS,
  };
  const traffic = merged.ledger.summary();
  traffic.rounds = { online: total.rounds_online, offline: total.rounds_offline };
  const reveals = merged.reveals.entries();
  const dataOwner = i.flags.backend === "reference" || i.flags.backend === "plain"
    ? 0
    : localTopology(i.flags.backend as "2pc").roles.dataOwner;
  const lengths = (xs: number[]) => ({
    texts: xs.length,
    min_tokens: xs.length ? Math.min(...xs) : 0,
    max_tokens: xs.length ? Math.max(...xs) : 0,
    token_lengths: xs,
  });
  return {
    schema: REPORT_SCHEMA,
    summary: {
      task: i.task.name,
      backend: i.flags.backend,
      model: i.model,
      attention: i.flags.attention as string,
      deep_prompt: i.flags.deep === true,
      labels: i.data.labels,
      texts_clipped: i.data.clipping.clipped,
      texts_longer_than_model_max: i.data.clipping.longerThanModel,
      selection: i.selection ?? null,
      metric: i.task.metric,
      train_texts: i.sizes.train,
      dev_texts: i.sizes.dev,
      test_texts: i.sizes.test,
      generations: i.result.generations,
      untuned_test_metric: untuned.metric,
      untuned_test_metric_ci95: untuned.metric_ci95,
      tuned_test_metric: tuned.metric,
      tuned_test_metric_ci95: tuned.metric_ci95,
      untuned_test_accuracy: untuned.accuracy,
      tuned_test_accuracy: tuned.accuracy,
      best_dev_metric: i.result.bestDevMetric,
      best_dev_generation: i.result.bestGeneration,
      bytes_sent_per_generation: meanOf("bytes_sent_online_busiest_party"),
      offline_bytes_per_generation: meanOf("bytes_offline"),
      rounds_per_generation: meanOf("rounds_online"),
      lan_s_per_generation: meanOf("lan_s"),
      wan_s_per_generation: meanOf("wan_s"),
      wall_s_per_generation: meanOf("wall_s"),
      total_bytes_sent_online: total.bytes_sent_online,
      total_bytes_sent_offline: total.bytes_sent_offline,
      sessions: i.sessions.length,
      wall_s: total.wall_s,
    },
    outcome: {
      metric: i.task.metric,
      class_names: i.task.classNames,
      test_texts: i.sizes.test,
      untuned,
      tuned,
      notes: i.notes ?? [],
      dev: {
        texts: i.sizes.dev,
        best_metric: i.result.bestDevMetric,
        best_generation: i.result.bestGeneration,
        worst_case_half_width_95: devHalf,
        too_small_to_select: devTooSmall,
        note: devTooSmall
          ? `${i.sizes.dev} dev texts are too few to select a prompt on: ` +
            (i.task.metric === "accuracy"
              ? `one text moves the metric by ${(100 / Math.max(1, i.sizes.dev)).toFixed(1)} points`
              : `one text is ${(100 / Math.max(1, i.sizes.dev)).toFixed(1)} % of the set`) +
            ` and its 95 % interval is up to ±${(100 * devHalf).toFixed(0)} points wide`
          : null,
      },
    },
    cost: {
      per_generation: gens,
      mean_per_generation: {
        bytes_sent_online_busiest_party: meanOf("bytes_sent_online_busiest_party"),
        bytes_offline: meanOf("bytes_offline"),
        rounds_online: meanOf("rounds_online"),
        messages_online: meanOf("messages_online"),
        wall_s: meanOf("wall_s"),
        lan_s: meanOf("lan_s"),
        wan_s: meanOf("wan_s"),
      },
      by_op: merged.ledger.byPath(3).map((p) => ({
        op: p.prefix,
        phase: p.phase,
        bytes_sent: p.bytes,
        messages: p.messages,
      })),
      sessions: sessions.map(({ reveals: _r, ...s }) => s),
      total,
    },
    privacy: {
      threat_model: THREAT_MODEL[i.flags.backend] ?? "",
      roles: Object.fromEntries(Object.entries(roles).map(([p, r]) => [p, r])),
      learned: explainQueries(learnedBy(reveals, roles, C), i, dataOwner, C),
      visible_to_computing_parties: {
        prompt_shape: i.shapes.promptShape,
        classes: C,
        label_token_lengths: i.shapes.labelTokens,
        batches: i.shapes.batches.map((b) => ({ batch: b.batch, ...lengths(b.tokenLengths) })),
      },
      reveals_per_session: sessions.map((s) => ({ session: s.session, reveals: s.reveals })),
    },
    configuration: i.flags,
    reproduce: { command: i.command },
    versions: i.versions,
    task: i.data,
    selection_study: i.selectionStudy ?? null,
    paths: i.paths,
    history: i.history,
    test_logits: { untuned: Array.from(i.test.untuned), tuned: Array.from(i.test.tuned) },
    // Kept at the top for scripts: the job's traffic (every session) and every opening.
    traffic: i.sessions.length ? traffic : null,
    received_by_data_owner: merged.ledger.entries()
      .filter((e) => e.to === dataOwner && e.path !== "control")
      .map(({ from, path, phase, bytes, messages }) => ({ from, path, phase, bytes, messages })),
    reveals,
  };
}

/** report.json as an object. */
export type TuneReport = ReturnType<typeof buildReport>;
