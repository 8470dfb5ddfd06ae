import assert from "node:assert/strict";
import type { FloatTensor } from "@secp/field";
import type { Ledger } from "@secp/transport";
import { LocalSession, RemoteSession, type SecureSession } from "@secp/sharing/run";
import type { BatchInputs, BatchSpec } from "@secp/transformer";
import {
  loopbackDeployment,
  reap,
  spawnDeno,
  tinyBatch,
  tinyPrompts,
  tinySetup,
} from "./testdata/deploy_tiny.ts";

const partyScript = new URL("./testdata/deploy_party.ts", import.meta.url).pathname;
const SEED = "deploy-equality";

/** The job: prepare one batch, evaluate two populations. */
async function job(s: SecureSession<BatchSpec, BatchInputs>): Promise<FloatTensor[]> {
  const { spec, inputs } = tinyBatch();
  const id = await s.prepare(spec, inputs);
  return [
    await s.evaluate(id, tinyPrompts(2, 2, "a")),
    await s.evaluate(id, tinyPrompts(3, 2, "b")),
  ];
}

const entries = (l: Ledger) => l.entries().map((e) => JSON.stringify(e)).sort();

/** The job in one process and across 5 processes; asserts identical results, ledger, reveals. */
async function compare(kind: "2pc" | "3pc"): Promise<void> {
  const announce = { kind: "softmax" };
  const local = await LocalSession.start({ kind, setup: tinySetup, announce, insecureSeed: SEED });
  const want = await job(local);
  await local.close();

  const config = loopbackDeployment(kind);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/parties.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  const ids = [0, 1, 2, 4];
  const children = ids.map((id) => spawnDeno(partyScript, [path, String(id), SEED]));
  try {
    const remote = await RemoteSession.connect({
      config,
      setup: tinySetup,
      announce,
      insecureSeed: SEED,
    });
    const got = await job(remote);
    await remote.close();
    for (const [i, c] of children.entries()) {
      const r = await c.done;
      assert.equal(r.code, 0, `${kind} party ${ids[i]}: ${r.stderr}`);
      assert.match(r.stdout, /commands 3/);
    }
    got.forEach((g, i) => {
      assert.deepEqual(g.shape, want[i].shape);
      assert.deepEqual(Array.from(g.data), Array.from(want[i].data), `${kind} evaluate ${i}`);
    });
    assert.deepEqual(entries(remote.ledger), entries(local.ledger), `${kind}: ledger entries`);
    for (const phase of ["online", "offline"] as const) {
      assert.equal(remote.ledger.rounds(phase), local.ledger.rounds(phase), `${phase} rounds`);
    }
    assert.deepEqual(remote.ledger.summary(), local.ledger.summary());
    assert.deepEqual(remote.reveals.entries(), local.reveals.entries(), `${kind}: reveal ledger`);
    const s = remote.ledger.summary();
    console.log(
      `${kind}: identical logits, ledger and reveals; bytes sent ${
        s.parties.map((p) => `P${p.party} ${p.online.bytes + p.offline.bytes}`).join(", ")
      }; rounds online ${s.rounds.online}, offline ${s.rounds.offline}; ${remote.reveals.entries().length} reveal entries`,
    );
  } finally {
    for (const c of children) await reap(c);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deploy: a session across 5 processes equals the in-process run (2pc and 3pc: logits, ledger, reveals)", async () => {
  await Promise.all([compare("2pc"), compare("3pc")]);
});
