import assert from "node:assert/strict";
import { eighSymmetric } from "../eigen.ts";
import { Rng } from "../rng.ts";

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = Rng.fromSeed(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = r.normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

function checkDecomposition(a: Float64Array, n: number, tol: number) {
  const { values, vectors } = eighSymmetric(a, n);
  let scale = 0;
  for (const x of a) scale = Math.max(scale, Math.abs(x));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      let dot = 0;
      for (let k = 0; k < n; k++) {
        s += values[k] * vectors[k * n + r] * vectors[k * n + c];
        dot += vectors[r * n + k] * vectors[c * n + k];
      }
      assert.ok(Math.abs(s - a[r * n + c]) <= tol * Math.max(1, scale), `A[${r},${c}]`);
      assert.ok(Math.abs(dot - (r === c ? 1 : 0)) <= tol, `orthonormality ${r},${c}`);
    }
  }
  return values;
}

Deno.test("eigen: random symmetric matrices are reconstructed with orthonormal vectors", () => {
  for (const n of [1, 2, 3, 17, 60]) checkDecomposition(randomSymmetric(n, n), n, 1e-11);
});

Deno.test("eigen: known spectra (diagonal, repeated eigenvalues, 2x2)", () => {
  const diag = new Float64Array(16);
  [4, -1, 2.5, 0].forEach((v, i) => (diag[i * 4 + i] = v));
  assert.deepEqual([...checkDecomposition(diag, 4, 1e-14)].sort((a, b) => a - b), [-1, 0, 2.5, 4]);
  const ones = new Float64Array(25).fill(1); // eigenvalues 5, 0, 0, 0, 0
  const v = [...checkDecomposition(ones, 5, 1e-12)].sort((a, b) => a - b);
  assert.ok(Math.abs(v[4] - 5) < 1e-12 && v.slice(0, 4).every((x) => Math.abs(x) < 1e-12));
  const two = checkDecomposition(new Float64Array([2, 1, 1, 2]), 2, 1e-14);
  assert.deepEqual([...two].sort((a, b) => a - b).map((x) => Math.round(x * 1e12) / 1e12), [1, 3]);
});

Deno.test("eigen: only the symmetric part counts; bad input throws", () => {
  const a = new Float64Array([1, 2, 0, 1]); // symmetric part [[1,1],[1,1]] → eigenvalues 0, 2
  const { values } = eighSymmetric(a, 2);
  assert.deepEqual([...values].sort((a, b) => a - b).map((x) => Math.round(x * 1e12) / 1e12), [
    0,
    2,
  ]);
  assert.throws(() => eighSymmetric(new Float64Array(3), 2), RangeError);
  assert.throws(() => eighSymmetric(new Float64Array([1, NaN, NaN, 1]), 2), /did not converge/);
});
