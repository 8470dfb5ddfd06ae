import assert from "node:assert/strict";
import { compareTable, parseCompareArgs, runCompare } from "../apps/cli/compare.ts";
import { parsePredictFlags, type PredictFlags, runPredict } from "../apps/cli/predict.ts";
import { readPromptFile } from "../apps/cli/prompt_file.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

// Tiny settings shared by these tests; the seed is fixed: tests only.
const TINY = tinyJobArgs({ seed: "compare-test", budget: 1, evalEvery: 1 });

Deno.test("compare: same job on reference, plain, 2pc and 3pc; secure logits match the reference; per-party costs", async () => {
  const out = await Deno.makeTempDir();
  try {
    assert.deepEqual((parseCompareArgs(TINY) as { backends: string[] }).backends, [
      "reference",
      "2pc",
      "3pc",
    ]);
    const parsed = parseCompareArgs([...TINY, "--backends=plain,2pc,3pc", `--out=${out}/cmp`]);
    assert.ok(parsed !== "help");
    assert.deepEqual(parsed.backends, ["reference", "plain", "2pc", "3pc"]);
    const rows = await runCompare(parsed.backends, parsed.flags, () => {});
    assert.deepEqual(rows.map((r) => r.backend), ["reference", "plain", "2pc", "3pc"]);
    assert.equal(rows[0].max_cos_error_vs_reference, 0);
    assert.equal(rows[0].same_ranking_as_reference, null);
    assert.equal(rows[0].max_prompt_diff_vs_reference, null);
    for (const r of rows) {
      // Every candidate's train loss was recorded (2 prompts: one gap per generation).
      assert.ok(Number.isFinite(r.min_rank_gap) && r.min_rank_gap >= 0, `${r.min_rank_gap}`);
      assert.ok(r.selected_generation === 0 || r.selected_generation === 1);
      if (r.backend === "reference") continue;
      assert.equal(typeof r.same_ranking_as_reference, "boolean");
      // Logits within 1e-3 cosine (× LOGIT_SCALE 20): a CE loss moves by at most 2 × 0.02.
      assert.ok(
        r.max_train_loss_diff_vs_reference! <= 0.04,
        `${r.max_train_loss_diff_vs_reference}`,
      );
      // Same selected generation: the same z, so the prompts differ by nothing.
      if (r.same_ranking_as_reference && r.selected_generation === rows[0].selected_generation) {
        assert.equal(r.max_prompt_diff_vs_reference, 0);
      }
    }
    for (const r of rows.slice(1)) {
      assert.ok(
        r.max_cos_error_vs_reference! <= 1e-3,
        `${r.backend} error ${r.max_cos_error_vs_reference}`,
      );
      // Same untuned prompt and texts: the same decisions as the reference.
      assert.equal(r.untuned_test_metric, rows[0].untuned_test_metric);
      if (r.backend === "plain") {
        assert.equal(r.offline_bytes_total, 0, "plain: one party, no traffic");
        continue;
      }
      const sent = Object.values(r.online_bytes_sent_per_party);
      assert.ok(sent.length >= 3 && sent.some((b) => b > 0), `${r.backend} per-party bytes`);
      assert.ok(r.rounds_per_generation > 0 && r.wan_s_per_generation > r.lan_s_per_generation);
    }
    assert.ok(rows[2].offline_bytes_total > 0, "2pc dealer traffic is offline");
    const saved = JSON.parse(await Deno.readTextFile(`${out}/cmp/compare.json`));
    assert.equal(saved.rows.length, 4);
    const table = compareTable(rows);
    assert.match(table, /dealer/);
    assert.match(table, /honest majority/);
    await assert.rejects(runCompare(parsed.backends, parsed.flags, () => {}), /already exists/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("compare --attention rfa: every backend runs the adapted RFA model, secure matches plain", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = async (attention: string, backends: string) => {
      const parsed = parseCompareArgs([
        ...TINY,
        `--attention=${attention}`,
        `--backends=${backends}`,
        `--out=${out}/${attention}`,
      ]);
      assert.ok(parsed !== "help");
      const rows = await runCompare(parsed.backends, parsed.flags, () => {});
      const report = (b: string) =>
        JSON.parse(Deno.readTextFileSync(`${out}/${attention}/${b}/report.json`));
      return { rows, report };
    };
    const rfa = await run("rfa", "2pc");
    const softmax = await run("softmax", "reference");
    const plainRfa = rfa.report("reference");
    assert.equal(plainRfa.summary.attention, "rfa");
    assert.match(plainRfa.versions.attention_checkpoint, /use-lite-rfa-D\d+\.json$/);
    assert.equal(softmax.report("reference").versions.attention_checkpoint, null);
    // The plaintext oracle evaluates the adapted model with RFA, not the npm softmax model.
    const a: number[] = plainRfa.test_logits.untuned;
    const b: number[] = softmax.report("reference").test_logits.untuned;
    assert.equal(a.length, b.length);
    assert.ok(a.some((x, i) => Math.abs(x - b[i]) > 1e-3), "rfa logits equal softmax logits");
    const secure = rfa.rows[1];
    assert.equal(secure.backend, "2pc");
    assert.ok(
      secure.max_cos_error_vs_reference! <= 1e-3,
      `2pc error ${secure.max_cos_error_vs_reference}`,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("compare flags: clear errors", () => {
  assert.throws(() => parseCompareArgs(["--backend=2pc"]), /use --backends/);
  assert.throws(() => parseCompareArgs(["--backends=2pc,4pc"]), /unknown backend "4pc"/);
  assert.throws(() => parseCompareArgs(["--resume"]), /--resume: not supported/);
  const p = parseCompareArgs(["--backends", "3pc"]);
  assert.ok(p !== "help");
  assert.deepEqual(p.backends, ["reference", "3pc"], "reference always runs first");
});

Deno.test("predict: a tuned prompt classifies texts the same on reference and 2pc", async () => {
  const out = await Deno.makeTempDir();
  try {
    const parsed = parseCompareArgs([...TINY, "--backends=reference", `--out=${out}/run`]);
    assert.ok(parsed !== "help");
    await runCompare(parsed.backends, parsed.flags, () => {});
    const promptPath = `${out}/run/reference/prompt.json`;
    const pf = await readPromptFile(promptPath);
    assert.equal(pf.values.length, pf.promptLen * pf.embedDim);
    const texts = ["A wonderful, moving film.", "Terrible acting and a boring plot."];
    await Deno.writeTextFile(`${out}/texts.txt`, `${texts[1]}\n\n`);
    const base = parsePredictFlags([
      `--prompt=${promptPath}`,
      `--text=${texts[0]}`,
      `--file=${out}/texts.txt`,
    ]) as PredictFlags;
    const plain = await runPredict({ ...base, backend: "reference" });
    const secure = await runPredict({ ...base, backend: "2pc" });
    assert.deepEqual(plain.predictions.map((p) => p.text), texts);
    assert.deepEqual(secure.predictions.map((p) => p.label), plain.predictions.map((p) => p.label));
    for (const [i, p] of secure.predictions.entries()) {
      for (const [c, v] of Object.entries(p.probabilities)) {
        assert.ok(Math.abs(v - plain.predictions[i].probabilities[c]) < 0.02, `${c}: ${v}`);
      }
    }
    assert.ok((secure.cost.bytesSent ?? 0) > 0 && (secure.cost.rounds ?? 0) > 0);

    // A corrupt prompt file is an error naming the file; nothing is written.
    await Deno.writeTextFile(`${out}/bad.json`, '{"format": "secp-tuning/prompt@1", "prompt": [');
    await assert.rejects(
      runPredict({ ...base, prompt: `${out}/bad.json`, backend: "reference" }),
      /prompt file .*bad\.json: not valid JSON/,
    );
    const wrong = { ...JSON.parse(await Deno.readTextFile(promptPath)), prompt: [1, 2, 3] };
    await Deno.writeTextFile(`${out}/short.json`, JSON.stringify(wrong));
    await assert.rejects(
      runPredict({ ...base, prompt: `${out}/short.json`, backend: "reference" }),
      /short\.json: prompt must hold promptLen·embedDim/,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("predict flags: clear errors", () => {
  assert.throws(() => parsePredictFlags(["--text=x"]), /--prompt: required/);
  assert.throws(() => parsePredictFlags(["--prompt=p.json"]), /--text, --file or --data/);
  assert.throws(
    () => parsePredictFlags(["--prompt=p.json", "--text=x", "--backend=4pc"]),
    /--backend: expected one of/,
  );
  assert.throws(
    () => parsePredictFlags(["--prompt=p.json", "--text=x", "--batch=0"]),
    /--batch: expected an integer/,
  );
});
