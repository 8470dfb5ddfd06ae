import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import type { BackendKind, SecretBackend, Shared, TruncMode } from "@secp/sharing";
import { layerNorm, layerNormReference, layerNormSpec } from "../layernorm.ts";
import {
  normalizedAttention,
  normalizedAttentionReference,
  normalizedAttentionSpec,
} from "../normalized_attention.ts";
import {
  rfaAttention,
  rfaAttentionReference,
  type RfaOptions,
  type RfaReference,
  rfaSpec,
  type RfaStats,
} from "../rfa.ts";
import {
  softmax,
  softmaxAttention,
  softmaxAttentionReference,
  softmaxAttentionSpec,
  softmaxSpec,
} from "../softmax.ts";
import { inputFrom, runAndReveal, SECURE, testData } from "./helpers.ts";
import { rfaRows } from "./rfa_rows.ts";

const ALL: [BackendKind, TruncMode][] = [["plain", "exact"], ...SECURE];
const t = (shape: number[], data: Float64Array) => new FloatTensor(data, shape);

// LayerNorm: 16 rows of 96 with variances from 0.01 to ≈ 740 and means from −16 to 14.
const LN_ROWS = 16, LN_D = 96;
const lnX = t(
  [LN_ROWS, LN_D],
  Float64Array.from(
    testData(LN_ROWS * LN_D, 1, 21),
    (v, i) => v * 0.18 * 1.45 ** Math.floor(i / LN_D) + 2 * (Math.floor(i / LN_D) - 8),
  ),
);
const lnG = t([LN_D], testData(LN_D, 0.5, 22).map((v) => v + 1));
const lnB = t([LN_D], testData(LN_D, 1, 23));

for (const [kind, trunc] of ALL) {
  Deno.test(`layerNorm (shared γ, β) meets its contract on ${kind}/${trunc}`, async () => {
    const [got] = await runAndReveal(kind, async (be) => {
      const x = await inputFrom(be, "dataOwner", lnX);
      const g = await inputFrom(be, "modelOwner", lnG), b = await inputFrom(be, "modelOwner", lnB);
      return [await layerNorm(be, x, g, b)];
    }, { trunc });
    const err = got.maxAbsDiff(layerNormReference(lnX, lnG, lnB));
    assert.ok(err <= layerNormSpec.error.maxAbs, `error ${err}`);
  });
}

Deno.test("layerNorm: public γ, β and no affine agree with the reference", async () => {
  const [pub, none] = await runAndReveal("2pc", async (be) => {
    const x = await inputFrom(be, "dataOwner", lnX);
    return [await layerNorm(be, x, lnG, lnB), await layerNorm(be, x)];
  });
  assert.ok(pub.maxAbsDiff(layerNormReference(lnX, lnG, lnB)) <= layerNormSpec.error.maxAbs);
  assert.ok(none.maxAbsDiff(layerNormReference(lnX)) <= layerNormSpec.error.maxAbs);
});

// Softmax rows: scores up to the bound ±128, one masked row set.
const SM_ROWS = 6, SM_S = 64;
const smX = t(
  [SM_ROWS, SM_S],
  Float64Array.from(
    testData(SM_ROWS * SM_S, 1, 31),
    (v, i) => v * [1, 4, 16, 64, 100, 128][Math.floor(i / SM_S)],
  ),
);
const smMask = t(
  [SM_ROWS, SM_S],
  Float64Array.from({ length: SM_ROWS * SM_S }, (_, i) => (i % SM_S) % 5 === 3 ? 0 : 1),
);

function softmaxRef(x: FloatTensor, mask: FloatTensor): FloatTensor {
  const out = new Float64Array(x.size);
  for (let r = 0; r < SM_ROWS; r++) {
    let mx = -Infinity;
    for (let j = 0; j < SM_S; j++) {
      if (mask.data[r * SM_S + j]) mx = Math.max(mx, x.data[r * SM_S + j]);
    }
    let sum = 0;
    for (let j = 0; j < SM_S; j++) {
      const e = mask.data[r * SM_S + j] ? Math.exp(x.data[r * SM_S + j] - mx) : 0;
      out[r * SM_S + j] = e;
      sum += e;
    }
    for (let j = 0; j < SM_S; j++) out[r * SM_S + j] /= sum;
  }
  return new FloatTensor(out, x.shape);
}

// Attention: [B=2, H=3, S=16, d=8], key padding on batch 1.
const AS = [2, 3, 16, 8];
const N = AS.reduce((a, b) => a * b, 1);
const q = t(AS, testData(N, 3, 41)), k = t(AS, testData(N, 3, 42)), v = t(AS, testData(N, 2, 43));
const amask = t(
  [2, 16],
  Float64Array.from({ length: 32 }, (_, i) => (i >= 16 && i % 16 >= 11 ? 0 : 1)),
);
const attnInputs = async (be: SecretBackend, kk = k, vv = v): Promise<[Shared, Shared, Shared]> => [
  await inputFrom(be, "dataOwner", q),
  await inputFrom(be, "dataOwner", kk),
  await inputFrom(be, "modelOwner", vv),
];

for (const [kind, trunc] of ALL) {
  Deno.test(`softmax and softmax attention meet the contract on ${kind}/${trunc}`, async () => {
    const [sm, at] = await runAndReveal(kind, async (be) => {
      const x = await inputFrom(be, "dataOwner", smX);
      const [qq, kk, vv] = await attnInputs(be);
      return [
        await softmax(be, x, { mask: smMask }),
        await softmaxAttention(be, qq, kk, vv, { mask: amask }),
      ];
    }, { trunc });
    const e1 = sm.maxAbsDiff(softmaxRef(smX, smMask));
    assert.ok(e1 <= softmaxSpec.error.maxAbs, `softmax error ${e1}`);
    // Attention output = Σ p·v with |v| ≤ 2: the per-probability bound times 2·(keys) is loose;
    // the measured error is ≈ 2e−3.
    const e2 = at.maxAbsDiff(softmaxAttentionReference(q, k, v, { mask: amask }));
    assert.ok(e2 <= softmaxAttentionSpec.error.maxAbs, `attention error ${e2}`);
  });
}

const TAUS = [2, 5, 10]; // per head (AS has H = 3)

for (const [kind, trunc] of ALL) {
  Deno.test(`normalized attention meets its contract on ${kind}/${trunc}`, async () => {
    const [got] = await runAndReveal(kind, async (be) => {
      const [qq, kk, vv] = await attnInputs(be);
      return [await normalizedAttention(be, qq, kk, vv, { temperature: TAUS, mask: amask })];
    }, { trunc });
    const err = got.maxAbsDiff(normalizedAttentionReference(q, k, v, TAUS, amask));
    assert.ok(err <= normalizedAttentionSpec.error.maxAbs, `error ${err}`);
  });
}

Deno.test("normalized attention: the scale of q and k does not matter; bad τ is named", async () => {
  const [a, b] = await runAndReveal("2pc", async (be) => {
    const [qq, kk, vv] = await attnInputs(be);
    return [
      await normalizedAttention(be, qq, kk, vv, { temperature: 4 }),
      await normalizedAttention(be, await be.mulPublic(qq, 5), kk, vv, { temperature: 4 }),
    ];
  });
  assert.ok(a.maxAbsDiff(b) < 2e-3, `q·5 changed the output by ${a.maxAbsDiff(b)}`);
  await assert.rejects(
    runAndReveal("plain", async (be) => {
      const [qq, kk, vv] = await attnInputs(be);
      return [await normalizedAttention(be, qq, kk, vv, { temperature: [1, 2] })];
    }),
    /temperature must be a positive number or 3 of them/,
  );
});

const RFA_OPTS: RfaOptions = { normalize: { temperature: 2 }, mask: amask, seed: 7, features: 16 };

/** Rows the RFA contract covers at this grid (reference denominator ≥ 4ε): 93 of 96. */
const RFA_KEPT = 93;

/**
 * Max abs error over the rows whose reference denominator is ≥ 4ε (the contract's domain), after
 * checking that exactly {@link RFA_KEPT} rows were kept and every kept row is within its per-row
 * bound (`rfaRowErrorBound`).
 */
function rfaError(got: FloatTensor, ref: RfaReference, perRow = true): number {
  const r = rfaRows(got, ref, Math.max(...v.data.map(Math.abs)));
  assert.equal(r.rows.length, 96);
  assert.equal(r.kept.length, RFA_KEPT, "rows with den ≥ 4ε");
  if (perRow) assert.ok(r.worstRatio <= 1, `a row exceeds rfaRowErrorBound × ${r.worstRatio}`);
  return r.maxErr;
}

for (const [kind, trunc] of ALL) {
  for (const variant of ["exact", "paper"] as const) {
    Deno.test(`rfa (${variant}) meets its contract against the float64 RFA on ${kind}/${trunc}`, async () => {
      const [got] = await runAndReveal(kind, async (be) => {
        const [qq, kk, vv] = await attnInputs(be);
        return [await rfaAttention(be, qq, kk, vv, { ...RFA_OPTS, variant })];
      }, { trunc });
      const ref = rfaAttentionReference(q, k, v, RFA_OPTS);
      const err = rfaError(got, ref);
      for (const x of got.data) assert.ok(Number.isFinite(x));
      assert.ok(err <= rfaSpec.error.maxAbs, `error ${err}`);
    });
  }
}

Deno.test("rfa (iterative): inaccurate on unreduced phases, as documented", async () => {
  const [got] = await runAndReveal("2pc", async (be) => {
    const [qq, kk, vv] = await attnInputs(be);
    return [await rfaAttention(be, qq, kk, vv, { ...RFA_OPTS, variant: "iterative" })];
  });
  const err = rfaError(got, rfaAttentionReference(q, k, v, RFA_OPTS), false);
  assert.ok(err > 5 * rfaSpec.error.maxAbs, `iterative error ${err} unexpectedly small`);
});

Deno.test("rfa: the denominator guard fires where the reference says, and clamps to ε", async () => {
  // Unnormalised q/k at this scale: trig features give tiny or negative denominators.
  const opts: RfaOptions = { seed: 3, features: 8 };
  const stats: RfaStats = { rows: 0, guardFired: 0, minDen: Infinity };
  const [got] = await runAndReveal("plain", async (be) => {
    const [qq, kk, vv] = await attnInputs(be);
    return [await rfaAttention(be, qq, kk, vv, { ...opts, stats })];
  });
  const ref = rfaAttentionReference(q, k, v, opts);
  assert.equal(stats.rows, ref.stats.rows);
  assert.ok(ref.stats.guardFired > 0, "test data should trigger the guard");
  assert.ok(
    Math.abs(stats.guardFired - ref.stats.guardFired) <= 1,
    `${stats.guardFired} vs ${ref.stats.guardFired}`,
  );
  assert.ok(stats.minDen < 0 && Math.abs(stats.minDen - ref.stats.minDen) < 1e-2);
  // The output is finite and bounded by |num|/ε everywhere.
  for (const x of got.data) assert.ok(Number.isFinite(x) && Math.abs(x) < 2 * 16 * 16 * 2);
});

Deno.test("masks: padded keys and values do not influence softmax or RFA outputs (bit-exact)", async () => {
  const scramble = (x: FloatTensor) =>
    new FloatTensor(
      x.data.map((val, i) => {
        const b = Math.floor(i / (3 * 16 * 8)), j = Math.floor(i / 8) % 16;
        return b === 1 && j >= 11 ? val * -3 + 5 : val;
      }),
      x.shape,
    );
  for (
    const fn of [
      (be: SecretBackend, a: Shared, b: Shared, c: Shared) =>
        softmaxAttention(be, a, b, c, { mask: amask }),
      (be: SecretBackend, a: Shared, b: Shared, c: Shared) => rfaAttention(be, a, b, c, RFA_OPTS),
    ]
  ) {
    const [x1] = await runAndReveal(
      "plain",
      async (be) => [await fn(be, ...(await attnInputs(be)))],
    );
    const [x2] = await runAndReveal(
      "plain",
      async (be) => [await fn(be, ...(await attnInputs(be, scramble(k), scramble(v))))],
    );
    assert.equal(x1.maxAbsDiff(x2), 0);
  }
});

for (const [kind, trunc] of ALL) {
  Deno.test(`softmax attention over one key (S = 1) is v itself on ${kind}/${trunc}`, async () => {
    // A batch of one-token texts (e.g. one-word label sentences) has S = 1: the denominator is
    // exactly 1, and the protocol must accept it.
    const one = [1, 2, 1, 4];
    const [qq, kk, vv] = [41, 42, 43].map((s) => t(one, testData(8, 2, s)));
    const [got] = await runAndReveal(kind, async (be) => [
      await softmaxAttention(
        be,
        await inputFrom(be, "dataOwner", qq),
        await inputFrom(be, "dataOwner", kk),
        await inputFrom(be, "modelOwner", vv),
      ),
    ], { trunc });
    assert.ok(got.maxAbsDiff(vv) <= softmaxAttentionSpec.error.maxAbs, `${got.maxAbsDiff(vv)}`);
  });
}
