import assert from "node:assert/strict";
import { parseTuneFlags, type TuneFlags } from "../apps/cli/flags.ts";
import { runTune } from "../apps/cli/tune.ts";
import { reap, spawnDeno } from "./testdata/deploy_tiny.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

const tuneCli = new URL("../apps/cli/tune.ts", import.meta.url).pathname;
const C = 2; // imdb: negative / positive
const DATA_OWNER = 3;

type Entry = { receiver: number; mask: string; elements: number };
const toDataOwner = (rs: Entry[]) =>
  rs.filter((e) => e.receiver === DATA_OWNER && e.mask === "cleartext-output")
    .reduce((s, e) => s + e.elements, 0);
const masked = (rs: Entry[]) =>
  rs.filter((e) => e.mask !== "cleartext-output").reduce((s, e) => s + e.elements, 0);

Deno.test("tune resume: the report of a killed-then-resumed run has the interrupted session's traffic and reveals", async () => {
  const dir = await Deno.makeTempDir();
  const budget = 3;
  // Fixed seed: test only. 2 train and 2 dev texts, popsize 2, dev every generation.
  const job = ["--backend=2pc", ...tinyJobArgs({ seed: "resume-report", budget, evalEvery: 1 })];
  const tune = spawnDeno(tuneCli, [...job, `--out=${dir}/run`], (line) => {
    if (/gen 1\/3/.test(line)) tune.proc.kill("SIGKILL"); // the data owner's own process dies
  });
  try {
    const killed = await tune.done;
    assert.notEqual(killed.code, 0, "killed");
    assert.doesNotMatch(killed.stdout, /^report:/m, "it never finished");

    const flags = parseTuneFlags(["--resume", `--out=${dir}/run`]) as TuneFlags;
    const report = await runTune(flags, () => {});
    const [s1, s2] = report.cost.sessions;
    assert.equal(report.cost.sessions.length, 2);
    assert.equal(report.summary.sessions, 2);
    // Session 1: killed after generation k (its account was saved after that generation).
    const k = s1.generations_to;
    assert.equal(s1.status, "running");
    assert.equal(s1.generations_from, 1);
    assert.ok(k >= 1 && k < budget, `session 1 completed ${k} generations`);
    assert.ok(s1.traffic.bytes_sent_online > 0 && s1.traffic.rounds_online > 0);
    assert.equal(s2.status, "done");
    assert.ok(s2.generations_from - 1 >= k, "no generation counted twice");
    assert.equal(s2.generations_to, budget);

    // Traffic: the job's totals are the sum of both sessions'.
    for (
      const key of ["bytes_sent_online", "bytes_sent_offline", "messages", "rounds_online"] as const
    ) {
      assert.equal(report.cost.total[key], s1.traffic[key] + s2.traffic[key], key);
    }
    assert.equal(report.summary.total_bytes_sent_online, report.cost.total.bytes_sent_online);
    assert.equal(report.traffic!.total.online.bytes, report.cost.total.bytes_sent_online);

    // Reveals: per session, the data owner's logits of every query it made; the job's log is both.
    const [r1, r2] = report.privacy.reveals_per_session.map((s) => s.reveals as Entry[]);
    // Session 1: untuned test (2 texts), then per generation popsize 2 × 2 train + 2 dev texts.
    assert.equal(toDataOwner(r1), C * (2 + k * (2 * 2 + 2)));
    // Session 2: untuned test again, its generations, the final selection (every candidate on the
    // 2 train texts, the untuned prompt on the 2 dev texts) and, unless the untuned prompt was
    // kept, the tuned test.
    const g2 = s2.generations_to - s2.generations_from + 1;
    const sel = report.summary.selection!;
    assert.equal(sel.candidates, 1 + budget, "the untuned prompt and one per dev evaluation");
    const tunedTest = sel.kept_untuned ? 0 : 2;
    assert.equal(
      toDataOwner(r2),
      C * (2 + g2 * (2 * 2 + 2) + sel.candidates * 2 + 2 + tunedTest),
    );
    assert.equal(toDataOwner(report.reveals), toDataOwner(r1) + toDataOwner(r2));
    assert.ok(masked(r1) > 0);
    assert.equal(masked(report.reveals), masked(r1) + masked(r2));
    const learned = report.privacy.learned.find((l) => l.party === DATA_OWNER)!;
    assert.equal(learned.elements, toDataOwner(r1) + toDataOwner(r2));
    assert.match(
      learned.statement,
      new RegExp(
        `session 1: 2 untuned test \\+ ${k} generations × 4 train .*; session 2: 2 untuned ` +
          `test \\+ ${g2} generations × 4 train .* \\+ the final selection \\(${sel.candidates} ` +
          `candidates × 2 train \\+ 2 dev\\)${tunedTest ? " \\+ 2 tuned test" : ""}, nothing else$`,
      ),
    );

    // Every generation appears once, with the session it ran in.
    assert.deepEqual(report.cost.per_generation.map((g) => g.generation), [1, 2, 3]);
    assert.ok(report.cost.per_generation.every((g) => g.session === (g.generation <= k ? 1 : 2)));
    const html = await Deno.readTextFile(`${dir}/run/report.html`);
    assert.match(html, /<td>1<\/td><td>running<\/td><td>1–\d<\/td>/);
  } finally {
    await reap(tune, 1000);
    await Deno.remove(dir, { recursive: true });
  }
});
