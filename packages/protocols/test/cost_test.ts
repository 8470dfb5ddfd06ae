import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import type { Cost, SecretBackend, Shared } from "@secp/sharing";
import { clip, clipPlan, maxLastAxis, maxLastAxisCost, relu, reluCost } from "../compare.ts";
import { cos, cosCost, cosPreprocess, cosSin, type CosTuples, sin } from "../cos.ts";
import { costOf } from "../cost.ts";
import { exp, expCost } from "../exp.ts";
import { gelu, geluCost } from "../gelu.ts";
import { geluAccurate, geluAccurateCost } from "../gelu_accurate.ts";
import { layerNorm, layerNormCost } from "../layernorm.ts";
import { reciprocal, reciprocalCost } from "../reciprocal.ts";
import { rfaAttention, rfaAttentionCost, rfaPreprocess } from "../rfa.ts";
import { rsqrt, rsqrtCost } from "../rsqrt.ts";
import { normalizedAttention, normalizedAttentionCost } from "../normalized_attention.ts";
import { softmax, softmaxAttention, softmaxAttentionCost, softmaxCost } from "../softmax.ts";
import { tanh, tanhCost } from "../tanh.ts";
import { comparable, inputFrom, measure, SECURE, testData } from "./helpers.ts";

const tensor = (shape: number[], a: number, seed: number, shift = 0) =>
  new FloatTensor(testData(shape.reduce((x, y) => x * y, 1), a, seed).map((v) => v + shift), shape);

/** One input from the data owner. */
const one = (t: FloatTensor) => async (be: SecretBackend) => [await inputFrom(be, "dataOwner", t)];

type Op = (be: SecretBackend, xs: Shared[]) => Promise<unknown>;
interface CostCase {
  name: string;
  setup: (be: SecretBackend) => Promise<Shared[]>;
  op: Op;
  cost: (kind: "2pc" | "3pc", trunc: "exact" | "local") => Cost;
}

const S = [3, 5];
const pos = tensor(S, 0.5, 7, 2); // in [1.5, 2.5]
const gen = tensor(S, 3, 8);
const shapeA = [1, 2, 6, 4] as const;
const [qa, ka, va] = [11, 12, 13].map((s) => tensor([...shapeA], 1, s));
const mask = new FloatTensor(Float64Array.from([1, 1, 1, 1, 0, 1]), [1, 6]);
const attn = async (be: SecretBackend) => [
  await inputFrom(be, "dataOwner", qa),
  await inputFrom(be, "dataOwner", ka),
  await inputFrom(be, "modelOwner", va),
];

/** Per-party preprocessed tuples (parties run concurrently in one process). */
const pre = new WeakMap<SecretBackend, CosTuples | undefined>();

const CASES: CostCase[] = [
  {
    name: "cos exact with preprocessed tuples",
    setup: async (be) => {
      const xs = await one(gen)(be);
      pre.set(be, await cosPreprocess(be, S));
      return xs;
    },
    op: (be, [x]) => cos(be, x, { tuples: pre.get(be) }),
    cost: (kind, trunc) => cosCost(kind, S, { trunc, outputs: "cos", preprocessed: true }),
  },
  {
    name: "rfa paper with preprocessed tuples",
    setup: async (be) => {
      const xs = await attn(be);
      pre.set(be, await rfaPreprocess(be, shapeA, { variant: "paper", features: 3 }));
      return xs;
    },
    op: (be, [q, k, v]) =>
      rfaAttention(be, q, k, v, { variant: "paper", features: 3, tuples: pre.get(be) }),
    cost: (kind, trunc) =>
      rfaAttentionCost(kind, shapeA, { trunc, variant: "paper", features: 3, preprocessed: true }),
  },
  ...(["exact", "paper", "iterative"] as const).flatMap((variant): CostCase[] => [
    {
      name: `cosSin ${variant}`,
      setup: one(gen),
      op: (be, [x]) => cosSin(be, x, { variant }),
      cost: (kind, trunc) => cosCost(kind, S, { variant, trunc }),
    },
    {
      name: `cos ${variant}, scale 0.3`,
      setup: one(gen),
      op: (be, [x]) => cos(be, x, { variant, scale: 0.3 }),
      cost: (kind, trunc) => cosCost(kind, S, { variant, trunc, scale: 0.3, outputs: "cos" }),
    },
  ]),
  {
    name: "sin exact",
    setup: one(gen),
    op: (be, [x]) => sin(be, x),
    cost: (kind, trunc) => cosCost(kind, S, { trunc, outputs: "sin" }),
  },
  {
    name: "exp",
    setup: one(gen),
    op: (be, [x]) => exp(be, x),
    cost: (k, trunc) => expCost(k, S, { trunc }),
  },
  {
    name: "reciprocal newton",
    setup: one(pos),
    op: (be, [x]) => reciprocal(be, x, { domain: [1, 4] }),
    cost: (k, trunc) => reciprocalCost(k, S, { trunc, domain: [1, 4] }),
  },
  {
    name: "reciprocal normalized",
    setup: one(pos),
    op: (be, [x]) => reciprocal(be, x, { method: "normalized", domain: [0.25, 16] }),
    cost: (k, trunc) => reciprocalCost(k, S, { trunc, method: "normalized", domain: [0.25, 16] }),
  },
  {
    name: "rsqrt normalized",
    setup: one(pos),
    op: (be, [x]) => rsqrt(be, x),
    cost: (k, trunc) => rsqrtCost(k, S, { trunc }),
  },
  {
    name: "rsqrt newton",
    setup: one(pos),
    op: (be, [x]) => rsqrt(be, x, { method: "newton", domain: [1, 4] }),
    cost: (k, trunc) => rsqrtCost(k, S, { trunc, method: "newton", domain: [1, 4] }),
  },
  {
    name: "gelu",
    setup: one(gen),
    op: (be, [x]) => gelu(be, x),
    cost: (k, trunc) => geluCost(k, S, { trunc }),
  },
  {
    name: "geluAccurate",
    setup: one(tensor(S, 6, 10)),
    op: (be, [x]) => geluAccurate(be, x),
    cost: (k, trunc) => geluAccurateCost(k, S, { trunc }),
  },
  {
    name: "tanh",
    setup: one(gen),
    op: (be, [x]) => tanh(be, x),
    cost: (k, trunc) => tanhCost(k, S, { trunc }),
  },
  {
    name: "relu",
    setup: one(gen),
    op: (be, [x]) => relu(be, x),
    cost: (k, trunc) => reluCost(k, S, { trunc }),
  },
  {
    name: "clip",
    setup: one(gen),
    op: (be, [x]) => clip(be, x, -1, 1),
    cost: (k, trunc) => costOf(k, { trunc }, (m) => clipPlan(m, 15)),
  },
  {
    name: "max over 5",
    setup: one(gen),
    op: (be, [x]) => maxLastAxis(be, x),
    cost: (k, trunc) => maxLastAxisCost(k, S, { trunc }),
  },
  {
    name: "softmax",
    setup: one(gen),
    op: (be, [x]) => softmax(be, x),
    cost: (k, trunc) => softmaxCost(k, S, { trunc }),
  },
  ...(["shared", "public", "none"] as const).map((gamma): CostCase => ({
    name: `layernorm (γ ${gamma})`,
    setup: async (be) => [
      await inputFrom(be, "dataOwner", gen),
      await inputFrom(be, "modelOwner", tensor([5], 1, 9, 1)),
    ],
    op: (be, [x, g]) =>
      layerNorm(
        be,
        x,
        gamma === "shared" ? g : gamma === "public" ? tensor([5], 1, 9, 1) : undefined,
      ),
    cost: (k, trunc) => layerNormCost(k, S, { trunc, gamma }),
  })),
  {
    name: "softmax attention (masked)",
    setup: attn,
    op: (be, [q, k, v]) => softmaxAttention(be, q, k, v, { mask }),
    cost: (k, trunc) => softmaxAttentionCost(k, shapeA, { trunc }),
  },
  {
    name: "normalized attention (masked, τ per head)",
    setup: attn,
    op: (be, [q, k, v]) =>
      normalizedAttention(be, q, k, v, {
        mask,
        temperature: Array.from({ length: shapeA[1] }, (_, h) => h + 2),
      }),
    cost: (k, trunc) => normalizedAttentionCost(k, shapeA, { trunc }),
  },
  ...(["exact", "paper", "iterative"] as const).map((variant): CostCase => ({
    name: `rfa ${variant} (masked)`,
    setup: attn,
    op: (be, [q, k, v]) => rfaAttention(be, q, k, v, { variant, mask, features: 3 }),
    cost: (k, trunc) => rfaAttentionCost(k, shapeA, { trunc, variant, features: 3 }),
  })),
  {
    name: "rfa normalize + key-norm exp + normalized reciprocal",
    setup: attn,
    op: (be, [q, k, v]) =>
      rfaAttention(be, q, k, v, {
        normalize: { temperature: 2 },
        keyNormExp: { shift: 1 },
        reciprocal: { method: "normalized", domain: [1 / 16, 8] },
      }),
    cost: (k, trunc) =>
      rfaAttentionCost(k, shapeA, {
        trunc,
        normalize: { temperature: 2 },
        keyNormExp: { shift: 1 },
        reciprocal: { method: "normalized", domain: [1 / 16, 8] },
      }),
  },
];

for (const [kind, trunc] of SECURE) {
  Deno.test(`${kind}/${trunc}: every protocol's closed-form cost equals the ledger`, async () => {
    for (const c of CASES) {
      const got = await measure(kind, trunc, c.setup, c.op);
      assert.deepEqual(comparable(got), comparable(c.cost(kind as "2pc" | "3pc", trunc)), c.name);
    }
  });
}

Deno.test("plain: every cost is zero", () => {
  for (const c of CASES) {
    const z = c.cost("plain" as "2pc", "exact");
    assert.deepEqual(comparable(z), { rounds: 0, bytes: {}, offlineBytes: 0 }, c.name);
  }
});
