/**
 * Layout tests shared by `RingTensor` and `FloatTensor` (transpose/permute, slice, concat,
 * broadcastTo, sum, reshape), each checked against an index-by-index reference.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { fmtShape } from "../mod.ts";
import { indices, offsetOf, shapeArb, throwsNaming } from "./ref.ts";

/** The slice of tensor API the layout suite needs. */
export interface LayoutTensor<T, E> {
  readonly shape: readonly number[];
  readonly data: ArrayLike<E>;
  transpose(perm?: readonly number[]): T;
  slice(axis: number, start: number, end: number): T;
  broadcastTo(shape: readonly number[]): T;
  sum(axis: number, keepDims?: boolean): T;
  reshape(shape: readonly number[]): T;
}

/** Registers the layout tests for one tensor type. */
export function layoutSuite<T extends LayoutTensor<T, E>, E>(
  name: string,
  gen: (n: number) => fc.Arbitrary<ArrayLike<E>>,
  make: (data: ArrayLike<E>, shape: readonly number[]) => T,
  concat: (parts: T[], axis: number) => T,
  add: (x: E, y: E) => E,
  zero: E,
): void {
  const tensor = (minRank: number, maxRank: number, maxDim = 4) =>
    shapeArb(minRank, maxRank, 1, maxDim).chain((s) =>
      gen(s.reduce((a, b) => a * b, 1)).map((d) => make(d, s))
    );

  Deno.test(`${name}: transpose/permute move every element`, () => {
    const withPerm = tensor(1, 4).chain((t) =>
      fc.tuple(
        fc.constant(t),
        fc.shuffledSubarray([...t.shape.keys()], { minLength: t.shape.length }),
      )
    );
    fc.assert(
      fc.property(withPerm, ([t, perm]) => {
        const out = t.transpose(perm);
        assert.deepEqual(out.shape, perm.map((p) => t.shape[p]));
        for (const idx of indices(out.shape)) {
          const src = new Array(perm.length);
          perm.forEach((p, i) => (src[p] = idx[i]));
          assert.equal(out.data[offsetOf(idx, out.shape)], t.data[offsetOf(src, t.shape)]);
        }
      }),
    );
    fc.assert(
      fc.property(tensor(2, 4), (t) => {
        const r = t.shape.length;
        const out = t.transpose();
        assert.deepEqual(out.shape, [...t.shape.slice(0, -2), t.shape[r - 1], t.shape[r - 2]]);
        for (const idx of indices(out.shape)) {
          const src = [...idx.slice(0, -2), idx[r - 1], idx[r - 2]];
          assert.equal(out.data[offsetOf(idx, out.shape)], t.data[offsetOf(src, t.shape)]);
        }
        assert.deepEqual(Array.from(out.transpose().data), Array.from(t.data));
      }),
    );
    const t = make(Array.from({ length: 6 }, () => zero), [2, 3]);
    throwsNaming(() => t.transpose([0, 0]), "[0,0]", "[2,3]");
  });

  Deno.test(`${name}: slice along any axis, including empty ranges`, () => {
    const args = tensor(1, 4).chain((t) =>
      fc.integer({ min: 0, max: t.shape.length - 1 }).chain((ax) =>
        fc.tuple(fc.integer({ min: 0, max: t.shape[ax] }), fc.integer({ min: 0, max: t.shape[ax] }))
          .map((
            [x, y],
          ) => [t, ax, Math.min(x, y), Math.max(x, y)] as const)
      )
    );
    fc.assert(
      fc.property(args, ([t, ax, s, e]) => {
        const out = t.slice(ax, s, e);
        const shape = [...t.shape];
        shape[ax] = e - s;
        assert.deepEqual(out.shape, shape);
        for (const idx of indices(shape)) {
          const src = [...idx];
          src[ax] += s;
          assert.equal(out.data[offsetOf(idx, shape)], t.data[offsetOf(src, t.shape)]);
        }
        // Negative axes count from the end.
        assert.deepEqual(Array.from(t.slice(ax - t.shape.length, s, e).data), Array.from(out.data));
      }),
    );
    const t = make(Array.from({ length: 6 }, () => zero), [2, 3]);
    throwsNaming(() => t.slice(1, 2, 4), "2..4", "[2,3]");
    throwsNaming(() => t.slice(2, 0, 1), "axis 2");
  });

  Deno.test(`${name}: concat along any axis`, () => {
    const args = shapeArb(1, 3).chain((s) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((ax) =>
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).chain((lens) =>
          fc.tuple(
            fc.constant(ax),
            fc.tuple(
              ...lens.map((l) => {
                const sh = [...s];
                sh[ax] = l;
                return gen(sh.reduce((a, b) => a * b, 1)).map((d) => make(d, sh));
              }),
            ),
          )
        )
      )
    );
    fc.assert(
      fc.property(args, ([ax, parts]) => {
        const out = concat(parts, ax);
        assert.equal(out.shape[ax], parts.reduce((s, p) => s + p.shape[ax], 0));
        for (const idx of indices(out.shape)) {
          let i = idx[ax], pi = 0;
          while (i >= parts[pi].shape[ax]) i -= parts[pi++].shape[ax];
          const src = [...idx];
          src[ax] = i;
          assert.equal(
            out.data[offsetOf(idx, out.shape)],
            parts[pi].data[offsetOf(src, parts[pi].shape)],
          );
        }
      }),
    );
    const a = make(Array.from({ length: 6 }, () => zero), [2, 3]);
    const b = make(Array.from({ length: 8 }, () => zero), [2, 4]);
    throwsNaming(() => concat([a, b], 0), fmtShape([2, 3]), fmtShape([2, 4]));
    assert.deepEqual(concat([a, b], 1).shape, [2, 7]);
  });

  Deno.test(`${name}: broadcastTo follows NumPy rules`, () => {
    const args = shapeArb(1, 4).chain((target) =>
      fc.tuple(
        fc.constant(target),
        fc.integer({ min: 0, max: target.length }),
        fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }),
      ).chain(([tg, drop, ones]) => {
        const src = tg.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
        return gen(src.reduce((a, b) => a * b, 1)).map((d) => [make(d, src), tg] as const);
      })
    );
    fc.assert(
      fc.property(args, ([t, target]) => {
        const out = t.broadcastTo(target);
        assert.deepEqual(out.shape, target);
        const lead = target.length - t.shape.length;
        for (const idx of indices(target)) {
          const src = idx.slice(lead).map((v, i) => (t.shape[i] === 1 ? 0 : v));
          assert.equal(out.data[offsetOf(idx, target)], t.data[offsetOf(src, t.shape)]);
        }
      }),
    );
    // Blocks long enough for the set/fill paths: kept rows, broadcast rows, a broadcast middle.
    for (const [src, target] of [[[3, 1, 40], [3, 5, 40]], [[4, 1], [4, 50]], [[40], [2, 3, 40]]]) {
      fc.assert(
        fc.property(gen(src.reduce((a, b) => a * b, 1)), (d) => {
          const t = make(d, src);
          const out = t.broadcastTo(target);
          const lead = target.length - src.length;
          for (const idx of indices(target)) {
            const at = idx.slice(lead).map((v, i) => (src[i] === 1 ? 0 : v));
            assert.equal(out.data[offsetOf(idx, target)], t.data[offsetOf(at, src)]);
          }
        }),
        { numRuns: 5 },
      );
    }
    const t = make(Array.from({ length: 6 }, () => zero), [2, 3]);
    throwsNaming(() => t.broadcastTo([4, 3]), "[2,3]", "[4,3]");
    throwsNaming(() => t.broadcastTo([3]), "[2,3]", "[3]");
  });

  Deno.test(`${name}: sum along an axis (keepDims or not)`, () => {
    const args = tensor(1, 4).chain((t) =>
      fc.tuple(fc.constant(t), fc.integer({ min: 0, max: t.shape.length - 1 }), fc.boolean())
    );
    fc.assert(
      fc.property(args, ([t, ax, keep]) => {
        const out = t.sum(ax, keep);
        const kept = [...t.shape];
        kept[ax] = 1;
        assert.deepEqual(out.shape, keep ? kept : t.shape.filter((_, i) => i !== ax));
        for (const idx of indices(kept)) {
          let s = zero;
          for (let l = 0; l < t.shape[ax]; l++) {
            const src = [...idx];
            src[ax] = l;
            s = add(s, t.data[offsetOf(src, t.shape)]);
          }
          assert.equal(out.data[offsetOf(idx, kept)], s);
        }
      }),
    );
    throwsNaming(() => make([zero, zero], [2]).sum(1), "axis 1");
  });

  Deno.test(`${name}: reshape keeps the data and names both shapes on mismatch`, () => {
    const t = make(Array.from({ length: 6 }, () => zero), [2, 3]);
    assert.deepEqual(t.reshape([3, 2]).shape, [3, 2]);
    assert.equal(t.reshape([6]).data, t.data);
    throwsNaming(() => t.reshape([4, 2]), "[2,3]", "[4,2]");
  });
}
