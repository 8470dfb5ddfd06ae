import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { RevealLog, runLocal, type SecretBackend } from "@secp/sharing";

async function program(be: SecretBackend) {
  const x = await be.input(
    "dataOwner",
    be.is("dataOwner") ? FloatTensor.from([1.5, -2, 3]) : undefined,
    [3],
  );
  const w = await be.input(
    "modelOwner",
    be.is("modelOwner") ? new FloatTensor(new Float64Array(6).fill(0.5), [3, 2]) : undefined,
    [3, 2],
  );
  const y = await be.mul(x, x);
  const z = await be.matmulFixed(be.reshape(y, [1, 3]), await be.fixed(w));
  const s = await be.ltz(x, { bits: 32 });
  await be.openMod2k(x, 12, "uniform-mod-2^k");
  return await be.reveal(be.add(be.reshape(z, [2]), be.slice(s, 0, 0, 2)), "dataOwner");
}

for (const kind of ["2pc", "3pc"] as const) {
  Deno.test(`${kind}: the reveal ledger records every opening, its receiver and mask`, async () => {
    const reveals = new RevealLog();
    const { results, roles } = await runLocal(kind, program, { reveals, insecureSeed: "reveal" });
    const out = results.get(roles.dataOwner)!;
    assert.ok(Math.abs(out.data[0] - 7.625) < 1e-3, `${out.data[0]}`);
    const toDo = reveals.receivedBy(roles.dataOwner);
    assert.deepEqual(toDo, [{
      path: "reveal/open",
      receiver: roles.dataOwner,
      mask: "cleartext-output",
      elements: 2,
      width: 2,
      openings: 1,
    }]);
    const others = reveals.entries().filter((e) => e.receiver !== roles.dataOwner);
    const computing = kind === "2pc" ? [0, 1] : [0, 1, 2];
    assert.deepEqual([...new Set(others.map((e) => e.receiver))].sort(), computing);
    for (const e of others) assert.notEqual(e.mask, "cleartext-output", JSON.stringify(e));
    const mod = others.filter((e) => e.mask === "uniform-mod-2^k");
    assert.equal(mod.length, computing.length);
    for (const e of mod) assert.deepEqual([e.path, e.bits, e.elements], ["open-mod/open", 12, 3]);
    if (kind === "2pc") {
      // Beaver, fixed-operand, truncation and AND openings: all under uniform ring masks
      const paths = [
        ...new Set(others.filter((e) => e.mask === "uniform-ring").map((e) => e.path)),
      ];
      assert.deepEqual(paths.sort(), [
        "fixed/open",
        "ltz/and/open",
        "ltz/mul/open",
        "matmul-fixed/open",
        "mul/open",
        "trunc/open",
      ]);
    } else {
      // replicated products open nothing; only exact truncation (fused with mul and matmul)
      // opens x + r + 2^62, to parties 0 and 1
      const ring = others.filter((e) => e.mask === "uniform-ring");
      assert.deepEqual([...new Set(ring.map((e) => `${e.path}@${e.receiver}`))].sort(), [
        "matmul/trunc/open@0",
        "matmul/trunc/open@1",
        "mul/trunc/open@0",
        "mul/trunc/open@1",
      ]);
    }
    const copy = RevealLog.fromJSON(JSON.parse(JSON.stringify(reveals)));
    assert.deepEqual(copy.entries(), reveals.entries());
    assert.deepEqual(copy.since(reveals.snapshot()).entries(), []);
  });
}
