/**
 * `tune --model DIR --deep` end to end on a tiny RoBERTa checkpoint: the deep job runs on the
 * reference and under 3pc, the report says deep, and a deep prompt file written from it is
 * scored by predict alike on reference and 3pc.
 */
import assert from "node:assert/strict";
import { writeTinyHfCheckpoint } from "@secp/transformer";
import { parseTuneFlags } from "../apps/cli/flags.ts";
import { parsePredictFlags, type PredictFlags, runPredict } from "../apps/cli/predict.ts";
import { runTune } from "../apps/cli/tune.ts";

function csv(): string {
  const pos = ["good film", "great acting", "i love this movie", "a very fun play", "wonderful"];
  const neg = ["bad film", "terrible acting", "i hate this movie", "a boring plot", "not good"];
  const rows = ["text,label"];
  for (let i = 0; i < 3; i++) {
    for (const t of pos) rows.push(`${t}${" !".repeat(i)},positive`);
    for (const t of neg) rows.push(`${t}${" !".repeat(i)},negative`);
  }
  return rows.join("\n") + "\n";
}

Deno.test("tune --model DIR --deep: a HF masked LM with a prompt at every layer on reference and 3pc; predict reads it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_deep_tune_" });
  try {
    await writeTinyHfCheckpoint(`${dir}/model`, { modelType: "roberta", seed: 11 });
    await Deno.writeTextFile(`${dir}/reviews.csv`, csv());
    const run = async (backend: string) => {
      const f = parseTuneFlags([
        `--model=${dir}/model`,
        `--data=${dir}/reviews.csv`,
        "--labels=negative=terrible,positive=great",
        "--template={text} . it was {mask} .",
        `--backend=${backend}`,
        "--deep",
        "--budget=1",
        "--popsize=2",
        "--shots=2",
        "--test-size=4",
        "--dim=8",
        "--prompt-len=2",
        "--seed=hf-deep", // fixed seed: tests only
        `--out=${dir}/${backend}`,
      ]);
      assert.ok(f !== "help");
      return await runTune(f, () => {}) as unknown as {
        summary: Record<string, unknown>;
        test_logits: { untuned: number[] };
      };
    };
    const ref = await run("reference");
    const sec = await run("3pc");
    for (const r of [ref, sec]) assert.equal(r.summary.deep_prompt, true);
    const err = Math.max(
      ...sec.test_logits.untuned.map((v, i) => Math.abs(v - ref.test_logits.untuned[i])),
    );
    assert.ok(err <= 1e-2, `3pc untuned logits vs reference ${err}`);
    // A deep prompt file (the run's prompt with rows for every later layer) scores alike.
    const pf = JSON.parse(await Deno.readTextFile(`${dir}/reference/prompt.json`));
    const layers = 2; // the tiny checkpoint's
    const layer0 = pf.prompt.slice(0, pf.promptLen * pf.embedDim);
    const later = Array.from(
      { length: (layers - 1) * pf.promptLen * pf.embedDim },
      (_, i) => Math.cos(i) * 0.5,
    );
    const path = `${dir}/deep.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        ...pf,
        promptWidths: Array(layers).fill(pf.embedDim),
        prompt: [...layer0, ...later],
      }),
    );
    const flags = parsePredictFlags([
      `--prompt=${path}`,
      "--text=i love this film",
    ]) as PredictFlags;
    const a = await runPredict({ ...flags, backend: "reference" });
    const b = await runPredict({ ...flags, backend: "3pc" });
    for (const [c, v] of Object.entries(a.predictions[0].probabilities)) {
      assert.ok(Math.abs(v - b.predictions[0].probabilities[c]) < 0.02, `${c}: ${v}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
