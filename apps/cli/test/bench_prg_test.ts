/** `bench prg`'s throughput lines: one per call size, from the clock, with the keystream drawn. */
import assert from "node:assert/strict";
import { benchPrg } from "../bench/prg.ts";

Deno.test("bench prg: one throughput line per call size, measured", async () => {
  const rows = await benchPrg({
    sizes: [64, 4096],
    perSize: 1 << 16,
    pattern: false,
    print: false,
  });
  assert.equal(rows.length, 2);
  for (const [i, n] of [64, 4096].entries()) {
    const r = rows[i] as Record<string, number>;
    assert.equal(r.call_bytes, n);
    assert.equal(r.calls, Math.max(16, (1 << 16) / n));
    assert.ok(r.gb_s > 0 && r.ms_per_mb > 0, JSON.stringify(r));
  }
});
