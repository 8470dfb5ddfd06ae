/**
 * The oracles with every party in its own Worker thread (`partiesIn: "workers"`, the CLI's
 * default) equal the single-thread run: the bundled USE-lite with its RFA checkpoint, and a tiny
 * HF checkpoint whose model owner loads the weights in its own thread. Same logits bit for bit,
 * same ledger.
 */
import assert from "node:assert/strict";
import { writeTinyHfCheckpoint } from "@secp/transformer";
import { openOracle, type OracleOptions } from "@secp/transformer/oracle";

const SEED = "workers-oracle"; // fixed seeds: tests only

async function run(o: OracleOptions, texts: string[], labels: string[]) {
  const opened = await openOracle({ ...o, insecureSeed: SEED });
  try {
    const batch = await opened.oracle.prepare({ texts, labelTexts: labels });
    const prompts = [opened.init, opened.init.map((v, i) => v + 0.05 * Math.sin(i))];
    const logits = Array.from((await opened.oracle.evaluate(prompts, batch)).logits);
    return { logits, summary: opened.session!.ledger.summary() };
  } finally {
    await opened.close();
  }
}

for (const backend of ["2pc", "3pc"] as const) {
  Deno.test(`workers oracle: USE-lite RFA on ${backend}: workers equal one thread`, async () => {
    const texts = ["a moving and funny film", "dull and far too long"];
    const labels = ["negative", "positive"];
    const o = { backend, promptLength: 2, maxTokens: 8 } as const;
    const thread = await run({ ...o, partiesIn: "thread" }, texts, labels);
    const workers = await run({ ...o, partiesIn: "workers" }, texts, labels);
    assert.deepEqual(workers.logits, thread.logits);
    assert.deepEqual(workers.summary, thread.summary);
  });
}

Deno.test("workers oracle: a HF checkpoint's model owner loads it in its own thread", async () => {
  const dir = await Deno.makeTempDir({ prefix: "workers_hf_" });
  try {
    await writeTinyHfCheckpoint(dir, { modelType: "bert", seed: 5 });
    const texts = ["good film . it was {mask} ."];
    const labels = ["terrible", "great"];
    const o = { backend: "2pc", model: dir, promptLength: 2 } as const;
    const thread = await run({ ...o, partiesIn: "thread" }, texts, labels);
    const workers = await run({ ...o, partiesIn: "workers" }, texts, labels);
    assert.deepEqual(workers.logits, thread.logits);
    assert.deepEqual(workers.summary, thread.summary);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
