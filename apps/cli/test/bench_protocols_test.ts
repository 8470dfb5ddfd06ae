import assert from "node:assert/strict";
import { benchProtocols } from "../bench/protocols.ts";
import { SECURE } from "../../../packages/protocols/test/helpers.ts";

Deno.test("bench protocols: Π_cos lines per truncation mode, RFA cheaper than softmax", async () => {
  const lines = await benchProtocols({
    protocols: ["cos", "attention"],
    seq: 8,
    hidden: 16,
    heads: 2,
    headDim: 8,
    reps: 1,
    print: false,
  });
  const get = (protocol: string, variant: string, backend: string, trunc: string) => {
    const l = lines.find((x) =>
      x.protocol === protocol && x.variant === variant && x.backend === backend &&
      x.trunc === trunc
    );
    assert.ok(l, `missing line ${protocol}/${variant}/${backend}/${trunc}`);
    return l;
  };
  // The opening of δ is Π_cos's only round; exact truncation adds one for the output rescale.
  assert.equal(get("cos", "exact", "2pc", "local").rounds, 1);
  assert.equal(get("cos", "exact", "2pc", "exact").rounds, 2);
  assert.equal(get("cos", "exact", "3pc", "local").rounds, 2);
  assert.equal(get("cos", "exact", "3pc", "exact").rounds, 3);
  // f = 16 phase bits: 2 bytes per element opened, to one peer (2PC).
  assert.equal(get("cos", "exact", "2pc", "local").bytes_sent, 2 * 8 * 16);
  for (const [backend, trunc] of SECURE) {
    const soft = get("attention", "softmax", backend, trunc);
    const rfa = get("attention", "rfa-exact", backend, trunc);
    assert.ok(rfa.bytes_sent < soft.bytes_sent && rfa.rounds < soft.rounds);
    assert.ok(soft.max_abs_err < 1e-2, `softmax error ${soft.max_abs_err}`);
  }
});
