/**
 * Hostile peers against real deployments (party processes, `tune --parties`, `cluster`) on
 * 127.0.0.1: an outsider without keys during setup, a party killed during setup, a party frozen
 * under `cluster`. Tiny jobs, short timeouts, every wait bounded.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { parseTuneFlags, type TuneFlags } from "../apps/cli/flags.ts";
import { runTune } from "../apps/cli/tune.ts";
import { type Child, loopbackDeployment, reap, spawnDeno } from "./testdata/deploy_tiny.ts";
import { type Outsider, outsider } from "./testdata/outsider.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

const partyCli = new URL("../apps/cli/party.ts", import.meta.url).pathname;
const tuneCli = new URL("../apps/cli/tune.ts", import.meta.url).pathname;
const clusterCli = new URL("../apps/cli/cluster.ts", import.meta.url).pathname;
const PARTIES = [0, 1, 2, 4];
const DATA_OWNER = 3;

/** Party processes of `configPath`; resolves once each is listening or dialling. */
async function startParties(
  configPath: string,
  onLine: (id: number, line: string) => void = () => {},
): Promise<Child[]> {
  const ready: Promise<void>[] = [];
  const children = PARTIES.map((id) => {
    let up!: () => void;
    ready.push(new Promise((r) => (up = r)));
    return spawnDeno(partyCli, ["--config", configPath, "--id", `${id}`], (line) => {
      if (/waiting for peers/.test(line)) up();
      onLine(id, line);
    });
  });
  await withTimeout(Promise.all(ready), 60_000, "parties did not start");
  return children;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

type Report = { summary: Record<string, number>; test_logits: { tuned: number[] } };

/**
 * The acceptance case of the hostile-setup work: an outsider sends a bad-proof hello claiming the
 * data owner's id and a squatted silent hello to every computing party that listens, during
 * setup; the legitimate `tune --parties` run completes with the undisturbed result.
 */
async function tuneUnderAttack(kind: "2pc" | "3pc"): Promise<void> {
  const job = [
    `--backend=${kind}`,
    ...tinyJobArgs({ seed: "hostile-test", budget: 2, evalEvery: 2 }),
  ];
  const dir = await Deno.makeTempDir();
  const children: Child[] = [];
  const outsiders: Outsider[] = [];
  try {
    const reference = runTune(parseTuneFlags([...job, `--out=${dir}/ref`]) as TuneFlags, () => {});
    const config = loopbackDeployment(kind, { connectTimeoutMs: 120_000 });
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(path, JSON.stringify(config));
    children.push(...await startParties(path));
    const ports = new Map(
      (config.parties as { id: number; port: number }[]).map((p) => [p.id, p.port]),
    );
    // Parties 0, 1 and 2 listen (for higher ids); party 4 only dials.
    for (const id of [0, 1, 2]) {
      const port = ports.get(id)!;
      const bad = await outsider(port, id, DATA_OWNER, "bad-proof");
      assert.equal(bad.verdict, 4, `party ${id} answered the bad proof with key mismatch`);
      outsiders.push(await outsider(port, id, DATA_OWNER, "squat"));
    }
    const tune = spawnDeno(tuneCli, [...job, `--parties=${path}`, `--out=${dir}/run`]);
    children.push(tune);
    const r = await withTimeout(tune.done, 300_000, `${kind}: tune did not finish`);
    assert.equal(r.code, 0, `${kind}: tune failed: ${r.stderr}`);
    for (const [i, c] of children.slice(0, PARTIES.length).entries()) {
      const p = await withTimeout(c.done, 10_000, `party ${PARTIES[i]} did not exit`);
      assert.equal(p.code, 0, `${kind}: party ${PARTIES[i]}: ${p.stderr}`);
      if (PARTIES[i] !== 4) {
        assert.match(
          p.stderr,
          new RegExp(
            `^party ${PARTIES[i]}: dropped a connection from 127\\.0\\.0\\.1:\\d+ during the ` +
              `handshake: handshake with party 3 failed: .*\\(key mismatch\\)$`,
            "m",
          ),
        );
      }
    }
    const got = JSON.parse(await Deno.readTextFile(`${dir}/run/report.json`)) as Report;
    const want = await reference as unknown as Report;
    for (
      const k of ["generations", "untuned_test_accuracy", "tuned_test_accuracy", "best_dev_metric"]
    ) assert.equal(got.summary[k], want.summary[k], `${kind}: ${k}`);
    const ref = JSON.parse(await Deno.readTextFile(`${dir}/ref/checkpoint.json`));
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run/checkpoint.json`));
    assert.deepEqual(run.best.z, ref.best.z, `${kind}: the same best z`);
    const logitDiff = Math.max(
      ...got.test_logits.tuned.map((v, i) => Math.abs(v - want.test_logits.tuned[i])),
    );
    assert.ok(logitDiff < 0.01, `${kind}: tuned test logits differ by ${logitDiff}`);
    console.log(
      `${kind} under attack: tune exit 0, tuned accuracy ${got.summary.tuned_test_accuracy} ` +
        `(undisturbed ${want.summary.tuned_test_accuracy}), max |Δ logit| ${
          logitDiff.toExponential(2)
        }`,
    );
  } finally {
    for (const o of outsiders) o.close();
    for (const c of children) await reap(c, 2000);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("hostile deploy: an outsider's bad-proof and squatted hellos do not stop tune --parties (2pc, 3pc)", async () => {
  await Promise.all([tuneUnderAttack("2pc"), tuneUnderAttack("3pc")]);
});

Deno.test("hostile deploy: a party killed during setup makes every other party exit within keepaliveMs + 1 s", async () => {
  const keepaliveMs = 500;
  const config = loopbackDeployment("2pc", {
    keepaliveMs,
    timeoutMs: 5_000,
    connectTimeoutMs: 120_000,
  });
  const dir = await Deno.makeTempDir();
  const path = `${dir}/parties.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  const children = await startParties(path);
  try {
    // The computing parties link with each other, and wait for the data owner (never started).
    await new Promise((r) => setTimeout(r, 1000));
    const t = performance.now();
    children[2].proc.kill("SIGKILL"); // party 2
    const rest = [0, 1, 3].map((i) => children[i]);
    const results = await withTimeout(
      Promise.all(rest.map((c) => c.done)),
      30_000,
      "parties still running",
    );
    results.forEach((r, j) => {
      const id = PARTIES[[0, 1, 3][j]];
      const s = (r.at - t) / 1000;
      const line = r.stderr.trim().split("\n").at(-1) ?? "";
      console.log(`party ${id}: exit ${r.code} after ${s.toFixed(2)} s: ${line}`);
      assert.equal(r.code, 1, `party ${id} exits 1`);
      assert.ok(s < (keepaliveMs + 1000) / 1000, `party ${id} exited ${s} s after the kill`);
      assert.match(
        line,
        new RegExp(`^party ${id}: .*(lost connection to party 2|gave up).* during setup`),
      );
    });
  } finally {
    for (const c of children) await reap(c);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile deploy: a party killed during session setup (tune started) stops every process within keepaliveMs + 1 s", async () => {
  const keepaliveMs = 500;
  const config = loopbackDeployment("2pc", {
    keepaliveMs,
    timeoutMs: 5_000,
    connectTimeoutMs: 120_000,
  });
  const dir = await Deno.makeTempDir();
  const path = `${dir}/parties.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  let linked!: () => void;
  const connected = new Promise<void>((r) => (linked = r));
  const children = await startParties(path, (id, line) => {
    if (id === 0 && /connected to parties/.test(line)) linked();
  });
  try {
    // Party 0 logs "connected" once everyone, the data owner included, linked with it; the
    // session setup (seeds, announcement, the model owner loading and sharing the weights) is
    // then under way.
    const job = [
      "--backend=2pc",
      ...tinyJobArgs({ seed: "hostile-kill", budget: 1, evalEvery: 1 }),
    ];
    const tune = spawnDeno(tuneCli, [...job, `--parties=${path}`, `--out=${dir}/run`]);
    children.push(tune);
    await withTimeout(connected, 60_000, "the data owner did not connect");
    const t = performance.now();
    children[1].proc.kill("SIGKILL"); // party 1, a computing party
    const rest = [0, 2, 3, 4].map((i) => children[i]);
    const names = ["party 0", "party 2", "party 4", "tune (data owner)"];
    const results = await withTimeout(
      Promise.all(rest.map((c) => c.done)),
      30_000,
      "processes still running",
    );
    results.forEach((r, j) => {
      const s = (r.at - t) / 1000;
      const line = r.stderr.trim().split("\n").at(-1) ?? "";
      console.log(`${names[j]}: exit ${r.code} after ${s.toFixed(2)} s: ${line}`);
      assert.equal(r.code, 1, `${names[j]} exits 1`);
      assert.ok(s < (keepaliveMs + 1000) / 1000, `${names[j]} exited ${s} s after the kill`);
      // the lost party, or a party that stopped because of it
      assert.match(line, /(lost connection to party \d|gave up)/);
    });
    assert.ok(!existsSync(`${dir}/run/run.json`), "the failed start left no run.json");
  } finally {
    for (const c of children) await reap(c);
    await Deno.remove(dir, { recursive: true });
  }
});

/** The pid of the child of `parent` whose command line contains `needle` (Linux /proc). */
async function childPid(parent: number, needle: string): Promise<number | undefined> {
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
      const cmd = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).replaceAll("\0", " ");
      if (cmd.includes(needle)) return Number(e.name);
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

Deno.test({
  name: "hostile deploy: cluster kills a party frozen during setup and exits 1 (no hang)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const timeoutMs = 1500;
    const config = loopbackDeployment("2pc", {
      keepaliveMs: 300,
      timeoutMs,
      connectTimeoutMs: 120_000,
    });
    const dir = await Deno.makeTempDir();
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(path, JSON.stringify(config));
    let waiting = 0;
    let allUp!: () => void;
    const up = new Promise<void>((r) => (allUp = r));
    const cluster = spawnDeno(clusterCli, ["--config", path], (l) => {
      if (/waiting for peers/.test(l) && ++waiting === PARTIES.length) allUp();
    });
    try {
      await withTimeout(up, 60_000, "parties did not start");
      await new Promise((r) => setTimeout(r, 1000)); // linked, waiting for the data owner
      const pid = await childPid(cluster.proc.pid, "--id 1");
      assert.ok(pid !== undefined, "found party 1's process");
      const t = performance.now();
      Deno.kill(pid, "SIGSTOP");
      const r = await withTimeout(cluster.done, 30_000, "cluster hangs");
      const s = (r.at - t) / 1000;
      console.log(`cluster: exit ${r.code} after ${s.toFixed(2)} s`);
      assert.equal(r.code, 1);
      // the first to notice names the frozen party; the others hear it in its abort notice
      assert.match(
        r.stderr,
        /^\[party \d\] party \d: no sign of life from party 1 for 1500 ms during setup$/m,
      );
      for (const id of [0, 2, 4]) {
        assert.match(
          r.stderr,
          new RegExp(
            `^\\[party ${id}\\] party ${id}: .*no sign of life from party 1 .*during setup$`,
            "m",
          ),
        );
      }
      assert.match(
        r.stderr,
        /^cluster: party 1 still running 1500 ms after party \d failed \(frozen\?\); killing it$/m,
      );
      assert.ok(s < (2 * timeoutMs + 2000) / 1000, `cluster ended ${s} s after the freeze`);
    } finally {
      await reap(cluster);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
