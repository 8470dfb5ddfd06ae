import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { reviews, toCsv, toJsonl } from "./testdata/own_data.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TUNE = fileURLToPath(new URL("../apps/cli/tune.ts", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

const TASK = {
  format: "secp-tuning/task@1",
  data: "d.csv",
  labels: [{ name: "negative", sentence: "Bad." }, { name: "positive", sentence: "Good." }],
};

/** One bad input: the files it writes, the extra flags, and the one-line message expected. */
interface Case {
  name: string;
  files: Record<string, string | Uint8Array>;
  args: string[];
  message: RegExp;
}

const good = toCsv(reviews(12));
const lines = good.split("\n");

const CASES: Case[] = [
  {
    name: "misspelled text column in the header",
    files: { "d.csv": good.replace("text,label", "txt,label") },
    args: ["--data=d.csv"],
    message:
      /^tune: d\.csv:1: no text column "text" \(columns: "txt", "label"\); did you mean "txt"\? \(set --text-column\)$/,
  },
  {
    name: "misspelled --label-column",
    files: { "d.csv": good },
    args: ["--data=d.csv", "--label-column=lable"],
    message:
      /^tune: d\.csv:1: no label column "lable" .*did you mean "label"\? \(set --label-column\)$/,
  },
  {
    name: "missing key in a JSON Lines row",
    files: {
      "d.jsonl": toJsonl(reviews(3)) + JSON.stringify({ txt: "x", label: "positive" }) + "\n",
    },
    args: ["--data=d.jsonl"],
    message: /^tune: d\.jsonl:7: no text column "text" \(columns: "txt", "label"\)/,
  },
  {
    name: "empty text (line counted after a quoted newline)",
    files: {
      "d.csv": [lines[0], '"two\nlines",positive', '"",negative', ...lines.slice(1)].join("\n"),
    },
    args: ["--data=d.csv"],
    message: /^tune: d\.csv:4: empty text in column "text"$/,
  },
  {
    name: "a label absent from the task's label set",
    files: { "t.json": JSON.stringify(TASK), "d.csv": good + '"So-so, I guess.",neutral\n' },
    args: ["--task=t.json"],
    message:
      /^tune: d\.csv:26: label "neutral" in column "label" is not in the task's label set \("negative", "positive", from task file t\.json\)$/,
  },
  {
    name: "a label absent from --labels",
    files: { "d.csv": good + '"So-so.",neutral\n' },
    args: ["--data=d.csv", "--labels=negative=Bad.,positive=Good."],
    message: /^tune: d\.csv:26: label "neutral" .* from --labels\)$/,
  },
  {
    name: "fewer examples of a class than --shots",
    files: { "d.csv": good },
    args: ["--data=d.csv", "--shots=50"],
    message:
      /^tune: --shots 50: class "negative" has \d+ distinct examples in d\.csv outside the held-out test half, but 100 are needed \(50 train \+ 50 dev\)$/,
  },
  {
    name: "invalid UTF-8",
    files: {
      "d.csv": new Uint8Array([
        ...enc(lines.slice(0, 2).join("\n") + '\n"caf'),
        0xe9,
        ...enc('",positive\n'),
      ]),
    },
    args: ["--data=d.csv"],
    message: /^tune: d\.csv:3:5: invalid UTF-8 \(byte 0xe9\); save the file as UTF-8$/,
  },
  {
    name: "a broken CSV quote (never closed, a later quote follows)",
    files: { "d.csv": lines.slice(0, 4).join("\n") + '\n"no closing quote,positive\n' + lines[5] },
    args: ["--data=d.csv"],
    message:
      /^tune: d\.csv:5: broken CSV quote: the quoted field opened in this record runs on to line 6/,
  },
  {
    name: "a broken CSV quote (open at the end of the file)",
    files: { "d.csv": lines.slice(0, 4).join("\n") + '\n"no closing quote,positive\nmore text\n' },
    args: ["--data=d.csv"],
    message:
      /^tune: d\.csv:5: broken CSV quote: a quoted field opened in the record starting here is never closed$/,
  },
  {
    name: "a broken CSV quote (text after the closing quote)",
    files: { "d.csv": lines.slice(0, 3).join("\n") + '\n"said "hi" there",positive\n' },
    args: ["--data=d.csv"],
    message: /^tune: d\.csv:4: broken CSV quote: text after a closing quote/,
  },
  {
    name: "an empty file",
    files: { "d.csv": "" },
    args: ["--data=d.csv"],
    message: /^tune: d\.csv: empty file$/,
  },
  {
    name: "a header and no rows",
    files: { "d.tsv": "text\tlabel\n" },
    args: ["--data=d.tsv"],
    message: /^tune: d\.tsv: empty file \(a header, no rows\)$/,
  },
  {
    name: "a missing data file named by a task file",
    files: { "t.json": JSON.stringify({ ...TASK, data: "nope.csv" }) },
    args: ["--task=t.json"],
    message: /^tune: nope\.csv: cannot read \(no such file\)$/,
  },
  {
    name: "{mask} in the template of a sentence encoder",
    files: { "d.csv": good },
    args: ["--data=d.csv", "--template={text} It was {mask}."],
    message: /^tune: --template: \{mask\} needs a masked LM/,
  },
  {
    name: "a template without {text}",
    files: { "t.json": JSON.stringify({ ...TASK, template: "It was good." }), "d.csv": good },
    args: ["--task=t.json"],
    message:
      /^tune: task file t\.json: "template": the template must contain \{text\} exactly once$/,
  },
  {
    name: "a metric of an unknown class",
    files: { "d.csv": good },
    args: ["--data=d.csv", "--metric=f1:neutral"],
    message:
      /^tune: --metric: class "neutral" is not in the task's label set \("negative", "positive"\)$/,
  },
  {
    name: "--labels without a readout for a label",
    files: { "t.json": JSON.stringify(TASK), "d.csv": good },
    args: ["--task=t.json", "--labels=negative=Bad."],
    message: /^tune: --labels: need at least two labels, got 1$/,
  },
  {
    name: "an unknown field in a task file",
    files: { "t.json": JSON.stringify({ ...TASK, metrc: "accuracy" }), "d.csv": good },
    args: ["--task=t.json"],
    message: /^tune: task file t\.json: unknown field "metrc"$/,
  },
  {
    name: "an unknown data format",
    files: { "d.txt": good },
    args: ["--data=d.txt"],
    message: /^tune: d\.txt: unknown data format .* set --format csv\|tsv\|jsonl$/,
  },
  {
    name: "a bad JSON line",
    files: { "d.jsonl": toJsonl(reviews(2)) + "{not json\n" },
    args: ["--data=d.jsonl"],
    message: /^tune: d\.jsonl:5: not valid JSON/,
  },
];

Deno.test("own data errors: every bad input is one line naming file/line/column or flag, exit 1, nothing in --out", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, async () => {
      const dir = await Deno.makeTempDir();
      try {
        for (const [name, body] of Object.entries(c.files)) {
          if (typeof body === "string") await Deno.writeTextFile(`${dir}/${name}`, body);
          else await Deno.writeFile(`${dir}/${name}`, body);
        }
        const out = `${dir}/out`;
        const res = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--frozen",
            `--config=${ROOT}deno.json`,
            TUNE,
            ...c.args,
            "--backend=reference",
            "--seed=errors-test",
            `--out=${out}`,
          ],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(res.stderr).trimEnd();
        assert.notEqual(res.code, 0, `exit code for ${c.name}`);
        assert.equal(stderr.split("\n").length, 1, `one line: ${stderr}`);
        assert.match(stderr, c.message);
        assert.ok(!existsSync(out), `--out was created for ${c.name}`);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});
