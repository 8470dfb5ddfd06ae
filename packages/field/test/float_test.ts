import assert from "node:assert/strict";
import fc from "fast-check";
import { FloatTensor, type Kernels, portableKernels, setKernels, wasmKernels } from "../mod.ts";
import { layoutSuite } from "./layout_suite.ts";
import {
  closeTo,
  f64Array,
  indices,
  matmulScaleF64,
  offsetOf,
  refMatmulF64,
  shapeArb,
  throwsNaming,
} from "./ref.ts";

const float = (minRank = 0, maxRank = 3) =>
  shapeArb(minRank, maxRank, 0, 5).chain((s) =>
    f64Array(s.reduce((a, b) => a * b, 1)).map((d) => new FloatTensor(d, s))
  );

function withKernels(k: Kernels, f: () => void): void {
  const prev = setKernels(k);
  try {
    f();
  } finally {
    setKernels(prev);
  }
}

for (const K of [portableKernels, ...(wasmKernels ? [wasmKernels] : [])]) {
  Deno.test(`FloatTensor (${K.name}): add/sub/mul on equal shapes, scalars, neg`, () => {
    withKernels(K, () => {
      const pair = float().chain((t) =>
        f64Array(t.size).map((d) => [t, new FloatTensor(d, t.shape)] as const)
      );
      fc.assert(
        fc.property(pair, fc.double({ min: -10, max: 10, noNaN: true }), ([x, y], s) => {
          const checks: [FloatTensor, (a: number, b: number) => number][] = [
            [x.add(y), (a, b) => a + b],
            [x.sub(y), (a, b) => a - b],
            [x.mul(y), (a, b) => a * b],
            [x.add(s), (a) => a + s],
            [x.mul(s), (a) => a * s],
            [x.neg(), (a) => -a],
            [x.map((a) => a * a), (a) => a * a],
          ];
          for (const [got, ref] of checks) {
            assert.deepEqual(got.shape, x.shape);
            for (let i = 0; i < x.size; i++) assert.equal(got.data[i], ref(x.data[i], y.data[i]));
          }
        }),
      );
    });
  });

  Deno.test(`FloatTensor (${K.name}): matmul 2-D and batched within 1e-12 of a naive loop`, () => {
    withKernels(K, () => {
      const dims = fc.record({
        batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        m: fc.integer({ min: 0, max: 9 }),
        k: fc.integer({ min: 0, max: 9 }),
        n: fc.integer({ min: 0, max: 9 }),
        bBatched: fc.boolean(),
      });
      fc.assert(
        fc.property(
          dims.chain((d) => {
            const bs = d.batch.reduce((a, b) => a * b, 1);
            return fc.record({
              d: fc.constant(d),
              a: f64Array(bs * d.m * d.k),
              b: f64Array((d.bBatched ? bs : 1) * d.k * d.n),
            });
          }),
          ({ d, a, b }) => {
            const bs = d.batch.reduce((p, q) => p * q, 1);
            const y = new FloatTensor(a, [...d.batch, d.m, d.k]).matmul(
              new FloatTensor(b, d.bBatched ? [...d.batch, d.k, d.n] : [d.k, d.n]),
            );
            assert.deepEqual(y.shape, [...d.batch, d.m, d.n]);
            const want: number[] = [], scale: number[] = [];
            for (let i = 0; i < bs; i++) {
              const ai = a.subarray(i * d.m * d.k), bi = d.bBatched ? b.subarray(i * d.k * d.n) : b;
              const z = new Float64Array(d.m * d.n);
              want.push(...refMatmulF64(ai, bi, z, d.m, d.k, d.n));
              scale.push(...matmulScaleF64(ai, bi, z, d.m, d.k, d.n));
            }
            assert.ok(closeTo(y.data, want, 1e-12, scale));
          },
        ),
      );
      throwsNaming(
        () => FloatTensor.zeros([2, 3]).matmul(FloatTensor.zeros([2, 3])),
        "[2,3] @ [2,3]",
      );
    });
  });
}

Deno.test("FloatTensor: broadcasting add/sub/mul follow NumPy rules; mismatches name both shapes", () => {
  const args = shapeArb(1, 3, 1, 4).chain((target) =>
    fc.tuple(
      fc.integer({ min: 0, max: target.length }),
      fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }),
    ).chain(([drop, ones]) => {
      const src = target.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return fc.tuple(
        f64Array(target.reduce((a, b) => a * b, 1)).map((d) => new FloatTensor(d, target)),
        f64Array(src.reduce((a, b) => a * b, 1)).map((d) => new FloatTensor(d, src)),
      );
    })
  );
  fc.assert(
    fc.property(args, ([x, y]) => {
      const lead = x.shape.length - y.shape.length;
      for (
        const [got, f] of [[x.add(y), (a: number, b: number) => a + b], [
          y.sub(x),
          (a: number, b: number) => b - a,
        ], [x.mul(y), (a: number, b: number) => a * b]] as const
      ) {
        assert.deepEqual(got.shape, x.shape);
        for (const idx of indices(x.shape)) {
          const yi = idx.slice(lead).map((v, i) => (y.shape[i] === 1 ? 0 : v));
          assert.equal(
            got.data[offsetOf(idx, x.shape)],
            f(x.data[offsetOf(idx, x.shape)], y.data[offsetOf(yi, y.shape)]),
          );
        }
      }
    }),
  );
  const a = FloatTensor.zeros([2, 3]), b = FloatTensor.zeros([4, 3]);
  throwsNaming(() => a.add(b), "add", "[2,3]", "[4,3]");
  throwsNaming(() => a.mul(FloatTensor.zeros([2])), "mul", "[2,3]", "[2]");
  throwsNaming(() => a.maxAbsDiff(b), "[2,3]", "[4,3]");
  throwsNaming(() => new FloatTensor(new Float64Array(5), [2, 3]), "5", "[2,3]");
});

Deno.test("FloatTensor: maxAbsDiff, clone, from", () => {
  const x = FloatTensor.from([1, -2, 3.5], [3]);
  assert.equal(x.maxAbsDiff(FloatTensor.from([1, -2.5, 4])), 0.5);
  const c = x.clone();
  c.data[0] = 9;
  assert.equal(x.data[0], 1);
  assert.deepEqual(new FloatTensor(new Float64Array(4)).shape, [4]);
});

layoutSuite(
  "FloatTensor",
  (n) => f64Array(n),
  (d, s) => new FloatTensor(Float64Array.from(d), s),
  (parts, ax) => FloatTensor.concat(parts, ax),
  (x, y) => x + y,
  0,
);
