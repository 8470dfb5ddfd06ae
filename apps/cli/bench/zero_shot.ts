/**
 * Measurements of the plaintext USE-lite reference (prints a markdown report and a JSON line):
 *
 * - zero-shot sentiment accuracy: cosine to "This is positive. It is good and great." vs
 *   "This is negative. It is bad and terrible." on the sentiment fixtures (all 1000 rows per set);
 * - forward time per sentence and per token, tokenizer time per sentence;
 * - attention variants on the first `--variant-rows` imdb rows: mean/min embedding cosine to the
 *   softmax model, zero-shot accuracy on those rows, and RFA denominator-guard counts.
 *
 * Usage (from the repo root):
 *   deno run -A --frozen apps/cli/bench/zero_shot.ts [--sets imdb,yelp,amazon]
 *     [--variant-rows 100] [--calibration-rows 300] [--features 64,256] [--seed 0]
 *
 * @module
 */
import {
  type AttentionVariant,
  calibrateTemperatures,
  cosine,
  embed,
  forward,
  type ForwardOptions,
  loadUseLite,
  makeRfaFeatures,
} from "@secp/transformer";
import { parseArgs } from "node:util";
import { type Example, loadUciSentiment, type SentimentDomain } from "@secp/fot";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    sets: { type: "string", default: "imdb" },
    "variant-rows": { type: "string", default: "100" },
    "calibration-rows": { type: "string", default: "300" },
    features: { type: "string", default: "64,256" },
    seed: { type: "string", default: "0" },
  },
});

const POSITIVE = "This is positive. It is good and great.";
const NEGATIVE = "This is negative. It is bad and terrible.";

const { weights, tokenizer } = await loadUseLite();
const report: Record<string, unknown> = {};
const lines: string[] = [];

function zeroShot(
  rows: readonly Example[],
  embeddings: Float64Array[],
  options: ForwardOptions = {},
): number {
  const [pos, neg] = embed(
    weights,
    [tokenizer.encode(POSITIVE), tokenizer.encode(NEGATIVE)],
    options,
  );
  let correct = 0;
  rows.forEach((r, i) => {
    const guess = cosine(embeddings[i], pos) > cosine(embeddings[i], neg) ? 1 : 0;
    if (guess === r.label) correct++;
  });
  return correct / rows.length;
}

// 1. Zero-shot accuracy and speed.
lines.push(
  "| set | rows | zero-shot acc | tokens/sentence | ms/sentence | ms/token | tokenizer ms/sentence |",
);
lines.push("|---|---|---|---|---|---|---|");
const imdb = await loadUciSentiment("imdb");
for (const set of args.sets.split(",") as SentimentDomain[]) {
  const rows = set === "imdb" ? imdb : await loadUciSentiment(set);
  let t = performance.now();
  const ids = rows.map((r) => tokenizer.encode(r.text));
  const tokMs = (performance.now() - t) / rows.length;
  embed(weights, ids.slice(0, 32)); // warm-up (JIT)
  t = performance.now();
  const emb = embed(weights, ids);
  const ms = performance.now() - t;
  const tokens = ids.reduce((s, x) => s + Math.min(x.length, 128), 0);
  const acc = zeroShot(rows, emb);
  report[set] = {
    rows: rows.length,
    acc,
    msPerSentence: ms / rows.length,
    msPerToken: ms / tokens,
    tokMs,
  };
  lines.push(
    `| ${set} | ${rows.length} | ${acc.toFixed(3)} | ${(tokens / rows.length).toFixed(1)} | ${
      (ms / rows.length).toFixed(1)
    } | ${(ms / tokens).toFixed(2)} | ${tokMs.toFixed(2)} |`,
  );
}

// 2. Attention variants.
const nVar = Number(args["variant-rows"]);
const nCal = Number(args["calibration-rows"]);
const varRows = imdb.slice(0, nVar);
const varIds = varRows.map((r) => tokenizer.encode(r.text));
const calIds = imdb.slice(0, nCal).map((r) => tokenizer.encode(r.text));
const tau = calibrateTemperatures(weights, calIds);
report.tau = tau;
lines.push("");
lines.push(
  `τ = median|q'|·median|k'| on ${nCal} imdb rows: ` +
    tau.map((t, l) => `layer ${l} [${t.map((x) => x.toFixed(2)).join(", ")}]`).join("; "),
);
lines.push("");
lines.push(
  `Variants on the first ${nVar} imdb rows (label prompts embedded with the same variant):`,
);
lines.push("");
lines.push(
  "| variant | mean cos to softmax | min cos | zero-shot acc | RFA rows guarded (≤ 0) | ms/sentence |",
);
lines.push("|---|---|---|---|---|---|");
const base = forward(weights, varIds).embeddings;
const seed = args.seed;
const variants: [string, AttentionVariant][] = [
  ["softmax (original)", { kind: "softmax" }],
  ["normalised, τ calibrated", { kind: "normalised", tau }],
  ["normalised, τ = 2", { kind: "normalised", tau: 2 }],
];
for (const D of args.features.split(",").map(Number)) {
  const features = makeRfaFeatures(weights.config, { numFeatures: D, seed });
  variants.push([`rfa trig D=${D}, normalised input, τ calibrated`, {
    kind: "rfa",
    features,
    tau,
  }]);
  variants.push([`rfa trig D=${D}, normalised input, τ = 2`, { kind: "rfa", features, tau: 2 }]);
  variants.push([`rfa trig D=${D}, raw input √scale·q`, { kind: "rfa", features, input: "raw" }]);
}
const variantReport: Record<string, unknown>[] = [];
for (const [name, attention] of variants) {
  const t = performance.now();
  const res = forward(weights, varIds, { attention });
  const ms = (performance.now() - t) / varIds.length;
  const cos = res.embeddings.map((e, i) => cosine(e, base[i]));
  const mean = cos.reduce((s, x) => s + x, 0) / cos.length;
  const min = Math.min(...cos);
  const acc = zeroShot(varRows, res.embeddings, { attention });
  const s = res.stats;
  const guard = s.denominators
    ? `${(100 * s.guardFired / s.denominators).toFixed(1)} % (${
      (100 * s.nonPositive / s.denominators).toFixed(1)
    } %)`
    : "–";
  variantReport.push({ name, meanCos: mean, minCos: min, acc, stats: s, msPerSentence: ms });
  lines.push(
    `| ${name} | ${mean.toFixed(3)} | ${min.toFixed(3)} | ${acc.toFixed(3)} | ${guard} | ${
      ms.toFixed(1)
    } |`,
  );
}
report.variants = variantReport;

console.log(lines.join("\n"));
console.log("\n" + JSON.stringify(report));
