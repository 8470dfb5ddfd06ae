import assert from "node:assert/strict";
import { emailToText } from "../data/email.ts";
import { fewShotSplit, isTestText } from "../splits.ts";
import { isTaskName, loadTask, TASK_NAMES } from "../tasks.ts";
import { applyTemplate } from "../types.ts";

Deno.test("tasks: UCI sentiment tasks load 1000 balanced sentences each", async () => {
  for (const name of ["imdb", "yelp", "amazon"]) {
    const task = await loadTask(name);
    assert.equal(task.examples.length, 1000);
    assert.equal(task.examples.filter((e) => e.label === 1).length, 500);
    assert.ok(task.examples.every((e) => e.text.length > 0 && e.text === e.text.trim()));
    assert.deepEqual(task.classNames, ["negative", "positive"]);
    assert.equal(task.labelTexts.length, 2);
    assert.equal(task.metric, "accuracy");
  }
  const imdb = await loadTask("imdb");
  assert.equal(
    imdb.examples[0].text,
    "A very, very, very slow-moving, aimless movie about a distressed, drifting young man.",
  );
  assert.equal(imdb.examples[0].label, 0);
});

Deno.test("tasks: unknown names are rejected with the list of known tasks", async () => {
  await assert.rejects(() => loadTask("sst2"), (err: Error) => {
    assert.match(err.message, /unknown task "sst2"/);
    for (const n of TASK_NAMES) assert.ok(err.message.includes(n));
    return true;
  });
  assert.ok(isTaskName("spam"));
  assert.ok(!isTaskName("agnews"));
});

Deno.test("splits: fixed test half, seeded disjoint k-shot train/dev", async () => {
  const task = await loadTask("yelp");
  const a = fewShotSplit(task, { shots: 16, seed: 1 });
  const b = fewShotSplit(task, { shots: 16, seed: 2 });
  const c = fewShotSplit(task, { shots: 16, seed: 1 });
  assert.deepEqual(a.test, b.test, "test split must not depend on the seed");
  assert.deepEqual(a, c, "same seed, same split");
  assert.notDeepEqual(a.train, b.train);
  assert.ok(a.test.length > 400 && a.test.length < 600, `test size ${a.test.length}`);
  for (const s of [a, b]) {
    assert.equal(s.train.length, 32);
    assert.equal(s.dev.length, 32);
    for (const lab of [0, 1]) {
      assert.equal(s.train.filter((e) => e.label === lab).length, 16);
      assert.equal(s.dev.filter((e) => e.label === lab).length, 16);
    }
    const test = new Set(s.test.map((e) => e.text));
    const train = new Set(s.train.map((e) => e.text));
    assert.ok(s.train.every((e) => !test.has(e.text) && !isTestText(e.text)));
    assert.ok(s.dev.every((e) => !test.has(e.text) && !train.has(e.text)));
    assert.ok(s.test.every((e) => isTestText(e.text)));
  }
  const dev8 = fewShotSplit(task, { shots: 4, devShots: 8, seed: 1 });
  assert.equal(dev8.train.length, 8);
  assert.equal(dev8.dev.length, 16);
});

Deno.test("splits: too many shots give a clear error", async () => {
  const task = await loadTask("amazon");
  assert.throws(
    () => fewShotSplit(task, { shots: 200, seed: 1 }),
    /class 'negative' has \d+ non-test examples, but 200 train \+ 200 dev shots/,
  );
  assert.throws(() => fewShotSplit(task, { shots: 0, seed: 1 }), RangeError);
});

Deno.test("tasks: spam loads SpamAssassin as short ham/spam texts with the F1 metric", async () => {
  const task = await loadTask("spam");
  assert.equal(task.metric, "f1");
  assert.equal(task.positiveClass, 1);
  const spam = task.examples.filter((e) => e.label === 1).length;
  const ham = task.examples.length - spam;
  assert.ok(task.examples.length > 6000 && task.examples.length <= 6046);
  assert.ok(ham > 4100 && ham <= 4150 && spam > 1850 && spam <= 1896, `${ham} ham / ${spam} spam`);
  assert.ok(task.examples.every((e) => e.text.split(" ").length <= 64));
  assert.ok(task.examples.every((e) => !/^(Received|Return-Path|Delivered-To):/m.test(e.text)));
  const split = fewShotSplit(task, { shots: 16, seed: 3 });
  assert.equal(split.train.filter((e) => e.label === 1).length, 16);
  assert.ok(split.test.length > 2500);
  // Regression: the corpus lists all ham first, so a corpus-order prefix held no spam at all.
  const share = (xs: { label: number }[]) => xs.filter((e) => e.label === 1).length / xs.length;
  for (const n of [64, 300]) {
    const prefix = split.test.slice(0, n);
    assert.ok(
      Math.abs(share(prefix) - share(split.test)) < 0.1,
      `first ${n} test texts: spam share ${share(prefix)} vs ${share(split.test)} overall`,
    );
  }
  const short = await loadTask("spam", { maxWords: 8 });
  assert.ok(short.examples.every((e) => e.text.split(" ").length <= 8));
});

Deno.test("email: headers stripped, subject kept, MIME/QP/base64/HTML decoded", () => {
  const plain =
    "From: a@b\nReceived: x\n  continued\nSubject: Hello\n there\n\nBody  text\nline two";
  assert.equal(emailToText(plain), "Hello there. Body text line two");
  assert.equal(emailToText(plain, 3), "Hello there. Body");
  const qp = "Subject: =?utf-8?Q?Caf=C3=A9?=\nContent-Transfer-Encoding: quoted-printable\n\n" +
    "soft=\nbreak =3D ok";
  assert.equal(emailToText(qp), "Café. softbreak = ok");
  const multi = [
    "Subject: =?iso-8859-1?B?SGk=?=",
    'Content-Type: multipart/alternative; boundary="XX"',
    "",
    "preamble",
    "--XX",
    "Content-Type: text/html",
    "",
    "<html><head><style>p{}</style></head><body><p>Buy&nbsp;<b>now</b> &amp; save</p></body></html>",
    "--XX",
    "Content-Type: text/plain",
    "Content-Transfer-Encoding: base64",
    "",
    btoa("plain words here"),
    "--XX--",
  ].join("\n");
  assert.equal(emailToText(multi), "Hi. plain words here");
  const htmlOnly = multi.replace("Content-Type: text/plain", "Content-Type: image/png");
  assert.equal(emailToText(htmlOnly), "Hi. Buy now & save");
});

Deno.test("types: applyTemplate uses the task template when present", () => {
  const spec = {
    name: "t",
    classNames: ["a", "b"],
    labelTexts: ["A", "B"],
    metric: "accuracy" as const,
  };
  assert.equal(applyTemplate(spec, "x"), "x");
  assert.equal(applyTemplate({ ...spec, template: (s) => `Review: ${s}` }, "x"), "Review: x");
});
