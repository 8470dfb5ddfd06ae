/**
 * The README section "Bring a BERT/RoBERTa checkpoint" runs as written: its commands (tune and
 * predict in one process, then keys, cluster and a deployed tune) on a tiny random checkpoint in the
 * real file formats, written where the README says the folder is. The only change: the base port of
 * `keys` is replaced by five ports free on this machine.
 */
import assert from "node:assert/strict";
import { writeTinyHfCheckpoint } from "@secp/transformer";
import { readmeSection, ROOT, shellWords } from "./testdata/readme.ts";

/** A base port whose next five ports are free now. */
function freeBase(): number {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    try {
      const ls = [0, 1, 2, 3, 4].map((i) => Deno.listen({ hostname: "127.0.0.1", port: base + i }));
      ls.forEach((l) => l.close());
      return base;
    } catch {
      // taken: try another
    }
  }
  throw new Error("no five free ports");
}

Deno.test("README: 'Bring a BERT/RoBERTa checkpoint' runs as written (in process and deployed)", async () => {
  const text = await readmeSection("Bring a BERT/RoBERTa checkpoint");
  const own = await readmeSection("Tune on your own data");
  const dir = await Deno.makeTempDir({ prefix: "readme_bert_" });
  const background: Deno.ChildProcess[] = [];
  try {
    const csv = own.match(/```csv reviews\.csv\n([\s\S]*?)```/)![1];
    await Deno.writeTextFile(`${dir}/reviews.csv`, csv);
    await writeTinyHfCheckpoint(`${dir}/my-bert`, { modelType: "bert", seed: 4 });
    await Deno.mkdir(`${dir}/my-bert-public`);
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
      await Deno.copyFile(`${dir}/my-bert/${f}`, `${dir}/my-bert-public/${f}`);
    }
    const commands = text.split("\n").filter((l) => l.startsWith("./denow task "));
    assert.deepEqual(
      commands.map((c) => c.split(" ")[2]),
      ["tune", "predict", "keys", "cluster", "tune"],
    );
    const port = String(freeBase());
    for (const line of commands) {
      const bg = line.trimEnd().endsWith("&");
      const [, , task, ...rest] = shellWords(line.replace(/&\s*$/, ""));
      const args = rest.map((a, i) => (rest[i - 1] === "--port" ? port : a));
      const cmd = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          "--frozen",
          "--v8-flags=--no-maglev",
          `--config=${ROOT}deno.json`,
          `${ROOT}apps/cli/${task}.ts`,
          ...args,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      });
      if (bg) {
        background.push(cmd.spawn());
        continue;
      }
      const res = await cmd.output();
      const out = new TextDecoder().decode(res.stdout);
      const err = new TextDecoder().decode(res.stderr);
      assert.equal(res.code, 0, `${line}\n${err}`);
      if (task === "predict") assert.match(out, /^(negative|positive) /m);
      if (task === "tune") {
        assert.match(out, /^report: runs\/readme-bert[^ ]*\/report\.html/m);
        assert.match(err, /model bert \(my-bert(-public)?\)/);
      }
    }
    // The cluster's parties end cleanly once the deployed tune stops the session.
    for (const p of background) assert.equal((await p.status).code, 0);
    const deployed = JSON.parse(
      await Deno.readTextFile(`${dir}/runs/readme-bert-deployed/report.json`),
    );
    const local = JSON.parse(await Deno.readTextFile(`${dir}/runs/readme-bert/report.json`));
    // Same seed and job: the same untuned decisions, logits within the fixed-point error.
    const a: number[] = deployed.test_logits.untuned, b: number[] = local.test_logits.untuned;
    assert.equal(a.length, b.length);
    assert.ok(Math.max(...a.map((v, i) => Math.abs(v - b[i]))) <= 1e-2);
  } finally {
    for (const p of background) {
      try {
        p.kill("SIGKILL");
      } catch {
        // already exited
      }
      await p.status;
      await p.stdout.cancel().catch(() => {});
      await p.stderr.cancel().catch(() => {});
    }
    await Deno.remove(dir, { recursive: true });
  }
});
