/**
 * `runInWorkers` (one Worker per party) against `runLocal` (one thread) on the same program and
 * test seeds: identical outputs and identical ledgers on 2pc and 3pc; a failing party ends the run
 * with its error; a missing export is named.
 */
import assert from "node:assert/strict";
import { runInWorkers, runLocal, runProgram } from "../run/mod.ts";
import type { BackendKind } from "../mod.ts";
import { failOnModelOwner, mulMatmulReveal } from "./fixtures/programs.ts";

const MODULE = import.meta.resolve("./fixtures/programs.ts");
const SEED = "run-workers-test"; // fixed seeds: test only

for (const kind of ["2pc", "3pc"] as BackendKind[]) {
  Deno.test(`runInWorkers ${kind}: outputs and ledger equal the one-thread run`, async () => {
    const args = { n: 6 };
    const one = await runLocal(kind, (be) => mulMatmulReveal(be, args), { insecureSeed: SEED });
    const many = await runInWorkers<number[]>(kind, {
      module: MODULE,
      name: "mulMatmulReveal",
      args,
    }, { insecureSeed: SEED });
    assert.deepEqual([...many.results.keys()].sort(), [...one.results.keys()].sort());
    for (const [p, v] of one.results) assert.deepEqual(many.results.get(p), v, `party ${p}`);
    assert.ok(one.results.get(one.roles.dataOwner)!.length === 36);
    assert.deepEqual(many.ledger.summary(), one.ledger.summary());
    assert.deepEqual(many.ledger.byPath(), one.ledger.byPath());
    assert.ok(many.ledger.summary().total.online.bytes > 0);
  });
}

Deno.test("runProgram picks the thread or the workers with the same result", async () => {
  const ref = { module: MODULE, name: "mulMatmulReveal", args: { n: 3 } };
  const a = await runProgram<number[]>("2pc", ref, { insecureSeed: SEED });
  const b = await runProgram<number[]>("2pc", ref, { insecureSeed: SEED, partiesIn: "workers" });
  assert.deepEqual(b.results.get(b.roles.dataOwner), a.results.get(a.roles.dataOwner));
  const p = await runProgram<number[]>("plain", ref, { partiesIn: "workers" });
  const got = p.results.get(0)!;
  for (const [i, v] of a.results.get(a.roles.dataOwner)!.entries()) {
    assert.ok(Math.abs(v - got[i]) < 1e-3, `entry ${i}: ${v} vs ${got[i]}`);
  }
});

Deno.test("runInWorkers: a failing party's error ends the run, naming it", async () => {
  const t0 = performance.now();
  await assert.rejects(
    runInWorkers("3pc", { module: MODULE, name: "failOnModelOwner" }, { timeoutMs: 60_000 }),
    /party 4: deliberate failure of the model owner/,
  );
  assert.ok(performance.now() - t0 < 30_000, "the run ended on the error, not on a timeout");
  // referenced so the fixture's export is checked by deno check
  assert.equal(typeof failOnModelOwner, "function");
});

Deno.test("runInWorkers: a program that is not exported is named", async () => {
  await assert.rejects(
    runInWorkers("2pc", { module: MODULE, name: "nope" }),
    /programs\.ts has no function export "nope"/,
  );
});

Deno.test("runInWorkers: options that need one thread are refused by name", async () => {
  await assert.rejects(
    runInWorkers("2pc", { module: MODULE, name: "mulMatmulReveal" }, { link: "tcp" }),
    /option "link" needs one thread/,
  );
});
