/**
 * The failure rate of local (SecureML-style) truncation, derived and measured.
 *
 * Shares x0, x1 of x read as signed 64-bit integers satisfy x0 + x1 = X + k·2^64 with k ∈ {−1, 0,
 * 1} (X = x as a signed ring integer). Local truncation (x0 ≫ f, −((−x1) ≫ f)) is right (±1 ulp)
 * iff k = 0. For X ≥ 0, k = −1 iff x0 + x1 = X − 2^64, i.e. x0 ≤ X − 2^63 with x1 = X − 2^64 − x0
 * ≥ −2^63: exactly X + 1 of the 2^64 values of a uniform x0 (k = +1 would need x0 + x1 ≥ 2^64,
 * impossible); X < 0 is symmetric. So one truncation fails with probability (|X| + 1)/2^64 ≈
 * |x|/2^64, not |x|/2^63. 3PC local truncation applies the same two-share rule to (x1 + x2, x0).
 */
import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import type { BackendKind } from "../mod.ts";
import { runAndReveal } from "./helpers.ts";

const N = 8192;

for (const kind of ["2pc", "3pc"] as BackendKind[]) {
  Deno.test(`${kind}: local truncation of x = ±2^60 (ring) fails at the derived rate |x|/2^64`, async () => {
    // x = ±2^44 at f = 16 is the ring integer ±2^60: expected failure rate 1/16 (|x|/2^63: 1/8).
    const v = 2 ** 44;
    const xs = Float64Array.from({ length: N }, (_, i) => (i % 2 ? v : -v));
    const { outputs: [got] } = await runAndReveal(kind, async (be) => {
      const x = await be.input("dataOwner", be.is("dataOwner") ? new FloatTensor(xs) : undefined, [
        N,
      ]);
      return [await be.truncate(x)];
    }, { trunc: "local", insecureSeed: `local-trunc-rate-${kind}` }); // fixed seed: tests only
    let fails = 0;
    for (let i = 0; i < N; i++) if (Math.abs(got.data[i] - xs[i] / 2 ** 16) > 1e-3) fails++;
    const rate = fails / N, sd = Math.sqrt((1 / 16) * (15 / 16) / N); // ≈ 0.0027
    console.log(`${kind}: ${fails} of ${N} failed (rate ${rate.toFixed(4)}; derived 0.0625)`);
    assert.ok(Math.abs(rate - 1 / 16) < 5 * sd, `rate ${rate} vs derived 1/16`);
    assert.ok(Math.abs(rate - 1 / 8) > 20 * sd, `rate ${rate} would fit |x|/2^63`);
  });
}
