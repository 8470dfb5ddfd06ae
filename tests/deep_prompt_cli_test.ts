import assert from "node:assert/strict";
import { parseCompareArgs, runCompare } from "../apps/cli/compare.ts";
import { parsePredictFlags, type PredictFlags, runPredict } from "../apps/cli/predict.ts";
import { readPromptFile } from "../apps/cli/prompt_file.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

// The seed is fixed: tests only.
const TINY = tinyJobArgs({ seed: "deep-test", budget: 1, evalEvery: 1 });

Deno.test("compare --deep: reference, 2pc and 3pc run the deep job alike; reports say deep", async () => {
  const out = await Deno.makeTempDir();
  try {
    const parsed = parseCompareArgs([...TINY, "--deep", "--backends=2pc,3pc", `--out=${out}/cmp`]);
    assert.ok(parsed !== "help");
    assert.equal(parsed.flags.deep, true);
    const rows = await runCompare(parsed.backends, parsed.flags, () => {});
    assert.deepEqual(rows.map((r) => r.backend), ["reference", "2pc", "3pc"]);
    for (const r of rows) {
      const report = JSON.parse(await Deno.readTextFile(`${out}/cmp/${r.backend}/report.json`));
      assert.equal(report.summary.deep_prompt, true);
      assert.equal(r.untuned_test_metric, rows[0].untuned_test_metric);
      assert.equal(r.tuned_test_metric, rows[0].tuned_test_metric, `${r.backend} tuned`);
      // The deep candidates were scored: the selection saw them on train (dev-scored, deep).
      assert.ok(report.summary.selection.candidates >= 2);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("predict: a deep prompt file is read and scored alike on reference and 2pc", async () => {
  const out = await Deno.makeTempDir();
  try {
    const parsed = parseCompareArgs([...TINY, "--backends=reference", `--out=${out}/run`]);
    assert.ok(parsed !== "help");
    await runCompare(parsed.backends, parsed.flags, () => {});
    const shallowPath = `${out}/run/reference/prompt.json`;
    const shallow = JSON.parse(await Deno.readTextFile(shallowPath));
    // USE-lite: layer 0 rows are embedDim (256) wide, layer 1's 512.
    const widths = [shallow.embedDim, 512];
    const later = Array.from({ length: shallow.promptLen * 512 }, (_, i) => Math.sin(i) * 0.8);
    const deepPath = `${out}/deep.json`;
    await Deno.writeTextFile(
      deepPath,
      JSON.stringify({ ...shallow, promptWidths: widths, prompt: [...shallow.prompt, ...later] }),
    );
    const pf = await readPromptFile(deepPath);
    assert.deepEqual(pf.promptWidths, widths);
    const texts = ["A wonderful, moving film.", "Terrible acting and a boring plot."];
    const base = (prompt: string) =>
      parsePredictFlags([`--prompt=${prompt}`, ...texts.map((t) => `--text=${t}`)]) as PredictFlags;
    const flat = await runPredict({ ...base(shallowPath), backend: "reference" });
    const ref = await runPredict({ ...base(deepPath), backend: "reference" });
    const sec = await runPredict({ ...base(deepPath), backend: "2pc" });
    let moved = 0;
    for (const [i, p] of ref.predictions.entries()) {
      for (const [c, v] of Object.entries(p.probabilities)) {
        moved = Math.max(moved, Math.abs(v - flat.predictions[i].probabilities[c]));
        assert.ok(Math.abs(v - sec.predictions[i].probabilities[c]) < 0.02, `${c}: ${v}`);
      }
    }
    assert.ok(moved > 1e-4, `the deep rows change the prediction (${moved})`);
    // Widths that are not the model's: an error naming the file.
    await Deno.writeTextFile(
      `${out}/wrong.json`,
      JSON.stringify({
        ...shallow,
        promptWidths: [shallow.embedDim, 256],
        prompt: [...shallow.prompt, ...later.slice(0, shallow.promptLen * 256)],
      }),
    );
    await assert.rejects(
      runPredict({ ...base(`${out}/wrong.json`), backend: "reference" }),
      /wrong\.json: deep prompt widths \[256,256\] do not match the model's \[256,512\]/,
    );
    await Deno.writeTextFile(`${out}/bad.json`, JSON.stringify({ ...shallow, promptWidths: [7] }));
    await assert.rejects(readPromptFile(`${out}/bad.json`), /bad\.json: promptWidths must list/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
