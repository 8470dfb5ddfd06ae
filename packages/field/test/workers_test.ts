import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FloatTensor,
  portableKernels,
  RingTensor,
  useWorkers,
  wasmKernels,
  workerThreads,
} from "../mod.ts";
import { partition } from "../kernels/workers.ts";
import { closeTo, matmulScaleF64, refMatmulF64, refMatmulU64, u64Array } from "./ref.ts";

Deno.test("partition: row ranges when m is large, column ranges when m is small", () => {
  assert.deepEqual(partition(128, 768, 2), [[0, 64, 0, 768], [64, 128, 0, 768]]);
  assert.deepEqual(partition(9, 5, 2), [[0, 8, 0, 5], [8, 9, 0, 5]]);
  assert.deepEqual(partition(1, 768, 2), [[0, 1, 0, 384], [0, 1, 384, 768]]);
  assert.deepEqual(partition(3, 5, 2), [[0, 3, 0, 5]]);
  for (const [m, n, t] of [[13, 7, 3], [2, 19, 3], [100, 1, 4]]) {
    const parts = partition(m, n, t);
    const cells = parts.reduce((s, [i0, i1, j0, j1]) => s + (i1 - i0) * (j1 - j0), 0);
    assert.equal(cells, m * n);
  }
});

Deno.test({
  name: "useWorkers(2): split matmuls equal the BigInt / naive references",
  ignore: !wasmKernels,
  async fn() {
    assert.equal(await useWorkers(2, { minMacs: 1 }), true);
    try {
      assert.equal(workerThreads(), 2);
      const dims = fc.record({
        m: fc.integer({ min: 1, max: 21 }),
        k: fc.integer({ min: 0, max: 30 }),
        n: fc.integer({ min: 1, max: 21 }),
      });
      fc.assert(
        fc.property(
          dims.chain((d) =>
            fc.record({ d: fc.constant(d), a: u64Array(d.m * d.k), b: u64Array(d.k * d.n) })
          ),
          ({ d, a, b }) => {
            const c = new BigUint64Array(d.m * d.n);
            const want = refMatmulU64(a, 0, b, 0, c, 0, d.m, d.k, d.n);
            wasmKernels!.matmulU64(a, 0, b, 0, c, 0, d.m, d.k, d.n);
            assert.deepEqual(Array.from(c), want);
          },
        ),
        { numRuns: 60 },
      );
      // Large enough to need more memory while the workers run; ring and float; row and column splits.
      for (const [m, k, n] of [[64, 300, 270], [5, 600, 700], [8, 1500, 1100]]) {
        const a = BigUint64Array.from(
          { length: m * k },
          (_, i) => BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n),
        );
        const b = BigUint64Array.from(
          { length: k * n },
          (_, i) => BigInt.asUintN(64, -BigInt(i) * 31337n),
        );
        const c1 = new BigUint64Array(m * n), c2 = new BigUint64Array(m * n);
        wasmKernels!.matmulU64(a, 0, b, 0, c1, 0, m, k, n);
        portableKernels.matmulU64(a, 0, b, 0, c2, 0, m, k, n);
        assert.deepEqual(c1, c2);
        const fa = Float64Array.from({ length: m * k }, (_, i) => Math.sin(i));
        const fb = Float64Array.from({ length: k * n }, (_, i) => Math.cos(i));
        const f1 = new Float64Array(m * n);
        wasmKernels!.matmulF64(fa, 0, fb, 0, f1, 0, m, k, n);
        const z = new Float64Array(m * n);
        const scale = matmulScaleF64(fa, fb, z, m, k, n);
        assert.ok(closeTo(f1, refMatmulF64(fa, fb, z, m, k, n), 1e-12, scale));
      }
      // Through the tensor API (batched, shared right operand).
      const x = RingTensor.fromBigInts(
        Array.from({ length: 3 * 8 * 5 }, (_, i) => BigInt(i) - 60n),
        [3, 8, 5],
      );
      const w = RingTensor.fromBigInts(
        Array.from({ length: 5 * 9 }, (_, i) => BigInt(i * i) - 7n),
        [5, 9],
      );
      const y = x.matmul(w);
      const fx = FloatTensor.from(Array.from(x.data, (v) => Number(BigInt.asIntN(64, v))), x.shape);
      const fw = FloatTensor.from(Array.from(w.data, (v) => Number(BigInt.asIntN(64, v))), w.shape);
      assert.deepEqual(
        Array.from(y.data, (v) => Number(BigInt.asIntN(64, v))),
        Array.from(fx.matmul(fw).data),
      );
    } finally {
      await useWorkers(1);
    }
    assert.equal(workerThreads(), 1);
  },
});

Deno.test({
  name: "useWorkers: idle workers stop by themselves and restart on demand",
  ignore: !wasmKernels,
  async fn() {
    await useWorkers(2, { idleMs: 40, minMacs: 1 });
    try {
      const [m, k, n] = [16, 8, 16];
      const a = new BigUint64Array(m * k).fill(3n), b = new BigUint64Array(k * n).fill(5n);
      const c = new BigUint64Array(m * n);
      wasmKernels!.matmulU64(a, 0, b, 0, c, 0, m, k, n);
      assert.equal(workerThreads(), 2);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(workerThreads(), 1, "workers should have stopped after idleMs");
      c.fill(0n);
      wasmKernels!.matmulU64(a, 0, b, 0, c, 0, m, k, n); // runs single-threaded, restarts workers
      assert.ok(c.every((v) => v === 120n));
      for (let i = 0; i < 100 && workerThreads() !== 2; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(workerThreads(), 2, "workers should restart");
    } finally {
      await useWorkers(1);
    }
  },
});

Deno.test("useWorkers rejects a bad thread count", async () => {
  await assert.rejects(() => useWorkers(-1), RangeError);
  await assert.rejects(() => useWorkers(1.5), RangeError);
});
