/**
 * The float64 references the GELU contracts are measured against: `erf` (Maclaurin series below
 * 2.5, the continued fraction of erfc above) against mathjs's independent `erf` (W. J. Cody's
 * rational Chebyshev approximations) and against published values; and `geluAccuratePoly`, the
 * function `geluAccurate` evaluates, against the exact GELU over its declared error.
 */
import assert from "node:assert/strict";
import { erf as mathjsErf } from "mathjs";
import { erf, geluExact } from "../gelu.ts";
import { GELU_ACCURATE_COEFFS, geluAccuratePoly, geluAccurateSpec } from "../gelu_accurate.ts";
import { grid } from "./helpers.ts";

Deno.test("erf: within 1e-12 of mathjs's erf on [−8, 8] and of published values", () => {
  let worst = 0;
  for (const x of grid(-8, 8, 2 ** -7)) worst = Math.max(worst, Math.abs(erf(x) - mathjsErf(x)));
  assert.ok(worst <= 1e-12, `max |erf − mathjs erf| = ${worst}`);
  // erf(0.5), erf(1), erf(2) to 16+ digits (Abramowitz & Stegun table 7.1 / any CAS).
  const known: [number, number][] = [
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
  ];
  for (const [x, v] of known) {
    assert.ok(Math.abs(erf(x) - v) <= 1e-15, `erf(${x})`);
    assert.ok(Math.abs(erf(-x) + v) <= 1e-15, `erf(${-x})`);
  }
  assert.equal(geluExact(0), 0);
});

Deno.test("geluAccurate's polynomial: within its declared error of the exact GELU, 0 at |x| = 0", () => {
  let worst = 0, at = 0;
  for (const x of grid(-16, 16, 2 ** -10)) {
    const e = Math.abs(geluAccuratePoly(x) - geluExact(x));
    if (e > worst) [worst, at] = [e, x];
  }
  // The polynomial's own error leaves room for the fixed-point error within the contract.
  assert.ok(worst <= 2e-4, `max error ${worst} at ${at}`);
  assert.ok(worst < geluAccurateSpec.error.maxAbs);
  // Masked lanes evaluate P at u = −1 (|x| = 0): P(−1) must vanish.
  const pm1 = GELU_ACCURATE_COEFFS.reduceRight((acc, c) => -acc + c, 0);
  assert.ok(Math.abs(pm1) < 1e-12, `P(−1) = ${pm1}`);
  for (const x of [4, 5, 100, 2 ** 19]) assert.equal(geluAccuratePoly(x), x);
  for (const x of [-4.0001, -100]) assert.equal(geluAccuratePoly(x), 0);
});
