import assert from "node:assert/strict";
import fc from "fast-check";
import { FixedPoint, FloatTensor, RingTensor } from "../mod.ts";

const FRACS = [8, 16, 24] as const;

for (const f of FRACS) {
  const fp = new FixedPoint(f);
  const ulp = 2 ** -f;

  Deno.test(`FixedPoint(f=${f}): encode → decode is within 2^-(f+1), over the whole range`, () => {
    const x = fc.oneof(
      fc.double({ min: -1000, max: 1000, noNaN: true }),
      fc.double({ min: -fp.maxAbs, max: fp.maxAbs, noNaN: true }).filter((v) =>
        Math.abs(v) < fp.maxAbs
      ),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => i * ulp), // exact grid points
    );
    fc.assert(
      fc.property(fc.array(x, { maxLength: 20 }), (xs) => {
        const enc = fp.encode(xs);
        const dec = fp.decode(enc);
        assert.deepEqual(dec.shape, [xs.length]);
        for (let i = 0; i < xs.length; i++) {
          assert.ok(Math.abs(dec.data[i] - xs[i]) <= ulp / 2, `${xs[i]} → ${dec.data[i]}`);
          // The tensor codec agrees with the scalar one, which is BigInt-based.
          assert.equal(enc.data[i], fp.encodeScalar(xs[i]));
          assert.equal(fp.decodeScalar(enc.data[i]), dec.data[i]);
        }
      }),
    );
  });

  Deno.test(`FixedPoint(f=${f}): two's complement for negatives, rounding to nearest`, () => {
    assert.equal(fp.encodeScalar(-ulp), (1n << 64n) - 1n);
    assert.equal(fp.encodeScalar(-1), BigInt.asUintN(64, -(1n << BigInt(f))));
    assert.equal(fp.encodeScalar(0.49 * ulp), 0n);
    assert.equal(fp.encodeScalar(0.51 * ulp), 1n);
    assert.equal(fp.encodeScalar(-0.51 * ulp), (1n << 64n) - 1n);
    assert.equal(fp.encodeScalar(-0.49 * ulp), 0n);
    assert.equal(fp.encodeScalar(3 * ulp + 0.6 * ulp), 4n);
    assert.equal(fp.encodeScalar(-3 * ulp - 0.6 * ulp), BigInt.asUintN(64, -4n));
    const t = fp.encode(FloatTensor.from([-2.5, 0, 1.25, -0.75], [2, 2]));
    assert.deepEqual(t.shape, [2, 2]);
    assert.deepEqual(Array.from(fp.decode(t).data), [-2.5, 0, 1.25, -0.75]);
    // Largest magnitudes just inside the range.
    const big = fp.maxAbs - fp.maxAbs * 2 ** -52;
    assert.equal(fp.decodeScalar(fp.encodeScalar(big)), big);
    assert.equal(fp.decodeScalar(fp.encodeScalar(-big)), -big);
    assert.equal(fp.decode(fp.encode([big, -big])).data[1], -big);
  });

  Deno.test(`FixedPoint(f=${f}): RangeError naming the value for NaN, ±Infinity, out of range`, () => {
    for (const bad of [NaN, Infinity, -Infinity, fp.maxAbs, -fp.maxAbs, 2 * fp.maxAbs, -1e300]) {
      for (const call of [() => fp.encodeScalar(bad), () => fp.encode([0, bad, 1])]) {
        assert.throws(
          call,
          (e: unknown) => e instanceof RangeError && e.message.includes(String(bad)),
        );
      }
    }
  });
}

Deno.test("FixedPoint: products carry 2f bits; sar(f) rescales (the mod.ts example)", () => {
  const fp = new FixedPoint(16);
  const a = fp.encode(FloatTensor.from([1.5, -2, 0.25, 3], [2, 2]));
  const b = fp.encode(FloatTensor.from([2, 0, 1, -1], [2, 2]));
  const c = a.matmul(b).sar(16);
  assert.deepEqual(Array.from(fp.decode(c).data), [1, 2, 3.5, -3]);
  assert.deepEqual(Array.from(fp.decode(a.mul(b).sar(16)).data), [3, 0, 0.25, -3]);
});

Deno.test("FixedPoint: bad fracBits and shape mismatches are rejected", () => {
  for (const bad of [7, 25, 16.5, NaN]) assert.throws(() => new FixedPoint(bad), RangeError);
  assert.throws(() => new FixedPoint().encode([1, 2, 3], [2, 2]), RangeError);
  assert.equal(new FixedPoint().fracBits, 16);
  assert.ok(new FixedPoint(8).decode(RingTensor.zeros([0])).size === 0);
});
