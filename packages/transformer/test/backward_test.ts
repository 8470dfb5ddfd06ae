/**
 * The secure backward pass: float64 reference vs finite differences; every backward op and the
 * whole RoBERTa-style layer on plain / 2pc / 3pc against the float64 analytic backward with
 * stated bounds; closed-form costs equal to the ledger.
 */
import assert from "node:assert/strict";
import { comparable, inputFrom, measure, SECURE, testData } from "../../protocols/test/helpers.ts";
import { FloatTensor } from "@secp/field";
import { costOf, softmaxAttentionReference } from "@secp/protocols";
import {
  type BackendKind,
  type Cost,
  runLocal,
  type SecretBackend,
  type Shared,
} from "@secp/sharing";
import {
  randomRobertaLayerWeights,
  type RobertaLayerConfig,
  robertaLayerForward,
  robertaLayerForwardPlan,
  type RobertaLayerWeights,
  shareRobertaLayer,
} from "../mod.ts";
import {
  adamInit,
  adamPlan,
  adamReference,
  adamStep,
  crossEntropyGrad,
  crossEntropyGradPlan,
  denseBackward,
  denseBackwardPlan,
  GELU_GRAD_MAX_ABS,
  geluTrain,
  geluTrainPlan,
  layerNormBackward,
  layerNormBackwardPlan,
  layerNormTrain,
  layerNormTrainPlan,
  prepareDense,
  prepareRobertaLayer,
  prepareRobertaLayerPlan,
  robertaLayerBackward,
  robertaLayerBackwardPlan,
  robertaLayerTrainForward,
  robertaLayerTrainForwardPlan,
  softmaxAttentionBackward,
  softmaxAttentionBackwardPlan,
  softmaxAttentionTrain,
  softmaxAttentionTrainPlan,
} from "../baselines/mod.ts";
import {
  attentionBackRef,
  attentionRef,
  geluGradExact,
  geluRef,
  layerNormBackRef,
  layerNormRef,
  robertaLayerRef,
} from "../baselines/reference.ts";

const KINDS: BackendKind[] = ["plain", "2pc", "3pc"];

const T = (v: Float64Array, shape: number[]) => new FloatTensor(v, shape);

/** Runs `prog` and returns the data owner's revealed outputs. */
async function run(
  kind: BackendKind,
  prog: (be: SecretBackend) => Promise<Shared[]>,
): Promise<Float64Array[]> {
  const { results, roles } = await runLocal(kind, async (be) => {
    const outs = await prog(be);
    const r: Float64Array[] = [];
    for (const o of outs) {
      const v = await be.reveal(o, "dataOwner");
      if (v) r.push(v.data);
    }
    return r;
  }, { insecureSeed: "backward-tests" });
  return results.get(roles.dataOwner)!;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

const TINY: RobertaLayerConfig = { hidden: 8, heads: 2, ffn: 16, eps: 1e-5 };

Deno.test("float64 reference backward of the layer matches central finite differences", () => {
  const c: RobertaLayerConfig = { hidden: 4, heads: 2, ffn: 8, eps: 1e-5 };
  const w = randomRobertaLayerWeights(c, 3, 0.5);
  const B = 1, S = 3, N = B * S;
  const x = testData(N * c.hidden, 1, 5);
  const R = testData(N * c.hidden, 1, 6);
  const loss = (ww: RobertaLayerWeights, xx: Float64Array) =>
    robertaLayerRef(ww, c, xx, B, S).y.reduce((a, y, i) => a + y * R[i], 0);
  const { dx, grads } = robertaLayerRef(w, c, x, B, S, R);
  const h = 1e-5;
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice(), xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    const fd = (loss(w, xp) - loss(w, xm)) / (2 * h);
    assert.ok(Math.abs(fd - dx![i]) < 1e-6, `dx[${i}]: fd ${fd} vs ${dx![i]}`);
  }
  for (const name of Object.keys(w) as (keyof RobertaLayerWeights)[]) {
    for (const i of [0, 1, w[name].length - 1]) {
      const wp = { ...w, [name]: w[name].slice() }, wm = { ...w, [name]: w[name].slice() };
      wp[name][i] += h;
      wm[name][i] -= h;
      const fd = (loss(wp, x) - loss(wm, x)) / (2 * h);
      assert.ok(
        Math.abs(fd - grads![name][i]) < 1e-6,
        `${name}[${i}]: fd ${fd} vs ${grads![name][i]}`,
      );
    }
  }
});

for (const kind of KINDS) {
  Deno.test(`${kind}: GELU and GELU′ in one pass within their bounds`, async () => {
    const xs = Float64Array.from({ length: 161 }, (_, i) => -8 + i / 10);
    const [y, dy] = await run(kind, async (be) => {
      const x = await inputFrom(be, "dataOwner", T(xs, [xs.length]));
      const r = await geluTrain(be, x);
      return [r.y, r.dy];
    });
    assert.ok(maxDiff(y, xs.map(geluRef)) < 2.2e-2, `gelu ${maxDiff(y, xs.map(geluRef))}`);
    const e = maxDiff(dy, xs.map(geluGradExact));
    assert.ok(e < GELU_GRAD_MAX_ABS, `gelu' ${e}`);
  });

  Deno.test(`${kind}: LayerNorm training forward and backward vs float64 (abs 2e-3)`, async () => {
    const rows = 4, d = 16;
    const x = testData(rows * d, 3, 11).map((v, i) => v + (i % 5) - 2);
    const g = testData(d, 0.5, 12).map((v) => v + 1), b = testData(d, 0.5, 13);
    const dyv = testData(rows * d, 1, 14);
    const [y, dx, dg, db] = await run(kind, async (be) => {
      const xs = await inputFrom(be, "dataOwner", T(x, [rows, d]));
      const gs = await inputFrom(be, "modelOwner", T(g, [d])),
        bs = await inputFrom(be, "modelOwner", T(b, [d]));
      const dys = await inputFrom(be, "dataOwner", T(dyv, [rows, d]));
      const f = await layerNormTrain(be, xs, gs, bs);
      const r = await layerNormBackward(be, dys, f.cache);
      return [f.y, r.dx, r.dgamma, r.dbeta];
    });
    const ref = layerNormRef(x, rows, d, g, b, 1e-5);
    const bk = layerNormBackRef(dyv, ref.xhat, ref.r, g, rows, d);
    assert.ok(maxDiff(y, ref.y) < 2e-3, `y ${maxDiff(y, ref.y)}`);
    assert.ok(maxDiff(dx, bk.dx) < 2e-3, `dx ${maxDiff(dx, bk.dx)}`);
    assert.ok(maxDiff(dg, bk.dg) < 2e-3, `dγ ${maxDiff(dg, bk.dg)}`);
    assert.ok(maxDiff(db, bk.db) < 1e-3, `dβ ${maxDiff(db, bk.db)}`);
  });

  Deno.test(`${kind}: softmax attention training forward and backward vs float64 (abs 1.2e-2)`, async () => {
    const sh = [1, 2, 6, 4];
    const n = 48;
    const [q, k, v, dO] = [21, 22, 23, 24].map((s) => testData(n, 1.5, s));
    const [o, dq, dk, dv] = await run(kind, async (be) => {
      const xs: Shared[] = [];
      for (const a of [q, k, v, dO]) xs.push(await inputFrom(be, "dataOwner", T(a, sh)));
      const f = await softmaxAttentionTrain(be, xs[0], xs[1], xs[2]);
      const g = await softmaxAttentionBackward(be, xs[3], f.cache);
      return [f.out, g.dq, g.dk, g.dv];
    });
    const scale = 0.5;
    const ref = attentionRef(q, k, v, 2, 6, 4, scale);
    const fwd = softmaxAttentionReference(T(q, sh), T(k, sh), T(v, sh));
    assert.ok(maxDiff(ref.o, fwd.data) < 1e-12);
    const bk = attentionBackRef(dO, q, k, v, ref.p, 2, 6, 4, scale);
    for (
      const [name, got, want] of [["o", o, ref.o], ["dq", dq, bk.dq], ["dk", dk, bk.dk], [
        "dv",
        dv,
        bk.dv,
      ]] as const
    ) {
      // exp's relative under-estimate dominates (softmaxAttentionSpec: 1.2e−2).
      assert.ok(maxDiff(got, want) < 1.2e-2, `${name} ${maxDiff(got, want)}`);
    }
  });

  Deno.test(`${kind}: dense backward, cross-entropy gradient and Adam step vs float64`, async () => {
    const N = 3, din = 4, dout = 5, C = 3;
    const x = testData(N * din, 1, 31),
      w = testData(din * dout, 1, 32),
      dy = testData(N * dout, 1, 33);
    const logits = testData(N * C, 3, 34);
    const labels = Float64Array.from({ length: N * C }, (_, i) => (i % C === i % 2 ? 1 : 0));
    // |g| ∈ [0.25, 2] (and one 0): with f = 16, (1 − β₂)·g² underflows for |g| ≲ 0.1 (module docs).
    const grad = testData(din * dout, 1, 35).map((v, i) =>
      i === 0 ? 0 : Math.sign(v) * (0.25 + 1.75 * Math.abs(v))
    );
    const [dx, dw, db, dl, w1, m1, v1] = await run(kind, async (be) => {
      const xs = await inputFrom(be, "dataOwner", T(x, [N, din]));
      const ws = await inputFrom(be, "modelOwner", T(w, [din, dout]));
      const bs = be.sub(be.slice(ws, 0, 0, 1), be.slice(ws, 0, 0, 1));
      const dys = await inputFrom(be, "dataOwner", T(dy, [N, dout]));
      const d = await prepareDense(be, ws, be.reshape(bs, [dout]));
      const r = await denseBackward(be, xs, dys, d, { weightGrads: true });
      const ce = await crossEntropyGrad(
        be,
        await inputFrom(be, "dataOwner", T(logits, [N, C])),
        await inputFrom(be, "dataOwner", T(labels, [N, C])),
      );
      const gs = await inputFrom(be, "dataOwner", T(grad, [din, dout]));
      let st = adamInit(be, ws);
      let cur = ws;
      for (let t = 0; t < 2; t++) ({ w: cur, state: st } = await adamStep(be, cur, gs, st));
      return [r.dx, r.dw!, r.db!, ce, cur, st.m, st.v];
    });
    const wantDx = new Float64Array(N * din), wantDw = new Float64Array(din * dout);
    for (let i = 0; i < N; i++) {
      for (let a = 0; a < din; a++) {
        for (let o = 0; o < dout; o++) {
          wantDx[i * din + a] += dy[i * dout + o] * w[a * dout + o];
          wantDw[a * dout + o] += x[i * din + a] * dy[i * dout + o];
        }
      }
    }
    assert.ok(maxDiff(dx, wantDx) < 1e-3);
    assert.ok(maxDiff(dw, wantDw) < 1e-3);
    assert.ok(maxDiff(db, [0, 1, 2, 3, 4].map((o) => dy[o] + dy[5 + o] + dy[10 + o])) < 1e-4);
    const wantCe = new Float64Array(N * C);
    for (let i = 0; i < N; i++) {
      const row = logits.subarray(i * C, (i + 1) * C);
      const mx = Math.max(...row);
      const e = row.map((z) => Math.exp(z - mx));
      const s = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < C; j++) wantCe[i * C + j] = (e[j] / s - labels[i * C + j]) / N;
    }
    assert.ok(maxDiff(dl, wantCe) < 2e-3, `ce ${maxDiff(dl, wantCe)}`);
    // Two Adam steps against the float64 formula with the same ε/δ.
    const want = Array.from(w, (wi, i) => {
      let s = { w: wi, m: 0, v: 0 };
      for (let t = 1; t <= 2; t++) s = adamReference(s.w, grad[i], s.m, s.v, t);
      return s;
    });
    assert.ok(maxDiff(m1, want.map((s) => s.m)) < 1e-3);
    assert.ok(maxDiff(v1.map((x) => x / 256), want.map((s) => s.v)) < 1e-4);
    // Updates are ≈ lr = 1e−3 in size; fixed point resolves 2^−16: bound 5e−5 (5 % of a step).
    assert.ok(
      maxDiff(w1, want.map((s) => s.w)) < 5e-5,
      `adam ${maxDiff(w1, want.map((s) => s.w))}`,
    );
  });

  Deno.test(`${kind}: RoBERTa layer forward + backward vs float64 analytic gradients`, async () => {
    const c = TINY, B = 1, S = 4, N = B * S, d = c.hidden;
    const w = randomRobertaLayerWeights(c, 7, 0.3);
    const x = testData(N * d, 1.5, 41), dyv = testData(N * d, 1, 42);
    const outs = await run(kind, async (be) => {
      const sl = await shareRobertaLayer(be, c, be.is("modelOwner") ? w : undefined);
      const pl = await prepareRobertaLayer(be, sl);
      const xs = await inputFrom(be, "dataOwner", T(x, [B, S, d]));
      const inf = await robertaLayerForward(be, xs, pl, c, { kind: "softmax" });
      const f = await robertaLayerTrainForward(be, xs, pl, c);
      const dys = await inputFrom(be, "dataOwner", T(dyv, [B, S, d]));
      const r = await robertaLayerBackward(be, dys, f.cache, pl, c, { weightGrads: true });
      const g = r.grads!;
      return [
        inf,
        f.y,
        r.dx,
        g.dense.qkv.w,
        g.dense.ffn1.w,
        g.dense.ffn2.b,
        g.ln1.gamma,
        g.ln2.beta,
      ];
    });
    const ref = robertaLayerRef(w, c, x, B, S, dyv);
    const g = ref.grads!;
    const checks: [string, Float64Array, Float64Array, number][] = [
      ["inference y", outs[0], ref.y, 0.03],
      ["train y", outs[1], ref.y, 0.03],
      ["dx", outs[2], ref.dx!, 0.05],
      ["dW_qkv", outs[3], g.qkvW, 0.05],
      ["dW_ffn1", outs[4], g.ffn1W, 0.05],
      ["db_ffn2", outs[5], g.ffn2B, 0.05],
      ["dγ1", outs[6], g.ln1G, 0.05],
      ["dβ2", outs[7], g.ln2B, 0.02],
    ];
    for (const [name, got, want, tol] of checks) {
      const e = maxDiff(got, want);
      // Bound relative to the gradient's scale (GELU's 2e−2 polynomial error propagates).
      assert.ok(e < tol * Math.max(1, maxAbs(want)), `${name}: ${e} (scale ${maxAbs(want)})`);
    }
  });
}

for (const [kind, trunc] of SECURE) {
  Deno.test(`${kind}/${trunc}: closed-form costs of the backward ops equal the ledger`, async () => {
    const c = TINY, B = 1, S = 4, N = B * S, d = c.hidden;
    const w = randomRobertaLayerWeights(c, 7, 0.3);
    const x = T(testData(N * d, 1.5, 41), [B, S, d]);
    const shared = async (be: SecretBackend) => {
      const sl = await shareRobertaLayer(be, c, be.is("modelOwner") ? w : undefined);
      const xs = await inputFrom(be, "dataOwner", x);
      return { sl, xs };
    };
    const prepared = async (be: SecretBackend) => {
      const s = await shared(be);
      return { ...s, pl: await prepareRobertaLayer(be, s.sl) };
    };
    const cached = async (be: SecretBackend) => {
      const s = await prepared(be);
      return { ...s, f: await robertaLayerTrainForward(be, s.xs, s.pl, c) };
    };
    const opts = { trunc };
    const cases: [
      string,
      (be: SecretBackend) => Promise<unknown>,
      (be: SecretBackend, s: any) => Promise<unknown>,
      Cost,
    ][] = [
      [
        "prepare",
        shared,
        (be, s) => prepareRobertaLayer(be, s.sl),
        costOf(kind, opts, (m) => prepareRobertaLayerPlan(m, c)),
      ],
      [
        "inference forward (softmax)",
        prepared,
        (be, s) => robertaLayerForward(be, s.xs, s.pl, c, { kind: "softmax" }),
        costOf(kind, opts, (m) => robertaLayerForwardPlan(m, c, B, S, { kind: "softmax" })),
      ],
      [
        "inference forward (rfa exact, ℓ2)",
        prepared,
        (be, s) => robertaLayerForward(be, s.xs, s.pl, c, { kind: "rfa" }),
        costOf(kind, opts, (m) => robertaLayerForwardPlan(m, c, B, S, { kind: "rfa" })),
      ],
      [
        "train forward",
        prepared,
        (be, s) => robertaLayerTrainForward(be, s.xs, s.pl, c),
        costOf(kind, opts, (m) => robertaLayerTrainForwardPlan(m, c, B, S)),
      ],
      [
        "backward with weight gradients",
        cached,
        (be, s) => robertaLayerBackward(be, s.f.y, s.f.cache, s.pl, c, { weightGrads: true }),
        costOf(kind, opts, (m) => robertaLayerBackwardPlan(m, c, B, S, { weightGrads: true })),
      ],
      [
        "backward w.r.t. activations only",
        cached,
        (be, s) => robertaLayerBackward(be, s.f.y, s.f.cache, s.pl, c),
        costOf(kind, opts, (m) => robertaLayerBackwardPlan(m, c, B, S)),
      ],
      [
        "gelu train + LN train/backward + attention train/backward + dense backward",
        prepared,
        async (be, s) => {
          const x2 = be.reshape(s.xs, [N, d]);
          const gl = await geluTrain(be, x2);
          const ln = await layerNormTrain(be, x2, s.sl.ln1.gamma, s.sl.ln1.beta);
          await layerNormBackward(be, gl.y, ln.cache);
          const q = be.reshape(s.xs, [B, 2, S, d / 2]);
          const at = await softmaxAttentionTrain(be, q, q, q);
          await softmaxAttentionBackward(be, q, at.cache);
          await denseBackward(be, x2, x2, s.pl.dense.out, { weightGrads: true });
        },
        costOf(kind, opts, (m) => {
          geluTrainPlan(m, N * d);
          layerNormTrainPlan(m, N, d);
          layerNormBackwardPlan(m, N, d);
          softmaxAttentionTrainPlan(m, [B, 2, S, d / 2]);
          softmaxAttentionBackwardPlan(m, [B, 2, S, d / 2]);
          denseBackwardPlan(m, N, d, d, { weightGrads: true });
        }),
      ],
      [
        "cross-entropy gradient + Adam",
        shared,
        async (be, s) => {
          const z = be.reshape(be.slice(be.reshape(s.xs, [N * d]), 0, 0, 12), [4, 3]);
          await crossEntropyGrad(be, z, z);
          const p = s.sl.dense.out.w;
          await adamStep(be, p, p, adamInit(be, p));
        },
        costOf(kind, opts, (m) => {
          crossEntropyGradPlan(m, 4, 3);
          adamPlan(m, d * d);
        }),
      ],
    ];
    for (const [name, setup, op, want] of cases) {
      const got = await measure(kind, trunc, setup, op);
      assert.deepEqual(comparable(got), comparable(want), name);
    }
  });
}
