import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import {
  type BackendKind,
  type Cost,
  ltzCost,
  matmulFixedNoTruncCost,
  matmulNoTruncCost,
  mulNoTruncCost,
  openMod2kCost,
  type SecretBackend,
  type Shared,
  truncatedProductCost,
  truncCost,
  type TruncMode,
} from "../mod.ts";
import { inputFrom, measure, testData } from "./helpers.ts";

function pair(m: number, n: number) {
  return async (be: SecretBackend) => [
    await inputFrom(be, "dataOwner", new FloatTensor(testData(m * n, 3, 1), [m, n])),
    await inputFrom(be, "modelOwner", new FloatTensor(testData(m * n, 3, 2), [m, n])),
  ];
}

const cases: [BackendKind, TruncMode][] = [
  ["2pc", "exact"],
  ["2pc", "local"],
  ["3pc", "exact"],
  ["3pc", "local"],
];
for (const [kind, trunc] of cases) {
  Deno.test(`${kind}/${trunc}: measured costs equal the closed forms`, async () => {
    const [m, k] = [6, 5];
    const check = async (name: string, expect: Cost, got: Promise<Cost>) => {
      const g = await got;
      // Offline rounds of the dealer are not on the online path; compare bytes and online rounds.
      assert.deepEqual(
        { rounds: g.rounds, bytes: g.bytes, offlineBytes: g.offlineBytes },
        { rounds: expect.rounds, bytes: expect.bytes, offlineBytes: expect.offlineBytes },
        name,
      );
    };
    await check(
      "mulNoTrunc",
      mulNoTruncCost(kind, m * k),
      measure(kind, trunc, pair(m, k), (be, [x, y]) => be.mulNoTrunc(x, y)),
    );
    await check(
      "mul",
      truncatedProductCost(kind, mulNoTruncCost(kind, m * k), m * k, trunc),
      measure(kind, trunc, pair(m, k), (be, [x, y]) => be.mul(x, y)),
    );
    await check(
      "matmul",
      truncatedProductCost(kind, matmulNoTruncCost(kind, 1, m, k, m, false), m * m, trunc),
      measure(kind, trunc, pair(m, k), (be, [x, y]) => be.matmul(x, be.transpose(y))),
    );
    await check(
      "matmulFixed (per call, after preparing)",
      truncatedProductCost(kind, matmulFixedNoTruncCost(kind, m, k, m), m * m, trunc),
      measureFixed(kind, trunc, pair(m, k)),
    );
    const fixedOnline = {
      ...matmulFixedNoTruncCost(kind, m, k, m),
      offlineBytes: 0,
      offlineRounds: 0,
    };
    await check(
      "matmulFixed (per call, after preprocessFixed: online only)",
      truncatedProductCost(kind, fixedOnline, m * m, trunc),
      measureFixed(kind, trunc, pair(m, k), true),
    );
    await check(
      "openMod2k(16)",
      openMod2kCost(kind, m * k, 16),
      measure(kind, trunc, pair(m, k), (be, [x]) => be.openMod2k(x, 16)),
    );
    await check(
      "ltz(bits 32)",
      ltzCost(kind, m * k, 32),
      measure(kind, trunc, pair(m, k), (be, [x]) => be.ltz(x, { bits: 32 })),
    );
    await check(
      "ltz(bits 20)",
      ltzCost(kind, m * k, 20),
      measure(kind, trunc, pair(m, k), (be, [x]) => be.ltz(x, { bits: 20 })),
    );
    await check(
      "ltz",
      ltzCost(kind, m * k),
      measure(kind, trunc, pair(m, k), (be, [x]) => be.ltz(x)),
    );
    await check(
      "truncate",
      truncCost(kind, m * k, trunc),
      measure(kind, trunc, pair(m, k), (be, [x]) => be.truncate(x)),
    );
  });
}

/**
 * Cost of one `matmulFixed` call after `fixed` prepared the weight and, with `preprocessed`,
 * `preprocessFixed` did its offline half (both outside the measured scope).
 */
async function measureFixed(
  kind: BackendKind,
  trunc: TruncMode,
  setup: (be: SecretBackend) => Promise<Shared[]>,
  preprocessed = false,
): Promise<Cost> {
  return await measure(
    kind,
    trunc,
    async (be) => {
      const [x, y] = await setup(be);
      const w = await be.fixed(be.transpose(y));
      if (preprocessed) await be.preprocessFixed(w, x.shape);
      return { x, w };
    },
    (be, { x, w }) => be.matmulFixed(x, w),
  );
}
