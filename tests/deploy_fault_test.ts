import assert from "node:assert/strict";
import { parseTuneFlags, type TuneFlags } from "../apps/cli/flags.ts";
import { runTune } from "../apps/cli/tune.ts";
import { loopbackDeployment, reap, spawnDeno } from "./testdata/deploy_tiny.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

const partyCli = new URL("../apps/cli/party.ts", import.meta.url).pathname;
const tuneCli = new URL("../apps/cli/tune.ts", import.meta.url).pathname;
const clusterCli = new URL("../apps/cli/cluster.ts", import.meta.url).pathname;

/** A tiny tuning job (test-only fixed seed). */
const JOB = [
  "--backend=2pc",
  ...tinyJobArgs({ seed: "deploy-fault-test", budget: 2, evalEvery: 2 }),
];
const PARTIES = [0, 1, 2, 4];
const DATA_OWNER = 3;

type Report = {
  summary: Record<string, number> & { selection: { kept_untuned: boolean } };
  history: { bestLoss: number; bestTrainAccuracy: number; dev?: { metric: number } }[];
  test_logits: { untuned: number[]; tuned: number[] };
  received_by_data_owner: { path: string }[];
  reveals: Reveal[];
  cost: {
    sessions: {
      status: string;
      error?: string;
      traffic: { bytes_sent_online: number };
    }[];
    total: { bytes_sent_online: number };
  };
  privacy: { reveals_per_session: { reveals: Reveal[] }[] };
};
type Reveal = { receiver: number; mask: string; path: string; width: number; elements: number };

/** The reveal ledger of a tune run: the data owner got the C logits per query and nothing else. */
function assertOnlyLogitsOpened(r: Report, label: string, queries: number): void {
  const C = 2; // imdb: negative / positive
  const toDo = r.reveals.filter((e) => e.receiver === DATA_OWNER);
  assert.ok(toDo.length > 0, `${label}: the data owner opened logits`);
  for (const e of toDo) {
    assert.deepEqual(
      [e.mask, e.path, e.width],
      ["cleartext-output", "evaluate/reveal/open", C],
      `${label}: data owner opening ${JSON.stringify(e)}`,
    );
  }
  const opened = toDo.reduce((s, e) => s + e.elements, 0);
  assert.equal(opened, C * queries, `${label}: C logits per (prompt, text) query`);
  const others = r.reveals.filter((e) => e.receiver !== DATA_OWNER);
  assert.ok(others.length > 0);
  for (const e of others) {
    assert.ok(
      ["uniform-ring", "uniform-mod-2^k", "statistical"].includes(e.mask),
      `${label}: unmasked opening ${JSON.stringify(e)}`,
    );
  }
  for (const e of r.received_by_data_owner) assert.equal(e.path, "evaluate/reveal/open");
}

Deno.test("deploy faults: a party killed mid-generation stops everyone within 5 s; --resume finishes the job as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  const children: ReturnType<typeof spawnDeno>[] = [];
  try {
    // The uninterrupted reference, all parties in this process, concurrently with the fault run.
    const t0 = performance.now();
    const refFlags = parseTuneFlags([...JOB, `--out=${dir}/ref`]) as TuneFlags;
    const reference = runTune(refFlags, () => {});

    const config = loopbackDeployment("2pc", { connectTimeoutMs: 60_000 });
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(path, JSON.stringify(config));
    const parties = PARTIES.map((id) => spawnDeno(partyCli, ["--config", path, "--id", `${id}`]));
    children.push(...parties);
    let gen1!: () => void;
    const sawGen1 = new Promise<void>((r) => (gen1 = r));
    const tune = spawnDeno(
      tuneCli,
      [...JOB, `--parties=${path}`, `--out=${dir}/run`],
      (line) => {
        if (/gen 1\/2/.test(line)) gen1();
      },
    );
    children.push(tune);
    await Promise.race([sawGen1, tune.done]);
    await new Promise((r) => setTimeout(r, 300)); // into generation 2
    const killedAt = performance.now();
    console.log(`kill at ${((killedAt - t0) / 1000).toFixed(1)} s`);
    parties[1].proc.kill("SIGKILL");
    const others = [parties[0], parties[2], parties[3], tune];
    const names = ["party 0", "party 2", "party 4", "tune (data owner)"];
    const results = await Promise.all(others.map((c) => c.done));
    const p1 = await parties[1].done;
    if (results.some((r) => !/lost connection to party 1 /.test(r.stderr))) {
      console.log([p1, ...results].map((r) => r.stderr).join("\n---\n"));
    }
    results.forEach((r, i) => {
      const secs = (r.at - killedAt) / 1000;
      const line = r.stderr.trim().split("\n").at(-1) ?? "";
      console.log(`${names[i]}: exit ${r.code} after ${secs.toFixed(2)} s: ${line}`);
      assert.notEqual(r.code, 0, `${names[i]} exits non-zero`);
      assert.ok(secs < 5, `${names[i]} exited ${secs} s after the kill`);
      assert.match(line, /lost connection to party 1 .*during (recv|send) at \S+/);
    });
    assert.match(results[3].stderr, /^tune: party 3: .*lost connection to party 1 /m);

    // The data owner's checkpoint is intact.
    const ck = JSON.parse(await Deno.readTextFile(`${dir}/run/checkpoint.json`));
    assert.equal(ck.format, "secp-fot/tune");
    assert.ok(ck.generation >= 1, `checkpoint at generation ${ck.generation}`);
    const refReport = await reference as unknown as Report;
    console.log(`reference done at ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Restart the parties (all at once, with `deno task cluster`); --resume finishes the job.
    const cluster = spawnDeno(clusterCli, ["--config", path]);
    children.push(cluster);
    const resumed = spawnDeno(tuneCli, ["--resume", `--out=${dir}/run`]);
    children.push(resumed);
    const r = await resumed.done;
    assert.equal(r.code, 0, r.stderr);
    console.log(`resumed run done at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const c = await cluster.done;
    assert.equal(c.code, 0, c.stderr);
    for (const id of PARTIES) {
      assert.match(c.stdout, new RegExp(`^\\[party ${id}\\] party ${id}: session done: `, "m"));
    }
    const got = JSON.parse(await Deno.readTextFile(`${dir}/run/report.json`)) as Report;
    const want = refReport;
    for (
      const k of [
        "generations",
        "untuned_test_accuracy",
        "tuned_test_accuracy",
        "tuned_test_metric",
        "best_dev_metric",
      ]
    ) assert.equal(got.summary[k], want.summary[k], k);
    // CMA-ES saw the same rankings: its state is bit-identical.
    const refCk = JSON.parse(await Deno.readTextFile(`${dir}/ref/checkpoint.json`));
    const runCk = JSON.parse(await Deno.readTextFile(`${dir}/run/checkpoint.json`));
    const noLoss = (c: Record<string, unknown>) => ({ ...c, fitvals: 0, best: 0 });
    assert.deepEqual(noLoss(runCk.cma), noLoss(refCk.cma), "CMA-ES state (losses aside)");
    assert.deepEqual(
      [runCk.best.z, runCk.best.metric, runCk.best.generation],
      [refCk.best.z, refCk.best.metric, refCk.best.generation],
      "best z and its dev metric",
    );
    // Losses and logits agree up to fixed-point noise (fresh masks in every session).
    type Gen = { bestLoss: number; bestTrainAccuracy: number };
    const gens = (c: { history: Gen[] }) => c.history;
    assert.equal(gens(runCk).length, gens(refCk).length);
    const lossDiff = Math.max(
      ...gens(runCk).map((h, i) => Math.abs(h.bestLoss - gens(refCk)[i].bestLoss)),
    );
    const logitDiff = Math.max(
      ...got.test_logits.tuned.map((v, i) => Math.abs(v - want.test_logits.tuned[i])),
    );
    console.log(
      `resumed vs uninterrupted: max |Δ loss| ${lossDiff.toExponential(2)}, ` +
        `max |Δ test logit| ${logitDiff.toExponential(2)} (logit = 20·cos)`,
    );
    assert.ok(lossDiff < 0.01, `loss differs by ${lossDiff}`);
    assert.ok(logitDiff < 0.01, `tuned test logits differ by ${logitDiff}`);
    gens(runCk).forEach((h, i) =>
      assert.equal(h.bestTrainAccuracy, gens(refCk)[i].bestTrainAccuracy)
    );

    // Reveal ledger: per query the data owner opened its C logits, everything else was masked.
    // Queries: untuned test and, unless the untuned prompt was kept, tuned test (2 texts each), per
    // generation popsize × 2 train texts, the 2 dev texts at generation 2, and the final selection
    // (the untuned prompt and the generation-2 candidate on the 2 train texts, untuned on dev).
    const tested = (r: Report) => 2 + (r.summary.selection.kept_untuned ? 0 : 2);
    const selection = 2 * 2 + 2;
    assertOnlyLogitsOpened(want, "in-process run", tested(want) + 2 * 2 * 2 + 2 + selection);
    // The resumed run's report accounts for both sessions: the interrupted one failed with the
    // lost party, and its traffic and openings are in the job's totals.
    const [s1, s2] = got.cost.sessions;
    assert.equal(got.cost.sessions.length, 2);
    assert.equal(s1.status, "failed");
    assert.match(s1.error!, /lost connection to party 1 /);
    assert.ok(s1.traffic.bytes_sent_online > 0);
    assert.equal(s2.status, "done");
    assert.equal(
      got.cost.total.bytes_sent_online,
      s1.traffic.bytes_sent_online + s2.traffic.bytes_sent_online,
    );
    const [r1, r2] = got.privacy.reveals_per_session.map((x) => x.reveals);
    const resumedGens = runCk.generation - ck.generation;
    assertOnlyLogitsOpened(
      { ...got, reveals: r2 },
      "resumed session",
      tested(got) + resumedGens * 2 * 2 + 2 + selection,
    );
    // The interrupted session: untuned test, its completed generations, maybe generation 2's
    // train call (the kill came 300 ms into generation 2).
    const base = 2 + ck.generation * 2 * 2;
    const q1 = r1.filter((e) => e.receiver === DATA_OWNER).reduce((a, e) => a + e.elements, 0) / 2;
    assert.ok(q1 === base || q1 === base + 4, `interrupted session: ${q1} queries`);
    assertOnlyLogitsOpened({ ...got, reveals: r1 }, "interrupted session", q1);
    assertOnlyLogitsOpened(
      got,
      "whole job",
      q1 + tested(got) + resumedGens * 2 * 2 + 2 + selection,
    );
  } finally {
    for (const c of children) {
      try {
        c.proc.kill("SIGTERM"); // the cluster passes it on to its parties
      } catch {
        // exited
      }
      await reap(c, 2000);
    }
    await Deno.remove(dir, { recursive: true });
  }
});
