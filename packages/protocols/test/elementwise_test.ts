import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { CASES } from "./cases.ts";
import { apply1, errors, SECURE } from "./helpers.ts";

/** Every elementwise protocol meets its declared error contract on its grid, on every backend. */
for (const c of CASES) {
  const ref = c.ref ?? c.spec.reference!;
  const check = (label: string, got: FloatTensor, xs: Float64Array) => {
    const e = errors(got, xs, ref, c.spec.error.relFloor ?? 0);
    assert.ok(
      e.abs <= c.spec.error.maxAbs,
      `${c.name} ${label}: max abs error ${e.abs} at x = ${e.at} > declared ${c.spec.error.maxAbs}`,
    );
    if (c.spec.error.maxRel !== undefined) {
      assert.ok(
        e.rel <= c.spec.error.maxRel,
        `${c.name} ${label}: max rel error ${e.rel} > ${c.spec.error.maxRel}`,
      );
    }
  };
  Deno.test(`${c.name}: error contract on the plain ring backend (${c.xs.length} points)`, async () => {
    check("plain", await apply1("plain", new FloatTensor(c.xs), c.op), c.xs);
  });
  for (const [kind, trunc] of SECURE) {
    Deno.test(`${c.name}: error contract on ${kind} (${trunc} truncation)`, async () => {
      check(`${kind}/${trunc}`, await apply1(kind, new FloatTensor(c.xs), c.op, { trunc }), c.xs);
    });
  }
}

Deno.test("plain float backend: the same protocols run on float64 values (ring semantics kept)", async () => {
  for (const c of CASES) {
    const ref = c.ref ?? c.spec.reference!;
    const xs = c.xs.filter((_, i) => i % 8 === 0);
    const got = await apply1("plain", new FloatTensor(xs), c.op, { plainMode: "float" });
    const e = errors(got, xs, ref, c.spec.error.relFloor ?? 0);
    // Float mode has no rounding: only the approximation error remains (≤ the ring contract).
    assert.ok(e.abs <= c.spec.error.maxAbs, `${c.name} (float mode): ${e.abs} at ${e.at}`);
  }
});
