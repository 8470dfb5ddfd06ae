/**
 * Input files and flags are checked before any session is spent on them: every error is one line
 * naming the file (or flag) and what is wrong, and a failed start leaves --out as it was.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { parseTuneFlags, type TuneFlags } from "../apps/cli/flags.ts";
import { printable } from "../apps/cli/printable.ts";
import { PROMPT_FORMAT, readPromptFile } from "../apps/cli/prompt_file.ts";
import { readRunFile } from "../apps/cli/run_file.ts";
import { runTune } from "../apps/cli/tune.ts";
import { loopbackDeployment } from "./testdata/deploy_tiny.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

const JOB = tinyJobArgs({ seed: "validate-test", budget: 1, evalEvery: 1 });

function promptFile(prompt: unknown[]): Record<string, unknown> {
  return {
    format: PROMPT_FORMAT,
    task: "imdb",
    classNames: ["negative", "positive"],
    labelTexts: ["bad", "good"],
    promptLen: 1,
    embedDim: 3,
    attention: "rfa",
    features: 128,
    maxTokens: 24,
    source: { run: "x", bestGeneration: 1, bestDevMetric: 0.5 },
    prompt,
  };
}

Deno.test("prompt file: null, strings and non-finite entries are errors naming the file and index", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/prompt.json`;
    await Deno.writeTextFile(path, JSON.stringify(promptFile([0.1, 0.2, 0.3])));
    assert.deepEqual([...(await readPromptFile(path)).values], [0.1, 0.2, 0.3]);
    for (const [entry, shown] of [[null, "null"], ["0.5", '"0.5"'], [true, "true"]] as const) {
      await Deno.writeTextFile(path, JSON.stringify(promptFile([0.1, entry, 0.3])));
      await assert.rejects(
        readPromptFile(path),
        new RegExp(
          `^Error: prompt file ${path.replaceAll("/", "\\/")}: prompt\\[1\\] is ${
            shown.replace(".", "\\.")
          }, not a finite number$`,
        ),
      );
    }
    // NaN written by JSON.stringify is null: refused the same way
    await Deno.writeTextFile(path, JSON.stringify(promptFile([NaN, 0, 0])));
    await assert.rejects(readPromptFile(path), /prompt\[0\] is null, not a finite number/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run file: corrupt or wrong fields are errors naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.json`;
    const flags = { ...(parseTuneFlags([...JOB, `--out=${dir}`]) as TuneFlags), seed: "s" };
    await Deno.writeTextFile(path, JSON.stringify(flags));
    assert.deepEqual(await readRunFile(path), flags);
    await Deno.writeTextFile(path, '{"backend": "2pc", ');
    await assert.rejects(readRunFile(path), {
      message: `run file ${path}: not valid JSON (corrupt or truncated)`,
    });
    await Deno.writeTextFile(path, JSON.stringify({ ...flags, popsize: null }));
    await assert.rejects(readRunFile(path), {
      message: `run file ${path}: popsize must be a non-negative integer, got null`,
    });
    await Deno.writeTextFile(path, JSON.stringify({ ...flags, backend: "4pc" }));
    await assert.rejects(
      readRunFile(path),
      /^Error: run file .*: backend must be one of reference, plain, 2pc, 3pc, got "4pc"$/,
    );
    await Deno.writeTextFile(path, JSON.stringify({ ...flags, classPrior: "test" }));
    await assert.rejects(
      readRunFile(path),
      /: classPrior must be one of balanced, data, got "test"$/,
    );
    // A run.json written before --projection and --class-prior resumes as those runs ran.
    const { projection: _p, classPrior: _c, ...older } = flags;
    await Deno.writeTextFile(path, JSON.stringify(older));
    assert.deepEqual(await readRunFile(path), {
      ...flags,
      projection: "normal",
      classPrior: "balanced",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tune --resume: a corrupt run.json or checkpoint fails at once, before any session", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const flags = { ...(parseTuneFlags([...JOB, `--out=${dir}`]) as TuneFlags), seed: "s" };
    await Deno.writeTextFile(`${dir}/run.json`, "{");
    const resume = parseTuneFlags(["--resume", `--out=${dir}`]) as TuneFlags;
    await assert.rejects(
      runTune(resume, () => {}),
      new RegExp(`^Error: run file ${dir}/run\\.json: not valid JSON`),
    );
    await Deno.writeTextFile(`${dir}/run.json`, JSON.stringify(flags));
    await Deno.writeTextFile(`${dir}/checkpoint.json`, '{"format": "secp-fot/tune", "gen');
    const t = performance.now();
    await assert.rejects(runTune(resume, () => {}), {
      name: "CheckpointError",
      message: `checkpoint '${dir}/checkpoint.json': is corrupt (not valid JSON)`,
    });
    const ms = performance.now() - t;
    assert.ok(ms < 2000, `found after ${ms} ms (no model loaded, no session started)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tune: a start whose session setup fails leaves --out as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Nobody runs the other parties: the data owner's connect deadline passes.
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify(loopbackDeployment("2pc", { connectTimeoutMs: 300 })),
    );
    const flags = parseTuneFlags([
      ...JOB,
      "--backend=2pc",
      `--parties=${path}`,
      `--out=${dir}/run`,
    ]);
    await assert.rejects(runTune(flags as TuneFlags, () => {}), /party 3: .*within 300 ms/);
    assert.ok(!existsSync(`${dir}/run`), "no run directory, no run.json left behind");
    // A deployment file with a bad key is an error naming the file.
    const bad = loopbackDeployment("2pc");
    (bad.keys as Record<string, string>)["0-1"] = "xyz";
    await Deno.writeTextFile(path, JSON.stringify(bad));
    await assert.rejects(
      runTune(flags as TuneFlags, () => {}),
      new RegExp(
        `^Error: ${path.replaceAll("/", "\\/")}: transport config: key "0-1" must be 64 hex digits`,
      ),
    );
    assert.ok(!existsSync(`${dir}/run`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("flags: a negative value after a space is a one-line error naming the flag", () => {
  const e = (() => {
    try {
      parseTuneFlags(["--budget", "-1"]);
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(e);
  assert.equal(
    e.message,
    '--budget: a value that starts with "-" must be written --budget=VALUE (e.g. --budget=-1)',
  );
  assert.throws(() => parseTuneFlags(["--budget=-1"]), {
    message: '--budget: expected an integer in [1, Infinity], got "-1"',
  });
  assert.throws(() => parseTuneFlags(["--bogus"]), (x: Error) => !x.message.includes("\n"));
});

Deno.test("printable: control and bidi characters from texts are escaped, the rest kept", () => {
  assert.equal(printable("plain text, ünïcödé ✓"), "plain text, ünïcödé ✓");
  assert.equal(printable("a\x1b[2Jb\rc\n\x07"), "a\\x1b[2Jb\\x0dc\\x0a\\x07");
  assert.equal(printable("x\x9by\x7f"), "x\\x9by\\x7f");
  assert.equal(printable("\u202eevil"), "\\u202eevil");
});
