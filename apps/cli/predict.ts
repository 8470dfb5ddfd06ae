/**
 * `deno task predict`: secure inference with a tuned prompt — the API-style use after tuning. The
 * data owner secret-shares its texts and its prompt; the model runs under MPC on the model owner's
 * shared weights; only each text's class logits are opened, to the data owner.
 */
import { parseArgs } from "./args.ts";
import { printable } from "./printable.ts";
import {
  checkTemplate,
  fillTemplate,
  loadTaskWith,
  type OracleCost,
  parseLabelsFlag,
  readLabelledFile,
} from "@secp/fot";
import type { OracleBackend } from "@secp/transformer/oracle";
import { BACKEND_CHOICES, oneOf, PARTIES_IN_HELP, partiesInFlag } from "./flags.ts";
import { openFlagsOracle } from "./oracle.ts";
import { type PromptFile, readPromptFile } from "./prompt_file.ts";
import { TASK_FLAG_OPTIONS, TASK_FLAGS_HELP, type TaskFlags, taskFlagsFrom } from "./task_flags.ts";

/** `--help` text. */
export const PREDICT_HELP =
  `deno task predict --prompt FILE [--text T ...] [--file F] [flags]: classify texts with a tuned prompt

  --prompt FILE             prompt.json written by deno task tune (required)
  --text T                  a text to classify (repeatable)
  --file F                  texts, one per line (- for standard input)
  --data FILE               texts from the text column of a CSV, TSV or JSONL file (labels not read)
  task flags                --task, --labels and --template override the prompt file's label
                            texts and template (the class names must match the prompt's):
${
    TASK_FLAGS_HELP.split("\n").filter((l) =>
      /^\s+--(task|labels|template|format|text-column)/.test(l) || /^\s{20,}/.test(l)
    ).join("\n")
  }
  --backend reference|plain|2pc|3pc   who evaluates (default 2pc; see deno task tune --help)
  --cos exact|paper|iterative   cosine protocol when the prompt was tuned with RFA (default exact)
  --trunc exact|local       secure truncation (default exact; local: probabilistic, cheaper)
  --net none|lan|wan|wan200 delay in-process links per a network profile (default none)
${PARTIES_IN_HELP}
  --batch N                 texts per secure pass (default 32)
  --json                    one JSON object per text, then one with the cost
  --help                    this text`;

/** Validated predict flags. */
export interface PredictFlags
  extends Pick<TaskFlags, "labels" | "template" | "format" | "textColumn"> {
  /** `--task NAME|FILE` when given explicitly. */
  task?: string;
  /** `--data FILE`: texts from a data file's text column. */
  data?: string;
  prompt: string;
  texts: string[];
  file?: string;
  backend: OracleBackend;
  cos: "exact" | "paper" | "iterative";
  trunc: "exact" | "local";
  net: "none" | "lan" | "wan" | "wan200";
  /** In process: one Worker thread per party, or every party on one thread. */
  partiesIn: "workers" | "thread";
  batch: number;
  json: boolean;
}

/** Parses `args`; `"help"` for --help. Throws a one-line Error on bad input. */
export function parsePredictFlags(args: string[]): PredictFlags | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      prompt: { type: "string" },
      text: { type: "string", multiple: true },
      file: { type: "string" },
      backend: { type: "string" },
      cos: { type: "string" },
      trunc: { type: "string" },
      net: { type: "string" },
      "parties-in": { type: "string" },
      batch: { type: "string" },
      json: { type: "boolean" },
      ...TASK_FLAG_OPTIONS,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (!values.prompt) throw new Error("--prompt: required (the prompt.json of a tune run)");
  if (!values.text?.length && !values.file && !values.data) {
    throw new Error("give texts with --text, --file or --data");
  }
  for (const f of ["test", "label-column", "metric"] as const) {
    if (values[f] !== undefined) {
      throw new Error(`--${f}: not used by predict (it reads texts only)`);
    }
  }
  // --data here only supplies texts; the task (if any) is the explicit --task.
  const task = taskFlagsFrom({ ...values, data: "-" });
  const batch = values.batch === undefined ? 32 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1024) {
    throw new Error(
      `--batch: expected an integer in [1, 1024], got ${JSON.stringify(values.batch)}`,
    );
  }
  return {
    prompt: values.prompt,
    texts: values.text ?? [],
    file: values.file,
    backend: oneOf("backend", values.backend, "2pc", BACKEND_CHOICES),
    cos: oneOf("cos", values.cos, "exact", ["exact", "paper", "iterative"] as const),
    trunc: oneOf("trunc", values.trunc, "exact", ["exact", "local"] as const),
    net: oneOf("net", values.net, "none", ["none", "lan", "wan", "wan200"] as const),
    partiesIn: partiesInFlag(values["parties-in"], values.net ?? "none"),
    batch,
    json: values.json ?? false,
    ...(values.task === undefined ? {} : { task: task.task }),
    ...(values.data === undefined ? {} : { data: values.data }),
    ...(task.format === undefined ? {} : { format: task.format }),
    ...(task.textColumn === undefined ? {} : { textColumn: task.textColumn }),
    ...(task.labels === undefined ? {} : { labels: task.labels }),
    ...(task.template === undefined ? {} : { template: task.template }),
  };
}

/**
 * The class names, label texts and template predict uses: the prompt file's, overridden by
 * --task (its labels' sentences and template), then --labels and --template. The classes must be
 * the prompt's, in the same order.
 */
export async function predictReadout(
  flags: PredictFlags,
  pf: Pick<PromptFile, "classNames" | "labelTexts" | "template" | "model">,
): Promise<{ labelTexts: string[]; template?: string }> {
  // A prompt tuned on a HF masked LM reads its classes from label words and a {mask} template.
  const readout = (pf.model ?? "use-lite") === "use-lite" ? "sentence" : "mlm";
  let labelTexts = [...pf.labelTexts];
  let template = pf.template;
  const sameClasses = (names: string[], where: string) => {
    if (names.join("\u0000") !== pf.classNames.join("\u0000")) {
      throw new Error(
        `${where}: classes ${names.join(", ")} differ from the prompt's ${
          pf.classNames.join(", ")
        }`,
      );
    }
  };
  if (flags.task !== undefined) {
    const t = (await loadTaskWith(flags.task, {}, { readout })).task;
    sameClasses(t.classNames, `--task ${flags.task}`);
    labelTexts = t.labelTexts;
    template = t.templateText;
  }
  if (flags.labels !== undefined) {
    const pairs = new Map(parseLabelsFlag(flags.labels));
    sameClasses([...pairs.keys()].sort(), "--labels");
    labelTexts = pf.classNames.map((c) => pairs.get(c)!);
  }
  if (flags.template !== undefined) {
    checkTemplate(flags.template, readout, "--template");
    template = flags.template;
  }
  return { labelTexts, ...(template === undefined ? {} : { template }) };
}

/** One classified text. */
export interface Prediction {
  text: string;
  label: string;
  /** Softmax of the opened logits, per class name. */
  probabilities: Record<string, number>;
}

async function readTexts(flags: PredictFlags): Promise<string[]> {
  const texts = [...flags.texts];
  if (flags.file) {
    let body: string;
    try {
      body = flags.file === "-"
        ? await new Response(Deno.stdin.readable).text()
        : await Deno.readTextFile(flags.file);
    } catch (e) {
      throw new Error(`--file ${flags.file}: cannot read (${e instanceof Error ? e.message : e})`);
    }
    texts.push(...body.split("\n").map((l) => l.trim()).filter((l) => l.length > 0));
  }
  if (flags.data) {
    const f = await readLabelledFile(flags.data, {
      format: flags.format,
      textColumn: flags.textColumn,
      labelColumn: null,
    });
    texts.push(...f.rows.map((r) => r.text));
  }
  if (texts.length === 0) throw new Error(`--file ${flags.file}: no texts (empty lines only)`);
  return texts;
}

/** Classifies the texts of `flags`; returns the predictions and the summed oracle cost. */
export async function runPredict(
  flags: PredictFlags,
): Promise<{ predictions: Prediction[]; cost: OracleCost; wallMs: number }> {
  const pf = await readPromptFile(flags.prompt);
  const readout = await predictReadout(flags, pf);
  const texts = await readTexts(flags);
  const t0 = performance.now();
  const opened = await openFlagsOracle(
    {
      backend: flags.backend,
      model: pf.model ?? "use-lite",
      attention: pf.attention,
      features: pf.features,
      cos: flags.cos,
      trunc: flags.trunc,
      net: flags.net,
      partiesIn: flags.partiesIn,
      maxTokens: pf.maxTokens,
      promptLen: pf.promptLen,
      parties: undefined,
    },
  );
  const predictions: Prediction[] = [];
  const cost: OracleCost = {};
  try {
    const { embedDim } = opened.oracle;
    if (pf.embedDim !== embedDim) {
      throw new Error(
        `prompt file ${flags.prompt}: embedDim ${pf.embedDim} does not match the model's ${embedDim}`,
      );
    }
    const widths = opened.oracle.promptWidths;
    if (pf.promptWidths && pf.promptWidths.join(",") !== widths?.join(",")) {
      throw new Error(
        `prompt file ${flags.prompt}: deep prompt widths [${pf.promptWidths}] do not match the ` +
          `model's [${widths ?? embedDim}]`,
      );
    }
    const C = readout.labelTexts.length;
    const input = (t: string) => readout.template ? fillTemplate(readout.template, t) : t;
    for (let s = 0; s < texts.length; s += flags.batch) {
      const part = texts.slice(s, s + flags.batch);
      const handle = await opened.oracle.prepare({
        texts: part.map(input),
        labelTexts: readout.labelTexts,
      });
      const res = await opened.oracle.evaluate([pf.values], handle);
      await opened.oracle.release?.(handle);
      for (const [k, v] of Object.entries(res.cost ?? {})) {
        if (typeof v === "number") cost[k] = (cost[k] ?? 0) + v;
      }
      part.forEach((text, t) => {
        const row = Array.from(res.logits.subarray(t * C, (t + 1) * C));
        const m = Math.max(...row);
        const e = row.map((x) => Math.exp(x - m));
        const z = e.reduce((a, b) => a + b, 0);
        const best = row.indexOf(m);
        predictions.push({
          text,
          label: pf.classNames[best],
          probabilities: Object.fromEntries(pf.classNames.map((n, c) => [n, e[c] / z])),
        });
      });
    }
  } finally {
    await opened.close();
  }
  return { predictions, cost, wallMs: performance.now() - t0 };
}

if (import.meta.main) {
  try {
    const flags = parsePredictFlags(Deno.args);
    if (flags === "help") console.log(PREDICT_HELP);
    else {
      const { predictions, cost, wallMs } = await runPredict(flags);
      if (flags.json) {
        for (const p of predictions) console.log(JSON.stringify(p));
        console.log(JSON.stringify({ backend: flags.backend, wall_s: wallMs / 1000, ...cost }));
      } else {
        for (const p of predictions) {
          const pr = (p.probabilities[p.label] * 100).toFixed(1);
          const text = printable(p.text);
          const short = text.length > 70 ? text.slice(0, 67) + "..." : text;
          console.log(`${printable(p.label).padEnd(10)} ${pr.padStart(5)}%  ${short}`);
        }
        const mb = ((cost.bytesSent ?? 0) / 1e6).toFixed(1);
        console.log(
          `${predictions.length} texts on ${flags.backend} in ${(wallMs / 1000).toFixed(1)} s` +
            (flags.backend === "reference"
              ? ""
              : `: ${mb} MB sent (busiest party), ${cost.rounds ?? 0} rounds, modelled LAN ${
                ((cost.lanMs ?? 0) / 1000).toFixed(2)
              } s, WAN ${((cost.wanMs ?? 0) / 1000).toFixed(2)} s`),
        );
      }
    }
  } catch (e) {
    console.error(`predict: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
