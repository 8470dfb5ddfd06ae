import assert from "node:assert/strict";
import type { FloatTensor } from "@secp/field";
import type { Ledger } from "@secp/transport";
import {
  type SecureSession,
  startSession,
  type WorkerSession,
  type WorkerSetupRef,
} from "@secp/sharing/run";
import type { BatchInputs, BatchSpec } from "@secp/transformer";
import {
  failingStepWorkerSetup,
  tinyBatch,
  tinyPrompts,
  tinySetup,
} from "./testdata/deploy_tiny.ts";

const SEED = "workers-equality"; // fixed seeds: test only
const tiny = (name: string): WorkerSetupRef => ({
  module: import.meta.resolve("./testdata/deploy_tiny.ts"),
  name,
});

/** The job; also the ledger after each step (a step returns once every party has done it). */
async function job(
  s: SecureSession<BatchSpec, BatchInputs>,
  steps: string[] = [],
): Promise<FloatTensor[]> {
  const { spec, inputs } = tinyBatch();
  const id = await s.prepare(spec, inputs);
  steps.push(JSON.stringify(s.ledger.summary()));
  const a = await s.evaluate(id, tinyPrompts(2, 2, "a"));
  steps.push(JSON.stringify(s.ledger.summary()));
  const b = await s.evaluate(id, tinyPrompts(3, 2, "b"));
  return [a, b];
}

const entries = (l: Ledger) => l.entries().map((e) => JSON.stringify(e)).sort();

for (const [kind, offlineAhead] of [["2pc", false], ["3pc", false], ["2pc", true]] as const) {
  {
    Deno.test(`workers: ${kind}${offlineAhead ? ", offline ahead" : ""}: parties in workers equal parties in one thread (logits, ledger, reveals)`, async () => {
      const announce = { kind: "softmax" };
      const common = { kind, setup: tinySetup, announce, insecureSeed: SEED };
      const thread = await startSession({ ...common, partiesIn: "thread" });
      const threadSteps: string[] = [], workerSteps: string[] = [];
      const want = await job(thread, threadSteps);
      await thread.close();
      const workers = await startSession({
        ...common,
        partiesIn: "workers",
        workerSetup: tiny("tinyWorkerSetup"),
        offlineAhead,
      }) as WorkerSession<BatchSpec, BatchInputs>;
      const got = await job(workers, workerSteps);
      await workers.close();
      if (offlineAhead) {
        const t = workers.lastStep!;
        assert.ok(t.preprocessMs > 0 && t.onlineMs > 0, JSON.stringify(t));
      } else assert.equal(workers.lastStep, undefined);
      got.forEach((g, i) => {
        assert.deepEqual(g.shape, want[i].shape);
        assert.deepEqual(Array.from(g.data), Array.from(want[i].data), `evaluate ${i}`);
      });
      assert.deepEqual(workerSteps, threadSteps, "the ledger after each step");
      assert.deepEqual(entries(workers.ledger), entries(thread.ledger));
      assert.deepEqual(workers.ledger.summary(), thread.ledger.summary());
      assert.deepEqual(workers.reveals.entries(), thread.reveals.entries());
      assert.ok(workers.ledger.summary().total.online.bytes > 0);
    });
  }
}

Deno.test("workers: a party whose setup fails stops the session at once, naming the party", async () => {
  const t0 = performance.now();
  await assert.rejects(
    startSession({
      kind: "2pc",
      setup: tinySetup,
      announce: { kind: "softmax" },
      partiesIn: "workers",
      workerSetup: tiny("brokenWorkerSetup"),
    }),
    /party 4 gave up \(weights file missing \(test\)\)/,
  );
  assert.ok(performance.now() - t0 < 20_000);
});

Deno.test("workers: a setup module without the named export is a clear error", async () => {
  await assert.rejects(
    startSession({
      kind: "3pc",
      setup: tinySetup,
      announce: { kind: "softmax" },
      partiesIn: "workers",
      workerSetup: tiny("noSuchExport"),
    }),
    /has no function export "noSuchExport"/,
  );
});

Deno.test("workers: parties in workers need a workerSetup; offline ahead needs workers", async () => {
  await assert.rejects(
    startSession({ kind: "2pc", setup: tinySetup, partiesIn: "workers" }),
    /need a workerSetup/,
  );
  await assert.rejects(
    startSession({ kind: "2pc", setup: tinySetup, offlineAhead: true }),
    /offline ahead needs the parties in workers \(or deployed\): partiesIn is thread/,
  );
});

for (const partiesIn of ["workers", "thread"] as const) {
  Deno.test(`${partiesIn}: a party failing during a step fails that step within seconds with its own error`, async () => {
    await failingStep(partiesIn);
  });
}

async function failingStep(partiesIn: "workers" | "thread"): Promise<void> {
  const session = await startSession({
    kind: "2pc",
    setup: partiesIn === "thread" ? failingStepWorkerSetup() : tinySetup,
    announce: { kind: "softmax" },
    partiesIn,
    workerSetup: tiny("failingStepWorkerSetup"),
  });
  const { spec, inputs } = tinyBatch();
  const id = await session.prepare(spec, inputs);
  const t0 = performance.now();
  await assert.rejects(
    session.evaluate(id, tinyPrompts(2, 2, "a")),
    /disk full while evaluating \(test\)/,
  );
  assert.ok(performance.now() - t0 < 10_000);
  await session.close().catch(() => {}); // the failed party already ended the session
}
