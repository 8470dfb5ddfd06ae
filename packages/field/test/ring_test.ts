import assert from "node:assert/strict";
import fc from "fast-check";
import { type Kernels, portableKernels, RingTensor, setKernels, wasmKernels } from "../mod.ts";
import { layoutSuite } from "./layout_suite.ts";
import { EDGE_U64, refMatmulU64, shapeArb, throwsNaming, TWO64, u64, u64Array } from "./ref.ts";

const ring = (shapeMin = 0, shapeMax = 3) =>
  shapeArb(shapeMin, shapeMax, 0, 5).chain((s) =>
    u64Array(s.reduce((a, b) => a * b, 1)).map((d) => new RingTensor(d, s))
  );
const samePair = ring().chain((t) =>
  u64Array(t.size).map((d) => [t, new RingTensor(d, t.shape)] as const)
);

/** Runs `f` with kernel set `k` active. */
function withKernels(k: Kernels, f: () => void): void {
  const prev = setKernels(k);
  try {
    f();
  } finally {
    setKernels(prev);
  }
}

const KERNEL_SETS = [portableKernels, ...(wasmKernels ? [wasmKernels] : [])];

for (const K of KERNEL_SETS) {
  Deno.test(`RingTensor (${K.name}): add/sub/mul/neg/mulScalar/addScalar equal BigInt mod 2^64`, () => {
    withKernels(K, () => {
      fc.assert(
        fc.property(
          samePair,
          fc.oneof(u64, fc.bigInt({ min: -(1n << 66n), max: 1n << 66n })),
          ([x, y], s) => {
            const checks: [RingTensor, (a: bigint, b: bigint) => bigint][] = [
              [x.add(y), (a, b) => a + b],
              [x.sub(y), (a, b) => a - b],
              [x.mul(y), (a, b) => a * b],
              [x.neg(), (a) => -a],
              [x.mulScalar(s), (a) => a * s],
              [x.addScalar(s), (a) => a + s],
            ];
            for (const [got, ref] of checks) {
              assert.deepEqual(got.shape, x.shape);
              for (let i = 0; i < x.size; i++) {
                assert.equal(got.data[i], BigInt.asUintN(64, ref(x.data[i], y.data[i])));
              }
            }
          },
        ),
      );
    });
  });

  Deno.test(`RingTensor (${K.name}): matmul, 2-D and batched ([b,m,k]@[k,n], [b,m,k]@[b,k,n])`, () => {
    withKernels(K, () => {
      const dims = fc.record({
        batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        m: fc.integer({ min: 0, max: 7 }),
        k: fc.integer({ min: 0, max: 7 }),
        n: fc.integer({ min: 0, max: 7 }),
        bBatched: fc.boolean(),
      });
      fc.assert(
        fc.property(
          dims.chain((d) => {
            const bs = d.batch.reduce((a, b) => a * b, 1);
            return fc.record({
              d: fc.constant(d),
              a: u64Array(bs * d.m * d.k),
              b: u64Array((d.bBatched ? bs : 1) * d.k * d.n),
            });
          }),
          ({ d, a, b }) => {
            const bs = d.batch.reduce((p, q) => p * q, 1);
            const x = new RingTensor(a, [...d.batch, d.m, d.k]);
            const w = new RingTensor(b, d.bBatched ? [...d.batch, d.k, d.n] : [d.k, d.n]);
            const y = x.matmul(w);
            assert.deepEqual(y.shape, [...d.batch, d.m, d.n]);
            const want: bigint[] = [];
            for (let i = 0; i < bs; i++) {
              const c = new Array<bigint>(d.m * d.n).fill(0n);
              want.push(
                ...refMatmulU64(
                  a,
                  i * d.m * d.k,
                  b,
                  d.bBatched ? i * d.k * d.n : 0,
                  c,
                  0,
                  d.m,
                  d.k,
                  d.n,
                ),
              );
            }
            assert.deepEqual(Array.from(y.data), want);
          },
        ),
      );
      const x = RingTensor.zeros([2, 3, 4]);
      throwsNaming(() => x.matmul(RingTensor.zeros([5, 6])), "[2,3,4]", "[5,6]");
      throwsNaming(() => x.matmul(RingTensor.zeros([3, 4, 6])), "[2,3,4]", "[3,4,6]");
      throwsNaming(() => RingTensor.zeros([4]).matmul(RingTensor.zeros([4, 1])), "[4]", "[4,1]");
    });
  });
}

Deno.test("RingTensor: elementwise shape mismatches name both shapes", () => {
  const a = RingTensor.zeros([2, 3]), b = RingTensor.zeros([3, 2]);
  for (const op of ["add", "sub", "mul"] as const) {
    throwsNaming(() => a[op](b), op, "[2,3]", "[3,2]");
  }
  throwsNaming(() => new RingTensor(new BigUint64Array(5), [2, 3]), "5", "[2,3]");
});

Deno.test("RingTensor: shr, sar (negative values), shl for k in 0..63", () => {
  const ks = fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constantFrom(0, 1, 31, 32, 33, 63));
  fc.assert(
    fc.property(ring(1, 2), ks, (x, k) => {
      const K = BigInt(k);
      const shr = x.shr(k), sar = x.sar(k), shl = x.shl(k);
      for (let i = 0; i < x.size; i++) {
        const v = x.data[i];
        assert.equal(shr.data[i], v >> K);
        assert.equal(sar.data[i], BigInt.asUintN(64, BigInt.asIntN(64, v) >> K));
        assert.equal(shl.data[i], BigInt.asUintN(64, v << K));
      }
    }),
  );
  // A tensor viewing the middle of a larger buffer (non-zero byteOffset) shifts only its own words.
  const buf = BigUint64Array.from([1n, 0xfedcba9876543210n, 0x8000000000000001n, 7n]);
  const view = new RingTensor(buf.subarray(1, 3), [2]);
  assert.deepEqual(Array.from(view.shr(4).data), [0x0fedcba987654321n, 0x0800000000000000n]);
  assert.deepEqual(Array.from(view.sar(36).data), [0xffffffffffedcba9n, 0xfffffffff8000000n]);
  // Arithmetic shift of negative values rounds towards −∞.
  const neg = RingTensor.fromBigInts([-1n, -2n, -3n, -(1n << 62n), -(1n << 63n)], [5]);
  assert.deepEqual(Array.from(neg.sar(1).data, (v) => BigInt.asIntN(64, v)), [
    -1n,
    -1n,
    -2n,
    -(1n << 61n),
    -(1n << 62n),
  ]);
  assert.deepEqual(Array.from(neg.sar(63).data, (v) => BigInt.asIntN(64, v)), [
    -1n,
    -1n,
    -1n,
    -1n,
    -1n,
  ]);
  assert.deepEqual(Array.from(neg.shr(63).data), [1n, 1n, 1n, 1n, 1n]);
  for (const bad of [-1, 64, 1.5, NaN]) {
    assert.throws(() => neg.shr(bad), RangeError);
    assert.throws(() => neg.sar(bad), RangeError);
    assert.throws(() => neg.shl(bad), RangeError);
  }
});

Deno.test("RingTensor: mod2k keeps the low k bits (k = 0, 1, 31, 32, 33, 63, 64, any)", () => {
  const ks = fc.oneof(fc.constantFrom(0, 1, 31, 32, 33, 63, 64), fc.integer({ min: 0, max: 64 }));
  fc.assert(
    fc.property(ring(1, 2), ks, (x, k) => {
      const y = x.mod2k(k);
      for (let i = 0; i < x.size; i++) assert.equal(y.data[i], BigInt.asUintN(k, x.data[i]));
    }),
  );
  const e = RingTensor.fromBigInts([...EDGE_U64], [EDGE_U64.length]);
  for (const k of [0, 1, 31, 32, 33, 63, 64]) {
    assert.deepEqual(
      Array.from(e.mod2k(k).data),
      EDGE_U64.map((v) => BigInt.asUintN(k, v)),
      `k=${k}`,
    );
  }
  for (const bad of [-1, 65, 2.5]) assert.throws(() => e.mod2k(bad), RangeError);
});

Deno.test("RingTensor: constructors, bytes, equality", () => {
  const t = RingTensor.fromBigInts([-1n, 1n << 64n, (1n << 64n) + 5n, 7n], [2, 2]);
  assert.deepEqual(Array.from(t.data), [TWO64 - 1n, 0n, 5n, 7n]);
  const bytes = t.toBytes();
  assert.equal(bytes.length, 32);
  assert.ok(RingTensor.fromBytes(bytes, [2, 2]).equals(t));
  const unaligned = new Uint8Array(33).subarray(1);
  unaligned.set(bytes);
  assert.ok(RingTensor.fromBytes(unaligned, [4]).reshape([2, 2]).equals(t));
  throwsNaming(() => RingTensor.fromBytes(bytes, [3]), "32 bytes", "[3]");
  assert.ok(!t.equals(t.reshape([4])));
  assert.ok(!t.equals(t.addScalar(1n)));
  const c = t.clone();
  c.data[0] = 0n;
  assert.equal(t.data[0], TWO64 - 1n);
  assert.equal(RingTensor.zeros([]).size, 1);
  assert.throws(() => RingTensor.zeros([2, -1]), RangeError);
});

layoutSuite(
  "RingTensor",
  (n) => u64Array(n),
  (d, s) => new RingTensor(BigUint64Array.from(d), s),
  (parts, ax) => RingTensor.concat(parts, ax),
  (x, y) => BigInt.asUintN(64, x + y),
  0n,
);
