/**
 * `tune --model DIR` end to end on a tiny BERT/RoBERTa checkpoint in the real file formats, with a
 * template and a verbalizer from the data owner's own CSV: in one process on 2pc and 3pc, and on
 * 2pc with every other party in its own process (`deno task party`, the model owner reading the
 * checkpoint, the data owner holding only config.json and tokenizer.json); the secure test logits
 * match the exact float64 model run by `--backend reference`; `predict` classifies a text with the
 * tuned prompt.
 */
import assert from "node:assert/strict";
import { writeTinyHfCheckpoint } from "@secp/transformer";
import { parseTuneFlags } from "../apps/cli/flags.ts";
import { parsePredictFlags, runPredict } from "../apps/cli/predict.ts";
import { runTune } from "../apps/cli/tune.ts";
import { loopbackDeployment, reap, spawnDeno } from "./testdata/deploy_tiny.ts";

const partyCli = new URL("../apps/cli/party.ts", import.meta.url).pathname;

/** A small labelled CSV written from the tiny vocabulary's words. */
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

interface Report {
  summary: Record<string, number | string>;
  test_logits: { untuned: number[]; tuned: number[] };
}

async function fixture() {
  const dir = await Deno.makeTempDir({ prefix: "hf_tune_" });
  await writeTinyHfCheckpoint(`${dir}/model`, { modelType: "roberta", seed: 11 });
  // The data owner's copy: the architecture and the tokenizer, never the weights.
  await Deno.mkdir(`${dir}/do`);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(`${dir}/model/${f}`, `${dir}/do/${f}`);
  }
  await Deno.writeTextFile(`${dir}/reviews.csv`, csv());
  return dir;
}

/** The tune flags of the job (fixed seed: tests only). */
function job(dir: string, model: string, backend: string, out: string, extra: string[] = []) {
  const f = parseTuneFlags([
    `--model=${model}`,
    `--data=${dir}/reviews.csv`,
    "--labels=negative=terrible,positive=great",
    "--template={text} . it was {mask} .",
    `--backend=${backend}`,
    "--budget=1",
    "--popsize=2",
    "--shots=2",
    "--test-size=4",
    "--dim=8",
    "--prompt-len=2",
    "--seed=hf-tune",
    `--out=${out}`,
    ...extra,
  ]);
  assert.ok(f !== "help");
  return f;
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

Deno.test("tune --model DIR: a HF masked LM with template and verbalizer on reference, 2pc, 3pc and deployed 2pc; predict --model", async () => {
  const dir = await fixture();
  const model = `${dir}/model`;
  const children: ReturnType<typeof spawnDeno>[] = [];
  try {
    const run = async (backend: string, extra: string[] = [], m = model) =>
      await runTune(
        job(dir, m, backend, `${dir}/${backend}${extra.length}`, extra),
        () => {},
      ) as unknown as Report;
    const ref = await run("reference");
    assert.equal(ref.summary.model, "roberta (model)");
    for (const backend of ["2pc", "3pc"]) {
      const r = await run(backend);
      const err = maxDiff(r.test_logits.untuned, ref.test_logits.untuned);
      console.log(`${backend}: untuned test logits vs the exact model ${err.toExponential(2)}`);
      assert.ok(err <= 1e-2, `${backend}: ${err}`);
      assert.equal(r.summary.untuned_test_metric, ref.summary.untuned_test_metric);
    }
    // Deployed: parties 0, 1, 2 (dealer) and 4 (model owner, --model) in their own processes.
    const config = loopbackDeployment("2pc");
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(path, JSON.stringify(config));
    for (const id of [0, 1, 2, 4]) {
      const args = ["--config", path, "--id", `${id}`, ...(id === 4 ? ["--model", model] : [])];
      children.push(spawnDeno(partyCli, args));
    }
    const deployed = await run("2pc", [`--parties=${path}`], `${dir}/do`);
    for (const c of children) assert.equal((await c.done).code, 0, (await c.done).stderr);
    const err = maxDiff(deployed.test_logits.untuned, ref.test_logits.untuned);
    console.log(`deployed 2pc: vs the exact model ${err.toExponential(2)}`);
    assert.ok(err <= 1e-2, `deployed: ${err}`);
    // predict with the tuned prompt (the prompt file names the model folder).
    const flags = parsePredictFlags([
      `--prompt=${dir}/reference0/prompt.json`,
      "--text=i love this film",
      "--backend=reference",
    ]);
    assert.ok(flags !== "help");
    const { predictions } = await runPredict(flags);
    assert.equal(predictions.length, 1);
    assert.ok(["negative", "positive"].includes(predictions[0].label));
  } finally {
    for (const c of children) await reap(c);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tune --model DIR: a label word of several tokens, a template without {mask} and a folder without config.json are one-line errors before --out exists", async () => {
  const dir = await fixture();
  try {
    const cases: [string[], RegExp][] = [
      [
        ["--labels=negative=wonderful,positive=great"],
        /label word "wonderful" \(class 0\) is 2 tokens/,
      ],
      [["--template={text} it was good ."], /\{mask\} exactly once/],
    ];
    for (const [extra, want] of cases) {
      const out = `${dir}/bad`;
      await assert.rejects(
        runTune(job(dir, `${dir}/model`, "reference", out, extra), () => {}),
        want,
      );
      await assert.rejects(Deno.stat(out), Deno.errors.NotFound, `${extra}: --out was created`);
    }
    await assert.rejects(
      runTune(job(dir, `${dir}/nothing`, "reference", `${dir}/bad2`), () => {}),
      /nothing\/tokenizer\.json|nothing\/config\.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
