import assert from "node:assert/strict";
import { readmeSection, ROOT, shellWords } from "./testdata/readme.ts";
import { fileURLToPath } from "node:url";

const TUNE = fileURLToPath(new URL("../apps/cli/tune.ts", import.meta.url));

Deno.test("README: 'Tune on your own data' runs as written (its CSV, its task file, its commands)", async () => {
  const text = await readmeSection("Tune on your own data");
  const dir = await Deno.makeTempDir();
  try {
    const files = [...text.matchAll(/```(?:csv|json) (\S+)\n([\s\S]*?)```/g)];
    assert.deepEqual(files.map((m) => m[1]), ["reviews.csv", "reviews.task.json"]);
    for (const [, name, body] of files) await Deno.writeTextFile(`${dir}/${name}`, body);
    const commands = text.split("\n").filter((l) => l.startsWith("./denow task tune "));
    assert.equal(commands.length, 2);
    const reports = [];
    for (const c of commands) {
      const args = shellWords(c).slice(3);
      const res = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--frozen",
          "--v8-flags=--no-maglev",
          `--config=${ROOT}deno.json`,
          TUNE,
          ...args,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      // Progress (the labels line) goes to stderr, the result to stdout.
      const out = new TextDecoder().decode(res.stdout);
      const progress = new TextDecoder().decode(res.stderr);
      assert.equal(res.code, 0, `${c}\n${progress}`);
      assert.match(
        progress,
        /labels \(id name: readout, examples\): 0 negative: "This is a bad review\.", 8; 1 positive/,
      );
      assert.match(out, /^test F1 on 4 texts: untuned [\d.]+ \[[\d.]+, [\d.]+\] -> tuned /m);
      const outDir = args[args.indexOf("--out") + 1];
      reports.push(JSON.parse(await Deno.readTextFile(`${dir}/${outDir}/report.json`)));
    }
    // The task file and the flags describe the same task: the same run, number for number.
    const [file, flags] = reports;
    assert.equal(file.summary.task, "reviews");
    assert.deepEqual(file.test_logits, flags.test_logits);
    assert.equal(file.summary.tuned_test_metric, flags.summary.tuned_test_metric);
    assert.deepEqual(file.summary.labels, flags.summary.labels);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
