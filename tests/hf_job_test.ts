/**
 * The HF BERT/RoBERTa job runs through the same runtime as USE-lite: a tiny checkpoint in the real
 * file formats (config.json, model.safetensors, tokenizer.json), in one process on 2pc and 3pc and
 * as separate party processes over TCP on 2pc. Its verbalizer logits (MLM head at the mask,
 * restricted to the label words) equal the float64 reference, and its ledger is identical in both
 * modes.
 */
import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import type { Ledger } from "@secp/transport";
import { LocalSession, RemoteSession, type SecureSession } from "@secp/sharing/run";
import {
  type HfBatchInputs,
  type HfBatchSpec,
  hfForward,
  hfJobSetup,
  hfMlmLogits,
  loadHfCheckpoint,
  writeTinyHfCheckpoint,
} from "@secp/transformer";
import { loopbackDeployment, reap, spawnDeno } from "./testdata/deploy_tiny.ts";

const SEED = "hf-job"; // fixed seeds: tests only
const partyScript = new URL("./testdata/hf_party.ts", import.meta.url).pathname;
const P = 2, L = 2;

async function fixture() {
  const dir = await Deno.makeTempDir({ prefix: "hf_job_" });
  await writeTinyHfCheckpoint(dir, { modelType: "roberta", seed: 5 });
  const ck = await loadHfCheckpoint(dir);
  const tok = ck.tokenizer!;
  const textIds = ["good film . it was <mask> .", "boring plot . it was <mask> ."]
    .map((t) => tok.encode(t));
  const verbalizer = ["terrible", "great"].map((x) => tok.tokenToId(x)!);
  const maskAt = textIds.map((r) => r.indexOf(tok.special.mask!));
  const textLengths = textIds.map((r) => r.length);
  const spec: HfBatchSpec = {
    texts: textIds.length,
    textSeq: Math.max(...textLengths),
    textLengths,
    head: { kind: "mlm", maskAt, verbalizer },
  };
  const d = ck.weights.config.hiddenSize;
  const prompts = new Float64Array(P * L * d).map((_, i) => Math.cos(0.3 * i) * 0.3);
  return {
    dir,
    ck,
    textIds,
    spec,
    maskAt,
    verbalizer,
    prompts: new FloatTensor(prompts, [P, L, d]),
  };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** Prepare once, evaluate the population twice (as two CMA-ES generations would). */
async function job(s: SecureSession<HfBatchSpec, HfBatchInputs>, f: Fixture) {
  const id = await s.prepare(f.spec, { textIds: f.textIds });
  const first = await s.evaluate(id, f.prompts);
  const second = await s.evaluate(id, f.prompts);
  return [first, second];
}

/** The float64 reference of the same function (GELU and exp as the protocols compute them). */
function referenceLogits(f: Fixture): number[] {
  const w = f.ck.weights, d = w.config.hiddenSize;
  const out: number[] = [];
  for (let p = 0; p < P; p++) {
    const prompt = f.prompts.data.subarray(p * L * d, (p + 1) * L * d);
    const ref = hfForward(w, f.textIds, { prompt, gelu: "accurate", expIters: 8 });
    f.textIds.forEach((_, t) => {
      const at = f.maskAt[t] + L;
      out.push(
        ...hfMlmLogits(w, ref.hidden[t].subarray(at * d, (at + 1) * d), f.verbalizer, "accurate"),
      );
    });
  }
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const entries = (l: Ledger) => l.entries().map((e) => JSON.stringify(e)).sort();

for (const kind of ["2pc", "3pc"] as const) {
  Deno.test(`hf job on ${kind} in one process: verbalizer logits = float64 reference within 1e-3`, async () => {
    const f = await fixture();
    try {
      const session = await LocalSession.start({
        kind,
        setup: hfJobSetup({ kind: "softmax" }, f.ck.weights),
        insecureSeed: SEED,
      });
      const [got, again] = await job(session, f);
      await session.close();
      assert.deepEqual(got.shape, [P * f.textIds.length, 2]);
      const ref = referenceLogits(f);
      const err = Math.max(maxDiff(got.data, ref), maxDiff(again.data, ref));
      console.log(`${kind}: verbalizer logits vs reference ${err.toExponential(2)}`);
      assert.ok(err <= 1e-3, `max |Δ| ${err}`);
      // Only the logits were opened, to the data owner.
      const opened = session.reveals.entries().filter((e) => e.mask === "cleartext-output");
      assert.ok(
        opened.length > 0 &&
          opened.every((e) => e.receiver === session.backend.party && e.width === 2),
        "only the C = 2 logits are opened in the clear, to the data owner",
      );
    } finally {
      await Deno.remove(f.dir, { recursive: true });
    }
  });
}

Deno.test("hf job across 5 processes on 2pc: same logits and ledger as in one process; only the model owner reads the checkpoint", async () => {
  const f = await fixture();
  const config = loopbackDeployment("2pc");
  const path = `${f.dir}/parties.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  const ids = [0, 1, 2, 4];
  // Only party 4 (the model owner) gets the checkpoint folder; the others get a missing one.
  const children = ids.map((id) =>
    spawnDeno(partyScript, [path, String(id), id === 4 ? f.dir : `${f.dir}/absent`, SEED])
  );
  try {
    const local = await LocalSession.start({
      kind: "2pc",
      setup: hfJobSetup({ kind: "softmax" }, f.ck.weights),
      insecureSeed: SEED,
    });
    const want = await job(local, f);
    await local.close();
    // The data owner has no weights: its setup only builds the job from the public model.
    const remote = await RemoteSession.connect({
      config,
      setup: hfJobSetup({ kind: "softmax" }),
      announce: { model: "hf" },
      insecureSeed: SEED,
    });
    const got = await job(remote, f);
    await remote.close();
    for (const [i, c] of children.entries()) {
      const r = await c.done;
      assert.equal(r.code, 0, `party ${ids[i]}: ${r.stderr}`);
      assert.match(r.stdout, /commands 3/);
    }
    got.forEach((g, i) => assert.deepEqual(Array.from(g.data), Array.from(want[i].data)));
    assert.deepEqual(entries(remote.ledger), entries(local.ledger), "ledger entries");
    assert.deepEqual(remote.ledger.summary(), local.ledger.summary());
    assert.deepEqual(remote.reveals.entries(), local.reveals.entries(), "reveal ledger");
    assert.ok(maxDiff(got[0].data, referenceLogits(f)) <= 1e-3);
  } finally {
    for (const c of children) await reap(c);
    await Deno.remove(f.dir, { recursive: true });
  }
});
