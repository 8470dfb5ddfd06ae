import assert from "node:assert/strict";
import { DataError, readLabelledFile } from "../data/files.ts";
import { scoreLogits } from "../loss.ts";
import {
  checkTemplate,
  checkVerbalizer,
  fillTemplate,
  parseLabelsFlag,
  sortLabels,
} from "../readout.ts";
import { loadTaskWith, splitTask } from "../task_file.ts";
import { loadTask } from "../tasks.ts";

async function withFiles(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, body] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, body);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const rows = (n: number, labels: string[]) =>
  Array.from(
    { length: n },
    (_, i) => `"text number ${i}, about ${labels[i % labels.length]}",${labels[i % labels.length]}`,
  );

Deno.test("task files: built-in tasks load through the task-file path with their readouts", async () => {
  const spam = await loadTaskWith("spam", {}, { maxWords: 8 });
  assert.equal(spam.report.taskFile, "builtin:spam");
  assert.equal(spam.report.data.source, "builtin:spamassassin");
  assert.deepEqual(spam.task.classNames, ["ham", "spam"]);
  assert.equal(spam.task.metric, "f1");
  assert.equal(spam.task.positiveClass, 1);
  assert.equal(spam.task.labelTexts[1], "This is spam: unsolicited advertising or a scam.");
  const imdb = await loadTask("imdb");
  assert.deepEqual(imdb.labelTexts, ["This is negative.", "This is positive."]);
  assert.deepEqual(imdb.verbalizer, [["terrible"], ["great"]]);
  // The built-in's readouts can be overridden by the same flags as a task file's.
  const over = await loadTaskWith("imdb", {
    labels: "negative=Bad.,positive=Good.",
    metric: "macro-f1",
  });
  assert.deepEqual(over.task.labelTexts, ["Bad.", "Good."]);
  assert.equal(over.task.metric, "macro-f1");
});

Deno.test("task files: class ids are the sorted label names (numeric labels numerically)", () => {
  assert.deepEqual(sortLabels(["b", "a", "b", "C"]), ["C", "a", "b"]);
  assert.deepEqual(sortLabels(["10", "2", "1"]), ["1", "2", "10"]);
});

Deno.test("task files: a masked-LM readout needs one-token verbalizer words and {mask}", async () => {
  await withFiles({
    "d.csv": "text,label\n" + rows(12, ["neg", "pos"]).join("\n"),
    "t.json": JSON.stringify({
      format: "secp-tuning/task@1",
      data: "d.csv",
      labels: [{ name: "neg", words: ["terrible"] }, { name: "pos", words: ["great", "good"] }],
      template: "{text} It was {mask}.",
    }),
  }, async (dir) => {
    const loaded = await loadTaskWith(`${dir}/t.json`, {}, { readout: "mlm" });
    assert.deepEqual(loaded.task.verbalizer, [["terrible"], ["great", "good"]]);
    assert.equal(loaded.task.templateText, "{text} It was {mask}.");
    // The loop fills {text}; the model side fills {mask} with its tokenizer's mask token.
    assert.equal(loaded.task.template?.("A film"), "A film It was {mask}.");
    assert.deepEqual(loaded.task.labelTexts, ["terrible", "great|good"]);
    // A toy word-piece tokenizer: known words are one token, others split into 3-letter pieces.
    const vocab = new Set(["great", "good", "terrible", "bad"]);
    const tok = (w: string) => vocab.has(w) ? [w] : w.match(/.{1,3}/g)!;
    checkVerbalizer(loaded, tok);
    const viaFlag = await loadTaskWith(`${dir}/t.json`, { labels: "neg=terrific,pos=great" }, {
      readout: "mlm",
    });
    assert.throws(
      () => checkVerbalizer(viaFlag, tok),
      (e: Error) =>
        e instanceof DataError &&
        e.message ===
          '--labels: label word "terrific" of class "neg" is split by the tokenizer into 3 tokens ("ter", "rif", "ic"); each verbalizer word must be one token',
    );
    const shared = await loadTaskWith(`${dir}/t.json`, { labels: "neg=good,pos=great|good" }, {
      readout: "mlm",
    });
    assert.throws(
      () => checkVerbalizer(shared, tok),
      /label word "good" serves both "neg" and "pos"/,
    );
    await assert.rejects(
      loadTaskWith(`${dir}/t.json`, { template: "{text} It was great." }, { readout: "mlm" }),
      /^DataError: --template: a masked LM needs \{mask\} exactly once/,
    );
    await assert.rejects(
      loadTaskWith(undefined, { data: `${dir}/d.csv` }, { readout: "mlm" }),
      /--template: a masked LM needs a template with \{text\} and \{mask\}/,
    );
    // The sentence encoder needs label sentences, which this task file does not give.
    await assert.rejects(
      loadTaskWith(`${dir}/t.json`),
      /label "neg" has no "sentence" for the sentence encoder/,
    );
  });
  assert.throws(() => checkTemplate("{text} {mask} {mask}", "mlm", "--template"), /exactly once/);
  assert.throws(
    () => checkTemplate("{txt}", "sentence", "--template"),
    /unknown placeholder \{txt\}/,
  );
  assert.equal(fillTemplate("{text} It was {mask}.", "Fine", "<mask>"), "Fine It was <mask>.");
  assert.equal(fillTemplate("Review: {text}", "Fine"), "Review: Fine");
});

Deno.test("task files: --labels keeps commas inside readouts and rejects bad pairs", () => {
  assert.deepEqual(parseLabelsFlag("a=x, y,b=z"), [["a", "x, y"], ["b", "z"]]);
  assert.throws(() => parseLabelsFlag("x,a=1,b=2"), /--labels: expected label=readout pairs/);
  assert.throws(() => parseLabelsFlag("a=1,a=2"), /label "a" given twice/);
  assert.throws(() => parseLabelsFlag("a=,b=2"), /empty readout for label "a"/);
});

Deno.test("task files: a separate test file, overlap kept out of train, shots error names --shots", async () => {
  const data = "text,label\n" + rows(40, ["x", "y", "z"]).join("\n");
  const test = "text,label\n" + rows(6, ["x", "y", "z"]).join("\n");
  await withFiles({ "d.csv": data, "test.csv": test }, async (dir) => {
    const loaded = await loadTaskWith(undefined, {
      data: `${dir}/d.csv`,
      test: `${dir}/test.csv`,
      metric: "f1:y",
    });
    assert.deepEqual(loaded.task.classNames, ["x", "y", "z"]);
    assert.equal(loaded.task.positiveClass, 1);
    assert.equal(loaded.report.overlapWithTest, 6);
    const split = splitTask(loaded, { shots: 2, seed: 1 });
    assert.equal(split.test.length, 6);
    const testTexts = new Set(split.test.map((e) => e.text));
    assert.ok([...split.train, ...split.dev].every((e) => !testTexts.has(e.text)));
    assert.equal(split.train.length, 6);
    assert.throws(
      () => splitTask(loaded, { shots: 8, seed: 1 }),
      /^DataError: --shots 8: class "x" has 12 distinct examples in .*d\.csv, but 16 are needed \(8 train \+ 8 dev\)$/,
    );
  });
});

Deno.test("files: BOM, quoted newlines, TSV and JSONL numbers; labels-free reading for predict", async () => {
  await withFiles({
    "a.csv": '\uFEFFtext,label\n"two\nlines, one text",1\nplain,0\n',
    "b.tsv": "label\ttext\n1\tone\n0\ttwo\n",
    "c.jsonl": '{"text":"one","label":1}\n\n{"text":"two","label":0}\n',
  }, async (dir) => {
    const a = await readLabelledFile(`${dir}/a.csv`);
    assert.deepEqual(a.rows, [
      { text: "two\nlines, one text", label: "1", line: 2 },
      { text: "plain", label: "0", line: 4 },
    ]);
    const b = await readLabelledFile(`${dir}/b.tsv`);
    assert.deepEqual(b.rows.map((r) => [r.text, r.label]), [["one", "1"], ["two", "0"]]);
    const c = await readLabelledFile(`${dir}/c.jsonl`);
    assert.deepEqual(c.rows.map((r) => [r.text, r.label, r.line]), [["one", "1", 1], [
      "two",
      "0",
      3,
    ]]);
    const textsOnly = await readLabelledFile(`${dir}/b.tsv`, { labelColumn: null });
    assert.equal(textsOnly.rows[0].label, undefined);
  });
});

Deno.test("metrics: macro-F1 and F1 of any class for more than two classes", () => {
  // 3 texts × 3 classes: predictions 0, 2, 2 against labels 0, 1, 2.
  const logits = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 1]);
  const s = scoreLogits(logits, [0, 1, 2], 3, { metric: "macro-f1", positiveClass: 2 });
  // per-class F1: 1, 0, 2/3 → macro 5/9; F1 of class 2 = 2/3.
  assert.ok(Math.abs(s.macroF1 - 5 / 9) < 1e-12);
  assert.ok(Math.abs(s.metric - 5 / 9) < 1e-12);
  assert.ok(Math.abs(s.f1 - 2 / 3) < 1e-12);
  assert.equal(scoreLogits(logits, [0, 1, 2], 3, { metric: "f1", positiveClass: 2 }).metric, s.f1);
});

Deno.test("task files: a column error names the task file's field, or the flag that overrode it", async () => {
  await withFiles({
    "d.csv": "text,label\n" + rows(12, ["neg", "pos"]).join("\n"),
    "t.json": JSON.stringify({ format: "secp-tuning/task@1", data: "d.csv", textColumn: "body" }),
  }, async (dir) => {
    await assert.rejects(
      loadTaskWith(`${dir}/t.json`),
      /d\.csv:1: no text column "body" \(columns: "text", "label"\) \(set "textColumn" in task file .*t\.json\)$/,
    );
    await assert.rejects(
      loadTaskWith(`${dir}/t.json`, { textColumn: "txet" }),
      /no text column "txet" .*; did you mean "text"\? \(set --text-column\)$/,
    );
    const ok = await loadTaskWith(`${dir}/t.json`, { textColumn: "text" });
    assert.equal(ok.report.name, "t");
    assert.equal(ok.task.examples.length, 12);
  });
});
