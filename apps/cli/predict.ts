/**
 * `deno task predict`: secure inference with a tuned prompt — the API-style use after tuning. The
 * data owner secret-shares its texts and its prompt; the model runs under MPC on the model owner's
 * shared weights; only each text's class logits are opened, to the data owner.
 */
import { parseArgs } from "./args.ts";
import { printable } from "./printable.ts";
import type { OracleCost } from "@secp/fot";
import { openOracle } from "./oracles/open.ts";
import { readPromptFile } from "./prompt_file.ts";

/** `--help` text. */
export const PREDICT_HELP =
  `deno task predict --prompt FILE [--text T ...] [--file F] [flags]: classify texts with a tuned prompt

  --prompt FILE             prompt.json written by deno task tune (required)
  --text T                  a text to classify (repeatable)
  --file F                  texts, one per line (- for standard input)
  --backend plain|2pc|3pc   backend (default 2pc)
  --cos exact|paper|iterative   cosine protocol when the prompt was tuned with RFA (default exact)
  --trunc exact|local       secure truncation (default exact; local: probabilistic, cheaper)
  --net none|lan|wan|wan200 delay in-process links per a network profile (default none)
  --batch N                 texts per secure pass (default 32)
  --json                    one JSON object per text, then one with the cost
  --help                    this text`;

/** Validated predict flags. */
export interface PredictFlags {
  prompt: string;
  texts: string[];
  file?: string;
  backend: "plain" | "2pc" | "3pc";
  cos: "exact" | "paper" | "iterative";
  trunc: "exact" | "local";
  net: "none" | "lan" | "wan" | "wan200";
  batch: number;
  json: boolean;
}

function oneOf<T extends string>(name: string, v: string | undefined, d: T, ok: readonly T[]): T {
  if (v === undefined) return d;
  if (!(ok as readonly string[]).includes(v)) {
    throw new Error(`--${name}: expected one of ${ok.join(", ")}, got ${JSON.stringify(v)}`);
  }
  return v as T;
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
      batch: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (!values.prompt) throw new Error("--prompt: required (the prompt.json of a tune run)");
  if (!values.text?.length && !values.file) throw new Error("give texts with --text or --file");
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
    backend: oneOf("backend", values.backend, "2pc", ["plain", "2pc", "3pc"] as const),
    cos: oneOf("cos", values.cos, "exact", ["exact", "paper", "iterative"] as const),
    trunc: oneOf("trunc", values.trunc, "exact", ["exact", "local"] as const),
    net: oneOf("net", values.net, "none", ["none", "lan", "wan", "wan200"] as const),
    batch,
    json: values.json ?? false,
  };
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
  if (texts.length === 0) throw new Error(`--file ${flags.file}: no texts (empty lines only)`);
  return texts;
}

/** Classifies the texts of `flags`; returns the predictions and the summed oracle cost. */
export async function runPredict(
  flags: PredictFlags,
): Promise<{ predictions: Prediction[]; cost: OracleCost; wallMs: number }> {
  const pf = await readPromptFile(flags.prompt);
  const texts = await readTexts(flags);
  const t0 = performance.now();
  const opened = await openOracle(
    {
      backend: flags.backend,
      attention: pf.attention,
      features: pf.features,
      cos: flags.cos,
      trunc: flags.trunc,
      net: flags.net,
      maxTokens: pf.maxTokens,
      promptLen: pf.promptLen,
    },
  );
  const predictions: Prediction[] = [];
  const cost: OracleCost = {};
  try {
    const { embedDim } = opened.model.weights.config;
    if (pf.embedDim !== embedDim) {
      throw new Error(
        `prompt file ${flags.prompt}: embedDim ${pf.embedDim} does not match the model's ${embedDim}`,
      );
    }
    const C = pf.labelTexts.length;
    for (let s = 0; s < texts.length; s += flags.batch) {
      const part = texts.slice(s, s + flags.batch);
      const handle = await opened.oracle.prepare({ texts: part, labelTexts: pf.labelTexts });
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
            (flags.backend === "plain"
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
