import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import type { BackendKind, SecretBackend } from "../mod.ts";
import { inputFrom, runAndReveal, testData } from "./helpers.ts";

const edge = [0, -1e-5, 1e-5, -(2 ** -16), 2 ** -16, -30000, 30000, 1e9, -1e9, -0.5, 0.5];

async function signs(be: SecretBackend) {
  const v = new FloatTensor(Float64Array.from([...edge, ...testData(53, 100, 9)]), [8, 8]);
  const x = await inputFrom(be, "dataOwner", v);
  const s = await be.ltz(x);
  const relu = be.sub(x, await be.mulNoTrunc(x, s));
  return [be.mulInt(s, 1 << 16), relu]; // scale the 0/1 integer up to the fixed-point value 1
}

for (const kind of ["plain", "2pc", "3pc"] as BackendKind[]) {
  Deno.test(`${kind}: ltz is exact (edge values included) and gives ReLU`, async () => {
    const { outputs: [s, relu] } = await runAndReveal(kind, signs);
    const v = Float64Array.from([...edge, ...testData(53, 100, 9)]);
    for (let i = 0; i < v.length; i++) {
      const enc = Math.round(v[i] * 2 ** 16);
      assert.equal(s.data[i], enc < 0 ? 1 : 0, `sign of ${v[i]}`);
      assert.equal(relu.data[i], Math.max(enc, 0) / 2 ** 16, `relu of ${v[i]}`);
    }
  });
}

for (const kind of ["plain", "2pc", "3pc"] as BackendKind[]) {
  Deno.test(`${kind}: ltz on 32-bit lanes is exact inside its bound, odd sizes included`, async () => {
    const v = Float64Array.from([
      0,
      -1e-5,
      1e-5,
      -(2 ** -16),
      2 ** -16,
      -30000,
      30000,
      ...testData(56, 300, 4),
    ]);
    const { outputs: [s] } = await runAndReveal(kind, async (be) => {
      const x = await inputFrom(be, "dataOwner", new FloatTensor(v, [v.length]));
      return [be.mulInt(await be.ltz(x, { bits: 32 }), 1 << 16)];
    });
    v.forEach((x, i) =>
      assert.equal(s.data[i], Math.round(x * 2 ** 16) < 0 ? 1 : 0, `sign of ${x}`)
    );
  });
}

for (const kind of ["2pc", "3pc"] as BackendKind[]) {
  Deno.test(`${kind}: ltz at any width 2..64 is exact inside |x| < 2^(bits−1), 130 elements`, async () => {
    for (const bits of [2, 3, 17, 24, 33, 64]) {
      // Ring integers spread over the whole bound, both signs, with the extremes.
      const lim = 2 ** Math.min(bits - 1, 52);
      const ints = Array.from({ length: 130 }, (_, i) => {
        if (i < 4) return [0, -1, lim - 1, -lim][i];
        const u = ((i * 2654435761) % 2 ** 32) / 2 ** 32;
        return Math.floor((2 * u - 1) * lim);
      }).map((z) => Math.max(-lim, Math.min(lim - 1, z)));
      const v = Float64Array.from(ints, (z) => z / 2 ** 16);
      const { outputs: [s] } = await runAndReveal(kind, async (be) => {
        const x = await inputFrom(be, "dataOwner", new FloatTensor(v, [v.length]));
        return [be.mulInt(await be.ltz(x, { bits }), 1 << 16)];
      });
      ints.forEach((z, i) => assert.equal(s.data[i], z < 0 ? 1 : 0, `bits ${bits}: sign of ${z}`));
    }
  });
}
