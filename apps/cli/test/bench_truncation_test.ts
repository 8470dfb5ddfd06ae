import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { runLocal } from "@secp/sharing";
import { TruncationTally } from "../bench/truncation.ts";

Deno.test("truncation tally: Σ|x|/2^64 per op path from the plain backend's probe", async () => {
  const tally = new TruncationTally();
  await runLocal("plain", async (be) => {
    const x = await be.input("dataOwner", FloatTensor.from([-3, 0.5, 2]), [3]);
    await be.scope("sq", () => be.mul(x, x)); // truncates x² at 2f = 32 fractional bits
    await be.scope("half", () => be.truncate(x, 1));
  }, { plainTruncProbe: tally.probe });
  assert.equal(tally.count, 6);
  const sq = (9 + 0.25 + 4) * 2 ** 32 / 2 ** 64;
  const half = (3 + 0.5 + 2) * 2 ** 16 / 2 ** 64;
  assert.ok(Math.abs(tally.byPath.get("sq")! - sq) < 1e-24, `${tally.byPath.get("sq")}`);
  assert.ok(Math.abs(tally.byPath.get("half")! - half) < 1e-24);
  assert.ok(Math.abs(tally.total() - sq - half) < 1e-24);
  assert.equal(tally.maxBits, 36); // 9·2^32 < 2^36
});

Deno.test("plain backend: trunc 'local' declares inexact truncation, so protocols take 3PC's paths", async () => {
  const seen: boolean[] = [];
  for (const trunc of ["exact", "local"] as const) {
    await runLocal("plain", (be) => {
      seen.push(be.exactTruncation);
      return Promise.resolve();
    }, { trunc });
  }
  assert.deepEqual(seen, [true, false]);
});
