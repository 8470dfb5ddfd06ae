import assert from "node:assert/strict";
import { join } from "node:path";
import { parseCompareArgs, runCompare } from "../apps/cli/compare.ts";
import { parseTuneFlags, type TuneFlags } from "../apps/cli/flags.ts";
import { parsePredictFlags, type PredictFlags, runPredict } from "../apps/cli/predict.ts";
import { runTune } from "../apps/cli/tune.ts";
import { headlines, reviews, toCsv, toJsonl } from "./testdata/own_data.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

type Report = {
  summary: Record<string, any>;
  task: Record<string, any>;
  history: { cost?: Record<string, number> }[];
  test_logits: { untuned: number[] };
};

/** Every file under `dir`, as text. */
async function allFiles(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await allFiles(p));
    else out.push([p, await Deno.readTextFile(p)]);
  }
  return out;
}

/** The run's files hold no text of the data (raw or JSON-escaped). */
async function assertNoTexts(out: string, texts: string[]) {
  const files = await allFiles(out);
  assert.ok(files.some(([p]) => p.endsWith("report.json")));
  for (const [p, body] of files) {
    for (const t of texts) {
      const esc = JSON.stringify(t).slice(1, -1);
      assert.ok(
        !body.includes(t) && !body.includes(esc),
        `${p} copies the text ${JSON.stringify(t)}`,
      );
    }
  }
}

async function tuneWith(args: string[], backend: string, out: string): Promise<Report> {
  // Fixed seed: tests only.
  const flags = parseTuneFlags([
    ...tinyJobArgs({ seed: "own-data", budget: 1, evalEvery: 1 }),
    `--backend=${backend}`,
    ...args,
    `--out=${out}`,
  ]) as TuneFlags;
  await runTune(flags, () => {});
  return JSON.parse(await Deno.readTextFile(`${out}/report.json`));
}

for (const backend of ["reference", "2pc"] as const) {
  Deno.test(`own data: a task file over a CSV with a JSONL test file tunes on ${backend}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const rows = reviews(12);
      // A multi-line text (quoted newline) and a BOM: csv-parse's job.
      rows[3] = { ...rows[3], text: "Line one of the review,\nand a second line: great." };
      const test = reviews(16).slice(24);
      await Deno.mkdir(`${dir}/task`);
      await Deno.writeTextFile(`${dir}/task/reviews.csv`, toCsv(rows, true));
      await Deno.writeTextFile(`${dir}/task/reviews-test.jsonl`, toJsonl(test));
      await Deno.writeTextFile(
        `${dir}/task/reviews.task.json`,
        JSON.stringify({
          format: "secp-tuning/task@1",
          name: "my-reviews",
          data: "reviews.csv",
          test: "reviews-test.jsonl",
          labels: [
            { name: "positive", sentence: "A good review.", words: ["great"] },
            { name: "negative", sentence: "A bad review.", words: ["terrible"] },
          ],
          template: "Review: {text}",
          metric: "f1:positive",
        }),
      );
      const r = await tuneWith([`--task=${dir}/task/reviews.task.json`], backend, `${dir}/out`);
      assert.equal(r.summary.task, "my-reviews");
      assert.equal(r.summary.metric, "f1");
      // Class ids: sorted label names, whatever the task file's order.
      assert.deepEqual(r.summary.labels.map((l: any) => [l.id, l.name, l.readout, l.examples]), [
        [0, "negative", "A bad review.", 12],
        [1, "positive", "A good review.", 12],
      ]);
      assert.deepEqual(r.summary.labels.map((l: any) => l.testExamples), [4, 4]);
      assert.equal(r.task.test.format, "jsonl");
      assert.equal(r.task.data.format, "csv");
      assert.equal(r.task.data.rows, 24);
      assert.equal(r.task.positiveClass, "positive");
      assert.equal(r.task.template, "Review: {text}");
      assert.equal(r.task.clipping.texts, 2 + 2 + 2, "1 shot x 2 classes train + dev, 2 test");
      assert.equal(typeof r.summary.texts_clipped, "number");
      assert.equal(r.test_logits.untuned.length, 2 * 2);
      if (backend === "2pc") {
        assert.ok(r.history[0].cost!.bytesSent > 0);
        // Under MPC the data owner receives nothing but the opened logits.
        const got = (r as any).received_by_data_owner.map((e: { path: string }) => e.path);
        assert.ok(got.length > 0);
        for (const p of got) assert.match(p, /^evaluate\/reveal\/open$/);
      }
      const prompt = JSON.parse(await Deno.readTextFile(`${dir}/out/prompt.json`));
      assert.equal(prompt.template, "Review: {text}");
      assert.deepEqual(prompt.classNames, ["negative", "positive"]);
      await assertNoTexts(`${dir}/out`, [...rows, ...test].map((e) => e.text));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`own data: JSON Lines with flags only (columns, --labels, --metric) tunes on ${backend}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const rows = reviews(12);
      await Deno.writeTextFile(`${dir}/mine.jsonl`, toJsonl(rows, "review", "sentiment"));
      const r = await tuneWith(
        [
          `--data=${dir}/mine.jsonl`,
          "--text-column=review",
          "--label-column=sentiment",
          // A comma inside a readout is kept: "sadly." has no "=".
          "--labels=negative=A bad review, sadly.,positive=A good review.",
          "--metric=f1:negative",
          "--template={text} That is my view.",
        ],
        backend,
        `${dir}/out`,
      );
      assert.equal(r.summary.task, "mine");
      assert.deepEqual(r.summary.labels.map((l: any) => l.readout), [
        "A bad review, sadly.",
        "A good review.",
      ]);
      assert.equal(r.task.positiveClass, "negative");
      assert.equal(r.task.readout.source, "--labels");
      assert.equal(r.task.test, undefined, "held-out half of --data");
      assert.ok(
        r.summary.untuned_test_metric >= 0 && r.summary.untuned_test_metric <= 1,
      );
      await assertNoTexts(`${dir}/out`, rows.map((e) => e.text));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("own data: a 4-class task file (macro-F1) tunes on 2pc; the secure oracle returns 4 logits per text", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = headlines(8);
    await Deno.writeTextFile(
      `${dir}/news.tsv`,
      "text\ttopic\n" + rows.map((r) => `${r.text}\t${r.label}\n`).join(""),
    );
    await Deno.writeTextFile(
      `${dir}/news.json`,
      JSON.stringify({
        format: "secp-tuning/task@1",
        data: "news.tsv",
        labelColumn: "topic",
        labels: [
          { name: "world", sentence: "World news." },
          { name: "sports", sentence: "Sports news." },
          { name: "business", sentence: "Business news." },
          { name: "science", sentence: "Science and technology news." },
        ],
        metric: "macro-f1",
      }),
    );
    const r = await tuneWith([`--task=${dir}/news.json`, "--test-size=4"], "2pc", `${dir}/out`);
    assert.equal(r.summary.task, "news");
    assert.equal(r.summary.metric, "macro-f1");
    assert.deepEqual(r.summary.labels.map((l: any) => l.name), [
      "business",
      "science",
      "sports",
      "world",
    ]);
    assert.equal(r.test_logits.untuned.length, 4 * 4);
    assert.ok(r.history[0].cost!.bytesSent > 0);
    assert.ok(r.summary.tuned_test_metric >= 0 && r.summary.tuned_test_metric <= 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("own data: predict and compare take the task flags (--data, --labels, --template, --task)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = reviews(12);
    await Deno.writeTextFile(`${dir}/r.csv`, toCsv(rows));
    await Deno.writeTextFile(`${dir}/new.jsonl`, toJsonl(reviews(2), "body", "ignored"));
    const cmp = parseCompareArgs([
      ...tinyJobArgs({ seed: "own-data", budget: 1, evalEvery: 1 }),
      `--data=${dir}/r.csv`,
      "--template=Review: {text}",
      "--backends=reference",
      `--out=${dir}/cmp`,
    ]);
    assert.ok(cmp !== "help");
    const [row] = await runCompare(cmp.backends, cmp.flags, () => {});
    assert.equal(row.backend, "reference");
    const prompt = `${dir}/cmp/reference/prompt.json`;
    const base = [
      "--backend=reference",
      `--prompt=${prompt}`,
      `--data=${dir}/new.jsonl`,
      "--text-column=body",
    ];
    const a = await runPredict(parsePredictFlags(base) as PredictFlags);
    assert.equal(a.predictions.length, 4);
    assert.deepEqual(a.predictions.map((p) => p.text), reviews(2).map((r) => r.text));
    for (const p of a.predictions) assert.ok(["negative", "positive"].includes(p.label));
    // Other readouts change the logits; the classes must stay the prompt's.
    const b = await runPredict(
      parsePredictFlags([...base, "--labels=positive=Wonderful!,negative=Awful!"]) as PredictFlags,
    );
    assert.notDeepEqual(
      a.predictions.map((p) => p.probabilities.positive),
      b.predictions.map((p) => p.probabilities.positive),
    );
    await assert.rejects(
      runPredict(parsePredictFlags([...base, "--labels=good=x,bad=y"]) as PredictFlags),
      /^Error: --labels: classes bad, good differ from the prompt's negative, positive$/,
    );
    await assert.rejects(
      runPredict(parsePredictFlags([...base, "--task=spam"]) as PredictFlags),
      /--task spam: classes ham, spam differ from the prompt's negative, positive/,
    );
    assert.throws(
      () => parsePredictFlags([...base, "--metric=accuracy"]),
      /--metric: not used by predict/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
