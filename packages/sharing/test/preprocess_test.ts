import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import type { Ledger } from "@secp/transport";
import { runLocal, type SecretBackend, type Shared } from "../mod.ts";
import { inputFrom, testData } from "./helpers.ts";

const x0 = new FloatTensor(testData(6 * 8, 2, 3), [6, 8]);
const w0 = new FloatTensor(testData(8 * 5, 0.5, 4), [8, 5]);

/** One step with every kind of 2PC material: Beaver products, a fixed-operand product, exact
 * truncations, a sign test (AND triples) and a trig tuple; opened to the data owner. */
async function step(be: SecretBackend, x: Shared, wf: Awaited<ReturnType<SecretBackend["fixed"]>>) {
  const y = await be.matmulFixed(x, wf); // [6, 5]
  const z = await be.mul(y, y);
  const s = await be.ltz(be.addPublic(z, -0.5));
  const g = await be.matmul(be.transpose(y), z); // [5, 5]
  const t = await be.trigTuple([4], 12);
  const out = [
    await be.reveal(z, "dataOwner"),
    await be.reveal(be.mulInt(s, 1 << 16), "dataOwner"),
    await be.reveal(g, "dataOwner"),
    await be.reveal(be.add(t.cos, t.sin), "dataOwner"),
  ];
  return out.filter((o) => o !== undefined) as FloatTensor[];
}

/** Runs setup, then the step twice (with or without an offline pass before each). */
async function run(pre: boolean): Promise<{ outs: FloatTensor[][]; ledger: Ledger }> {
  const { results, ledger, roles } = await runLocal("2pc", async (be) => {
    const x = await inputFrom(be, "dataOwner", x0);
    const wf = await be.fixed(await inputFrom(be, "modelOwner", w0));
    const outs: FloatTensor[][] = [];
    for (let i = 0; i < 2; i++) {
      if (pre) await be.preprocess!(() => step(be, x, wf));
      outs.push(await step(be, x, wf));
    }
    return outs;
  }, { insecureSeed: "preprocess-test" });
  return { outs: results.get(roles.dataOwner)!, ledger };
}

Deno.test("2pc: a step after its offline pass gives the same outputs and ledger, bit for bit", async () => {
  const inline = await run(false), ahead = await run(true);
  assert.equal(ahead.outs.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.equal(ahead.outs[i].length, 4);
    ahead.outs[i].forEach((o, j) =>
      assert.deepEqual(o.data, inline.outs[i][j].data, `step ${i}, output ${j}`)
    );
  }
  // the same messages: the offline pass sent and opened nothing of its own
  assert.deepEqual(ahead.ledger.summary(), inline.ledger.summary());
  // the outputs are right, not just equal: z = (x·w)²
  const y = x0.matmul(w0);
  ahead.outs[0][0].data.forEach((v, i) => assert.ok(Math.abs(v - y.data[i] ** 2) < 1e-3));
});

Deno.test("2pc: preprocess refuses a step whose material was never used, and a different step", async () => {
  const { results } = await runLocal("2pc", async (be) => {
    const x = await inputFrom(be, "dataOwner", x0);
    const wf = await be.fixed(await inputFrom(be, "modelOwner", w0));
    if (!be.computing) {
      if (be.is(2)) await be.matmulFixed(x, wf); // the dealer's part of the preprocessed step
      return "";
    }
    await be.preprocess!(() => be.matmulFixed(x, wf));
    const msgs: string[] = [];
    await be.preprocess!(() => be.mul(x, x)).catch((e) => msgs.push(e.message));
    await be.mul(x, x).catch((e) => msgs.push(e.message));
    return msgs.join(" | ");
  }, { insecureSeed: "preprocess-test" });
  for (const p of [0, 1]) {
    const m = results.get(p)!;
    assert.match(m, /party \d: preprocess: 2 items of the last preprocessed step were never used/);
    assert.match(m, /asked for mul material where its offline pass queued matmul-fixed/);
  }
});
