/**
 * The documented layout of report.json: every key, its type and its meaning (units are in the key
 * names: `bytes…`, `…_s`, `rounds…`). {@link checkReport} checks a report against it (a key missing,
 * of the wrong type, or not documented is an error), and {@link schemaMarkdown} renders the table
 * the README shows. To add a figure: add it in build.ts and document it here.
 */

/** One documented key. */
export interface Field {
  /** JSON type: string, number, integer, boolean, interval ([low, high]), array, object; `?`: or null. */
  t: string;
  /** What it is. */
  doc: string;
  /** Documented keys of an object (checked exhaustively). */
  fields?: Record<string, Field>;
  /** Documented keys of each element of an array of objects. */
  items?: Record<string, Field>;
}

const f = (t: string, doc: string, more: Partial<Field> = {}): Field => ({ t, doc, ...more });

const INTERVAL = "95 % interval [low, high]";

const OUTCOME: Record<string, Field> = {
  metric: f("number", "the task metric on the test texts"),
  metric_ci95: f("interval", `${INTERVAL} of the metric`),
  ci_method: f("string", "wilson (accuracy) or bootstrap (F1, 2000 resamples, seeded by the run)"),
  accuracy: f("number", "test accuracy"),
  accuracy_ci95: f("interval", `${INTERVAL} of the accuracy (Wilson)`),
  confusion: f("array", "counts [true class][predicted class]"),
};

const TRAFFIC: Record<string, Field> = {
  bytes_sent_online: f("integer", "payload bytes sent online, all parties"),
  bytes_sent_offline: f("integer", "bytes of offline (preprocessing) material, all parties"),
  bytes_sent_online_busiest_party: f("integer", "online bytes sent by the busiest party"),
  messages: f("integer", "messages, both phases"),
  rounds_online: f("integer", "dependent online rounds (sum over sessions)"),
  rounds_offline: f("integer", "dependent offline rounds"),
  per_party: f("array", "per sending party", {
    items: {
      party: f("integer", "party id"),
      role: f("string", "computing party, dealer, data owner or model owner"),
      bytes_sent_online: f("integer", "online bytes it sent"),
      bytes_sent_offline: f("integer", "offline bytes it sent"),
      messages: f("integer", "messages it sent"),
    },
  }),
};

/** report.json, key by key. */
export const REPORT_FIELDS: Record<string, Field> = {
  schema: f("string", "layout id, `secp-tuning/tune-report@2`"),
  summary: f("object", "the headline figures, flat (what `--json` prints, plus paths)", {
    fields: {
      task: f("string", "task name"),
      backend: f("string", "reference, plain, 2pc or 3pc"),
      model: f("string", "the model (USE-lite, or the HF checkpoint's architecture and folder)"),
      attention: f("string", "rfa or softmax"),
      deep_prompt: f(
        "boolean",
        "tune --deep: a prompt at the input of every layer (BBTv2-style); the prompt file then lists promptWidths",
      ),
      labels: f("array", "each label: id, name, readout, examples (and test examples)"),
      texts_clipped: f("integer", "texts clipped to the token limit (train, dev and test)"),
      texts_longer_than_model_max: f("integer", "texts longer than the model's own room"),
      selection: f(
        "object?",
        "the final selection: criterion, selected_generation (0 = the untuned prompt), selected_score, untuned_score, kept_untuned, candidates",
      ),
      metric: f("string", "accuracy, f1 or macro-f1"),
      train_texts: f("integer", "training texts (scored every generation)"),
      dev_texts: f("integer", "dev texts (select the prompt)"),
      test_texts: f("integer", "test texts scored before and after tuning"),
      generations: f("integer", "CMA-ES generations completed"),
      untuned_test_metric: f("number", "test metric of the untuned prompt"),
      untuned_test_metric_ci95: f("interval", INTERVAL),
      tuned_test_metric: f("number", "test metric of the tuned prompt"),
      tuned_test_metric_ci95: f("interval", INTERVAL),
      untuned_test_accuracy: f("number", "test accuracy of the untuned prompt"),
      tuned_test_accuracy: f("number", "test accuracy of the tuned prompt"),
      best_dev_metric: f("number?", "dev metric of the selected prompt"),
      best_dev_generation: f("integer?", "generation it came from"),
      bytes_sent_per_generation: f("number", "mean online bytes sent by the busiest party"),
      offline_bytes_per_generation: f("number", "mean offline bytes, all parties"),
      rounds_per_generation: f("number", "mean dependent online rounds"),
      lan_s_per_generation: f("number", "mean modelled LAN time"),
      wan_s_per_generation: f("number", "mean modelled WAN time"),
      wall_s_per_generation: f("number", "mean wall time measured here"),
      total_bytes_sent_online: f("integer", "online bytes, all parties, every session"),
      total_bytes_sent_offline: f("integer", "offline bytes, all parties, every session"),
      sessions: f("integer", "secure sessions the job ran in (1 + resumes)"),
      wall_s: f("number", "wall time of the job, every session"),
    },
  }),
  outcome: f("object", "what tuning achieved", {
    fields: {
      metric: f("string", "accuracy or f1"),
      class_names: f("array", "class names, in label order"),
      test_texts: f("integer", "test texts"),
      untuned: f("object", "the untuned prompt on the test texts", { fields: OUTCOME }),
      tuned: f("object", "the tuned prompt on the test texts", { fields: OUTCOME }),
      notes: f("array", "remarks on the outcome (shown in the console and the report)"),
      dev: f("object", "the dev set that selected the prompt", {
        fields: {
          texts: f("integer", "dev texts"),
          best_metric: f("number?", "dev metric of the selected prompt"),
          best_generation: f("integer?", "its generation (0: the untuned prompt)"),
          worst_case_half_width_95: f("number", "half-width of a 95 % Wilson interval at 0.5"),
          too_small_to_select: f("boolean", "that half-width exceeds 0.1"),
          note: f("string?", "the console's note when too small"),
        },
      }),
    },
  }),
  cost: f("object", "what the run cost", {
    fields: {
      per_generation: f("array", "one row per generation (earlier sessions included)", {
        items: {
          generation: f("integer", "generation number"),
          session: f("integer?", "session it ran in"),
          train_loss_best: f("number", "lowest train loss of the population"),
          train_loss_mean: f("number", "mean train loss of the population"),
          dev_metric: f("number?", "dev metric, when evaluated"),
          bytes_sent_online_busiest_party: f(
            "number",
            "online bytes of the train call, busiest party",
          ),
          bytes_offline: f("number", "offline bytes of the train call"),
          rounds_online: f("number", "online rounds of the train call"),
          messages_online: f("number", "online messages of the train call"),
          wall_s: f("number", "wall time of the generation"),
          oracle_s: f("number", "part of it inside oracle calls"),
          lan_s: f("number", "modelled LAN time of the train call"),
          wan_s: f("number", "modelled WAN time of the train call"),
        },
      }),
      mean_per_generation: f("object", "means of the per-generation rows", {
        fields: {
          bytes_sent_online_busiest_party: f(
            "number",
            "mean of per_generation[].bytes_sent_online_busiest_party",
          ),
          bytes_offline: f("number", "mean of per_generation[].bytes_offline"),
          rounds_online: f("number", "mean of per_generation[].rounds_online"),
          messages_online: f("number", "mean of per_generation[].messages_online"),
          wall_s: f("number", "mean of per_generation[].wall_s"),
          lan_s: f("number", "mean of per_generation[].lan_s"),
          wan_s: f("number", "mean of per_generation[].wan_s"),
        },
      }),
      by_op: f("array", "traffic by op path (3 segments), whole job, largest first", {
        items: {
          op: f("string", "op path prefix"),
          phase: f("string", "online or offline"),
          bytes_sent: f("integer", "bytes, all parties"),
          messages: f("integer", "messages"),
        },
      }),
      sessions: f("array", "every session of the job, interrupted ones included", {
        items: {
          session: f("integer", "1, then 2 for the first resume, ..."),
          status: f("string", "done, failed, or running (its process was killed)"),
          error: f("string?", "the failure, for failed sessions (optional key)"),
          started_at: f("string", "ISO time"),
          generations_from: f("integer", "first generation it ran"),
          generations_to: f("integer", "last generation it completed"),
          wall_s: f("number", "its wall time (to its last save)"),
          traffic: f("object", "its traffic", { fields: TRAFFIC }),
        },
      }),
      total: f("object", "the whole job (every session)", {
        fields: { ...TRAFFIC, wall_s: f("number", "wall time, every session") },
      }),
    },
  }),
  privacy: f("object", "what each party learned and saw", {
    fields: {
      threat_model: f("string", "the backend's threat model in one sentence"),
      roles: f("object", "role of each party id"),
      learned: f("array", "the reveal log summarised by receiver and kind", {
        items: {
          party: f("integer", "receiver"),
          role: f("string", "its role"),
          kind: f("string", "uniform-ring, uniform-mod-2^k, statistical or cleartext-output"),
          openings: f("integer", "openings"),
          elements: f("integer", "values opened"),
          statement: f("string", "the same in words"),
        },
      }),
      visible_to_computing_parties: f("object", "public shapes", {
        fields: {
          prompt_shape: f("array", "[candidates, prompt tokens, embedding width]"),
          classes: f("integer", "classes"),
          label_token_lengths: f("array", "tokens of each label text"),
          batches: f("array", "token count of every text, per batch kind", {
            items: {
              batch: f("string", "train, dev or test"),
              texts: f("integer", "texts"),
              min_tokens: f("integer", "shortest"),
              max_tokens: f("integer", "longest"),
              token_lengths: f("array", "every text's token count"),
            },
          }),
        },
      }),
      reveals_per_session: f("array", "each session's reveal-log entries", {
        items: { session: f("integer", "session"), reveals: f("array", "its entries") },
      }),
    },
  }),
  configuration: f("object", "the run's flags (paths relative), seed included"),
  reproduce: f("object", "how to run it again", {
    fields: { command: f("string", "the tune command with every flag") },
  }),
  versions: f("object", "model, attention checkpoint and its SHA-256, project commit, Deno"),
  selection_study: f(
    "object?",
    "bench tuning --study: the test metric each selection criterion's pick reaches (else null)",
  ),
  task: f(
    "object",
    "the task: data and test files, format, columns, labels (id, name, readout, counts), readout, template, clipping counts; never the texts",
  ),
  paths: f("object", "outputs, relative", {
    fields: {
      report_html: f("string", "report.html"),
      report_json: f("string", "report.json"),
      checkpoint: f("string", "checkpoint.json (for --resume)"),
      prompt: f("string", "prompt.json (for predict)"),
    },
  }),
  history: f("array", "the tuning loop's generation records (`@secp/fot` GenerationRecord)"),
  test_logits: f("object", "untuned and tuned test logits, [texts × classes] row-major"),
  traffic: f("object?", "the job's ledger summary (null for reference, which has no session)"),
  received_by_data_owner: f("array", "every message the data owner received (from, path, bytes)"),
  reveals: f("array", "every opening of the job: path, receiver, mask, elements, width, openings"),
};

function typeOk(t: string, v: unknown): boolean {
  if (t.endsWith("?") && v === null) return true;
  switch (t.replace("?", "")) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return Number.isSafeInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "interval":
      return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number") &&
        v[0] <= v[1];
    case "array":
      return Array.isArray(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
  }
  return false;
}

function checkFields(
  where: string,
  o: Record<string, unknown>,
  spec: Record<string, Field>,
  errors: string[],
): void {
  for (const [k, fld] of Object.entries(spec)) {
    const optional = fld.doc.includes("(optional key)");
    if (!(k in o)) {
      if (!optional) errors.push(`${where}${k}: missing`);
      continue;
    }
    const v = o[k];
    if (!typeOk(fld.t, v)) {
      errors.push(`${where}${k}: expected ${fld.t}, got ${JSON.stringify(v)?.slice(0, 60)}`);
      continue;
    }
    if (fld.fields && v !== null) {
      checkFields(`${where}${k}.`, v as Record<string, unknown>, fld.fields, errors);
    }
    if (fld.items && Array.isArray(v)) {
      v.forEach((e, i) => checkFields(`${where}${k}[${i}].`, e, fld.items!, errors));
    }
  }
  for (const k of Object.keys(o)) {
    if (!(k in spec)) errors.push(`${where}${k}: not documented in apps/cli/report/schema.ts`);
  }
}

/** Every way `report` departs from {@link REPORT_FIELDS} (empty when it conforms). */
export function checkReport(report: unknown): string[] {
  const errors: string[] = [];
  if (typeof report !== "object" || report === null) return ["report: not an object"];
  checkFields("", report as Record<string, unknown>, REPORT_FIELDS, errors);
  return errors;
}

/** The schema as the README's markdown table (one row per key, nested keys dotted). */
export function schemaMarkdown(): string {
  const rows: string[] = ["| key | type | meaning |", "| --- | --- | --- |"];
  const walk = (prefix: string, spec: Record<string, Field>) => {
    for (const [k, fld] of Object.entries(spec)) {
      rows.push(`| \`${prefix}${k}\` | ${fld.t} | ${fld.doc.replaceAll("|", "\\|")} |`);
      if (fld.fields) walk(`${prefix}${k}.`, fld.fields);
      if (fld.items) walk(`${prefix}${k}[].`, fld.items);
    }
  };
  walk("", REPORT_FIELDS);
  return rows.join("\n");
}

if (import.meta.main) console.log(schemaMarkdown());
