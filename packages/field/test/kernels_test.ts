import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type Kernels,
  kernels,
  portableKernels,
  wasmAllKernels,
  wasmKernels,
  wasmSupported,
} from "../mod.ts";
import {
  closeTo,
  f64Array,
  matmulScaleF64,
  refMatmulF64,
  refMatmulU64,
  u64,
  u64Array,
} from "./ref.ts";

const IMPLS: Kernels[] = [
  portableKernels,
  ...(wasmKernels ? [wasmKernels] : []),
  ...(wasmAllKernels ? [wasmAllKernels] : []),
];

Deno.test("wasm kernels are supported here and active by default", () => {
  assert.ok(wasmSupported());
  assert.equal(kernels().name, "wasm");
  assert.equal(wasmKernels?.name, "wasm");
  assert.equal(wasmAllKernels?.name, "wasm-all");
});

/** Two arrays of one length 0..40 (odd lengths included). */
const pair = fc.integer({ min: 0, max: 40 }).chain((n) => fc.tuple(u64Array(n), u64Array(n)));

for (const K of IMPLS) {
  Deno.test(`${K.name}: addU64/subU64/mulU64 equal BigInt mod 2^64`, () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const n = a.length;
        const ops = [
          [K.addU64, (x: bigint, y: bigint) => BigInt.asUintN(64, x + y)],
          [K.subU64, (x: bigint, y: bigint) => BigInt.asUintN(64, x - y)],
          [K.mulU64, (x: bigint, y: bigint) => BigInt.asUintN(64, x * y)],
        ] as const;
        for (const [kern, ref] of ops) {
          const out = new BigUint64Array(n);
          kern(a, b, out);
          for (let i = 0; i < n; i++) assert.equal(out[i], ref(a[i], b[i]));
        }
      }),
    );
  });

  Deno.test(`${K.name}: scaleU64 equals BigInt mod 2^64 (any bigint scalar)`, () => {
    const scalar = fc.oneof(u64, fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 33 }).chain(u64Array), scalar, (a, s) => {
        const out = new BigUint64Array(a.length);
        K.scaleU64(a, s, out);
        for (let i = 0; i < a.length; i++) assert.equal(out[i], BigInt.asUintN(64, a[i] * s));
      }),
    );
  });

  Deno.test(`${K.name}: truncPairU64 equals its BigInt definition (every bits, both parties)`, () => {
    // msb is a share of a bit: any ring value here (the formula is linear in it).
    const triple = fc.integer({ min: 0, max: 37 }).chain((n) =>
      fc.tuple(u64Array(n), u64Array(n), u64Array(n))
    );
    fc.assert(
      fc.property(
        triple,
        fc.integer({ min: 1, max: 62 }),
        fc.boolean(),
        ([c, m, l], bits, first) => {
          const out = new BigUint64Array(c.length);
          K.truncPairU64(c, m, l, out, bits, first);
          const f = first ? 1n : 0n, b = BigInt(bits);
          for (let i = 0; i < c.length; i++) {
            const w = c[i] >> 63n ? f - m[i] : m[i];
            const pub = f * ((c[i] & ((1n << 63n) - 1n)) >> b) - f * (1n << (62n - b));
            assert.equal(out[i], BigInt.asUintN(64, (w << (63n - b)) - l[i] + pub), `entry ${i}`);
          }
        },
      ),
    );
  });

  Deno.test(`${K.name}: truncPairU64 refuses bits outside [1, 62] and short operands`, () => {
    const a = new BigUint64Array(4), out = new BigUint64Array(4);
    for (const bits of [0, 63, 1.5]) {
      assert.throws(() => K.truncPairU64(a, a, a, out, bits, true), /bits must be an integer/);
    }
    assert.throws(
      () => K.truncPairU64(a, a, new BigUint64Array(3), out, 16, false),
      /operands of 4, 4, 3 elements for 4/,
    );
  });

  Deno.test(`${K.name}: addF64/subF64/mulF64 equal the float64 operators`, () => {
    const fpair = fc.integer({ min: 0, max: 33 }).chain((n) => fc.tuple(f64Array(n), f64Array(n)));
    fc.assert(
      fc.property(fpair, ([a, b]) => {
        const out = new Float64Array(a.length);
        K.addF64(a, b, out);
        assert.deepEqual(out, a.map((x, i) => x + b[i]));
        K.subF64(a, b, out);
        assert.deepEqual(out, a.map((x, i) => x - b[i]));
        K.mulF64(a, b, out);
        assert.deepEqual(out, a.map((x, i) => x * b[i]));
      }),
    );
  });

  /** m, k, n in 0..max, offsets 0..3 and random initial c. */
  const mm = (max: number) =>
    fc
      .record({
        m: fc.integer({ min: 0, max }),
        k: fc.integer({ min: 0, max }),
        n: fc.integer({ min: 0, max }),
        aOff: fc.integer({ min: 0, max: 3 }),
        bOff: fc.integer({ min: 0, max: 3 }),
        cOff: fc.integer({ min: 0, max: 3 }),
      })
      .chain((d) =>
        fc.record({
          d: fc.constant(d),
          a: u64Array(d.aOff + d.m * d.k),
          b: u64Array(d.bOff + d.k * d.n),
          c: u64Array(d.cOff + d.m * d.n + 1),
        })
      );

  Deno.test(`${K.name}: matmulU64 equals the BigInt reference (odd, tiny, empty shapes, offsets)`, () => {
    fc.assert(
      fc.property(mm(13), ({ d, a, b, c }) => {
        const want = refMatmulU64(a, d.aOff, b, d.bOff, c, d.cOff, d.m, d.k, d.n);
        const got = c.slice(); // keep the generated value intact for counterexample reports
        K.matmulU64(a, d.aOff, b, d.bOff, got, d.cOff, d.m, d.k, d.n);
        assert.deepEqual(Array.from(got), want);
      }),
      { numRuns: 150 },
    );
  });

  Deno.test(`${K.name}: matmulU64 on vectors (1×n, n×1, k=1) and all-(2^64−1) operands`, () => {
    for (const [m, k, n] of [[1, 7, 1], [1, 1, 9], [9, 1, 1], [7, 1, 7], [1, 9, 8], [8, 9, 1]]) {
      for (const fillv of [(1n << 64n) - 1n, 1n << 63n]) {
        const a = new BigUint64Array(m * k).fill(fillv);
        const b = new BigUint64Array(k * n).fill(fillv);
        const c = new BigUint64Array(m * n).fill(fillv);
        const want = refMatmulU64(a, 0, b, 0, c, 0, m, k, n);
        K.matmulU64(a, 0, b, 0, c, 0, m, k, n);
        assert.deepEqual(Array.from(c), want, `${m}×${k}×${n}`);
      }
    }
  });

  Deno.test(`${K.name}: matmulU64 across cache blocks (k > 256, n > 256)`, () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 6 }),
          k: fc.constantFrom(257, 300),
          n: fc.constantFrom(255, 261),
        })
          .chain((d) =>
            fc.record({ d: fc.constant(d), a: u64Array(d.m * d.k), b: u64Array(d.k * d.n) })
          ),
        ({ d, a, b }) => {
          const c = new BigUint64Array(d.m * d.n);
          const want = refMatmulU64(a, 0, b, 0, c, 0, d.m, d.k, d.n);
          K.matmulU64(a, 0, b, 0, c, 0, d.m, d.k, d.n);
          assert.deepEqual(Array.from(c), want);
        },
      ),
      // No shrinking: shrinking 300×261 arrays against a BigInt reference takes minutes.
      { numRuns: 3, endOnFailure: true },
    );
  });

  Deno.test(`${K.name}: matmulF64 equals a naive triple loop within 1e-12 (relative)`, () => {
    const fmm = fc
      .record({
        m: fc.integer({ min: 0, max: 13 }),
        k: fc.integer({ min: 0, max: 40 }),
        n: fc.integer({ min: 0, max: 13 }),
      })
      .chain((d) =>
        fc.record({
          d: fc.constant(d),
          a: f64Array(d.m * d.k),
          b: f64Array(d.k * d.n),
          c: f64Array(d.m * d.n),
        })
      );
    fc.assert(
      fc.property(fmm, ({ d, a, b, c }) => {
        const want = refMatmulF64(a, b, c, d.m, d.k, d.n);
        const scale = matmulScaleF64(a, b, c, d.m, d.k, d.n);
        const got = c.slice();
        K.matmulF64(a, 0, b, 0, got, 0, d.m, d.k, d.n);
        assert.ok(closeTo(got, want, 1e-12, scale), `${d.m}×${d.k}×${d.n}`);
      }),
      // Shrinking hundreds of doubles is slow; the dimensions are in the message.
      { numRuns: 150, endOnFailure: true },
    );
    // Across cache blocks, with offsets.
    const [m, k, n] = [7, 300, 261];
    const a = Float64Array.from({ length: 2 + m * k }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: 1 + k * n }, (_, i) => Math.cos(i));
    const c = new Float64Array(3 + m * n);
    K.matmulF64(a, 2, b, 1, c, 3, m, k, n);
    const [a2, b1, z] = [a.subarray(2), b.subarray(1), new Float64Array(m * n)];
    const scale = matmulScaleF64(a2, b1, z, m, k, n);
    assert.ok(closeTo(c.subarray(3), refMatmulF64(a2, b1, z, m, k, n), 1e-12, scale));
    assert.deepEqual(Array.from(c.subarray(0, 3)), [0, 0, 0]);
  });

  Deno.test(`${K.name}: matmul rejects sub-matrices outside their arrays`, () => {
    const a = new BigUint64Array(6), b = new BigUint64Array(6), c = new BigUint64Array(4);
    assert.throws(() => K.matmulU64(a, 1, b, 0, c, 0, 2, 3, 2), RangeError);
    assert.throws(() => K.matmulU64(a, 0, b, 0, c, 1, 2, 3, 2), RangeError);
    assert.throws(
      () =>
        K.matmulF64(
          new Float64Array(5),
          0,
          new Float64Array(6),
          0,
          new Float64Array(4),
          0,
          2,
          3,
          2,
        ),
      RangeError,
    );
  });
}

Deno.test("wasm kernels: a matmul larger than the initial memory grows it and stays exact", () => {
  if (!wasmKernels) return;
  const [m, k, n] = [40, 700, 520]; // ~2.6 MiB of b, beyond the 4 MiB initial memory with a and c
  const a = BigUint64Array.from(
    { length: m * k },
    (_, i) => BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n),
  );
  const b = BigUint64Array.from(
    { length: k * n },
    (_, i) => BigInt.asUintN(64, BigInt(i + 7) * 0xbf58476d1ce4e5b9n),
  );
  const c1 = new BigUint64Array(m * n), c2 = new BigUint64Array(m * n);
  wasmKernels.matmulU64(a, 0, b, 0, c1, 0, m, k, n);
  portableKernels.matmulU64(a, 0, b, 0, c2, 0, m, k, n);
  assert.deepEqual(c1, c2);
});

Deno.test("wasm matmulF64 equals the portable kernel exactly (same summation order, no FMA)", () => {
  const W = wasmKernels;
  if (!W) return;
  const fmm = fc
    .record({
      m: fc.integer({ min: 0, max: 13 }),
      k: fc.integer({ min: 0, max: 300 }),
      n: fc.integer({ min: 0, max: 13 }),
    })
    .chain((d) =>
      fc.record({
        d: fc.constant(d),
        a: f64Array(d.m * d.k),
        b: f64Array(d.k * d.n),
        c: f64Array(d.m * d.n),
      })
    );
  fc.assert(
    fc.property(fmm, ({ d, a, b, c }) => {
      const w = c.slice(), p = c.slice();
      W.matmulF64(a, 0, b, 0, w, 0, d.m, d.k, d.n);
      portableKernels.matmulF64(a, 0, b, 0, p, 0, d.m, d.k, d.n);
      // `===`: the portable loop skips zero a-entries, which can only change the sign of a zero.
      assert.ok(w.every((v, i) => v === p[i]), `${d.m}×${d.k}×${d.n}`);
    }),
    { numRuns: 60, endOnFailure: true },
  );
});
