import assert from "node:assert/strict";
import { bbtProjectionStd, RandomProjection } from "../projection.ts";
import { Rng } from "../rng.ts";

Deno.test("projection: BBT std rule α·σ̂/(√d·σ) and empirical entry std", () => {
  assert.equal(bbtProjectionStd(0.5, 100, 2, 4), 2 * 0.5 / (10 * 4));
  const p = new RandomProjection({
    promptLength: 16,
    embedDim: 64,
    intrinsicDim: 100,
    seed: 1,
    embeddingStd: 0.5,
  });
  assert.equal(p.std, 0.05);
  assert.equal(p.matrix.length, 16 * 64 * 100);
  let s = 0, s2 = 0;
  for (const v of p.matrix) {
    s += v;
    s2 += v * v;
  }
  const n = p.matrix.length;
  assert.ok(Math.abs(s / n) < 0.001);
  assert.ok(Math.abs(Math.sqrt(s2 / n) / 0.05 - 1) < 0.01);
});

Deno.test("projection: A is a deterministic function of the seed", () => {
  const a = new RandomProjection({
    promptLength: 2,
    embedDim: 8,
    intrinsicDim: 5,
    seed: "owner-secret",
    std: 1,
  });
  const b = new RandomProjection({
    promptLength: 2,
    embedDim: 8,
    intrinsicDim: 5,
    seed: "owner-secret",
    std: 1,
  });
  const c = new RandomProjection({
    promptLength: 2,
    embedDim: 8,
    intrinsicDim: 5,
    seed: "other",
    std: 1,
  });
  assert.deepEqual(a.matrix, b.matrix);
  assert.notDeepEqual(a.matrix, c.matrix);
  assert.equal(a.fingerprint(), b.fingerprint());
  assert.notEqual(a.fingerprint(), c.fingerprint());
});

Deno.test("projection: batch apply equals A z + p0 computed naively", () => {
  const L = 3, E = 4, d = 7;
  const init = Array.from({ length: L * E }, (_, i) => i / 10);
  const p = new RandomProjection({
    promptLength: L,
    embedDim: E,
    intrinsicDim: d,
    seed: 2,
    std: 0.3,
    init,
  });
  const r = Rng.fromSeed(3);
  const zs = Array.from({ length: 5 }, () => {
    const z = new Float64Array(d);
    r.fillNormal(z);
    return z;
  });
  const out = p.applyBatch(zs);
  assert.equal(out.length, 5);
  zs.forEach((z, k) => {
    for (let row = 0; row < L * E; row++) {
      let s = init[row];
      for (let j = 0; j < d; j++) s += p.matrix[row * d + j] * z[j];
      assert.ok(Math.abs(out[k][row] - s) < 1e-12);
    }
    assert.deepEqual(p.apply(z), out[k]);
  });
  assert.deepEqual(p.apply(new Float64Array(d)), Float64Array.from(init));
  assert.notEqual(
    p.fingerprint(),
    new RandomProjection({ promptLength: L, embedDim: E, intrinsicDim: d, seed: 2, std: 0.3 })
      .fingerprint(),
  );
});

Deno.test("projection: default d = 500 and input validation", () => {
  const p = new RandomProjection({ promptLength: 1, embedDim: 2, seed: 0, std: 1 });
  assert.equal(p.intrinsicDim, 500);
  assert.throws(() => p.apply(new Float64Array(3)), RangeError);
  assert.throws(
    () => new RandomProjection({ promptLength: 1, embedDim: 2, seed: 0 }),
    /embeddingStd/,
  );
  assert.throws(
    () => new RandomProjection({ promptLength: 0, embedDim: 2, seed: 0, std: 1 }),
    RangeError,
  );
  assert.throws(
    () => new RandomProjection({ promptLength: 1, embedDim: 2, seed: 0, std: 1, init: [1] }),
    RangeError,
  );
});

Deno.test("projection: 16×256×500 (2M entries) is generated quickly", () => {
  const t = performance.now();
  const p = new RandomProjection({
    promptLength: 16,
    embedDim: 256,
    intrinsicDim: 500,
    seed: 1,
    embeddingStd: 1,
  });
  const ms = performance.now() - t;
  assert.equal(p.matrix.length, 2_048_000);
  assert.ok(ms < 3000, `${ms} ms`);
});

Deno.test("projection: uniform entries have the rule's std, within ±√3·std, from the same seed", () => {
  const o = { promptLength: 8, embedDim: 64, intrinsicDim: 100, seed: 3, embeddingStd: 0.5 };
  const u = new RandomProjection({ ...o, distribution: "uniform" });
  const n = new RandomProjection(o);
  assert.equal(u.std, n.std);
  const h = Math.sqrt(3) * u.std;
  let s2 = 0;
  for (const v of u.matrix) {
    assert.ok(Math.abs(v) <= h * (1 + 1e-6), `${v} outside ±${h}`);
    s2 += v * v;
  }
  assert.ok(Math.abs(Math.sqrt(s2 / u.matrix.length) / u.std - 1) < 0.01);
  assert.notEqual(u.fingerprint(), n.fingerprint());
  assert.deepEqual(new RandomProjection({ ...o, distribution: "uniform" }).matrix, u.matrix);
  assert.throws(
    // @ts-expect-error: a distribution the type does not allow, as from untyped input
    () => new RandomProjection({ ...o, distribution: "cauchy" }),
    /distribution must be normal or uniform/,
  );
});
