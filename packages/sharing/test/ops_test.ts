import assert from "node:assert/strict";
import { FloatTensor, RingTensor } from "@secp/field";
import { type BackendKind, runLocal, type SecretBackend, type Shared } from "../mod.ts";
import { inputFrom, runAndReveal, testData } from "./helpers.ts";

const ULP = 2 ** -16;

/** Every op of the interface, on fixed inputs; returns the outputs to compare. */
async function allOps(be: SecretBackend): Promise<Shared[]> {
  const X = new FloatTensor(testData(35, 4, 1), [5, 7]);
  const Y = new FloatTensor(testData(35, 4, 2), [5, 7]);
  const W = new FloatTensor(testData(21, 2, 3), [7, 3]);
  const P = new FloatTensor(testData(7, 3, 4), [7]);
  const x = await inputFrom(be, "dataOwner", X);
  const y = await inputFrom(be, "modelOwner", Y);
  const w = await inputFrom(be, "modelOwner", W);
  const wf = await be.fixed(w);
  const b3 = await inputFrom(
    be,
    "dataOwner",
    new FloatTensor(testData(2 * 5 * 7, 2, 5), [2, 5, 7]),
  );
  const outs: Shared[] = [
    be.add(x, y),
    be.sub(x, y),
    be.neg(x),
    be.addPublic(x, P),
    be.addPublic(x, 0.75),
    be.mulInt(x, -3),
    await be.mulPublic(x, P),
    await be.mulPublic(x, 0.3),
    await be.mul(x, y),
    await be.matmul(x, w),
    await be.matmulPublic(x, W),
    await be.matmulFixed(x, wf),
    await be.matmulFixed(y, wf),
    // Offline half done ahead of time, twice for the same shape: each call uses its own pair.
    await be.preprocessFixed(wf, x.shape, 2).then(() => be.matmulFixed(x, wf)),
    await be.matmulFixed(y, wf),
    await be.matmul(b3, w), // batched activations @ shared 2-D weight
    await be.matmul(b3, be.transpose(b3, [0, 2, 1])), // batched @ batched
    be.reshape(x, [7, 5]),
    be.transpose(x),
    be.slice(x, 1, 2, 5),
    be.concat([x, y], 0),
    be.sum(x, 1),
    be.sum(x, 0, true),
    be.broadcastTo(be.sum(x, 0, true), [5, 7]),
    await be.truncate(be.mulInt(x, 1 << 16)),
  ];
  return outs;
}

/** Truncating ops may differ from the plain ring result by a couple of ulps per truncation. */
const TOL = [0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 2].map((u) =>
  u * ULP
);

for (const kind of ["2pc", "3pc"] as BackendKind[]) {
  for (const trunc of ["exact", "local"] as const) {
    Deno.test(`${kind} (${trunc} truncation): every op equals the plain ring backend`, async () => {
      const ref = await runAndReveal("plain", allOps);
      const got = await runAndReveal(kind, allOps, { trunc });
      assert.equal(got.outputs.length, ref.outputs.length);
      got.outputs.forEach((g, i) => {
        assert.deepEqual(g.shape, ref.outputs[i].shape, `op ${i} shape`);
        const err = g.maxAbsDiff(ref.outputs[i]);
        assert.ok(err <= TOL[i], `op ${i}: error ${err} > ${TOL[i]}`);
      });
    });
  }
}

// Values near the exact truncation's bound |x| < 2^62, where local truncation fails with
// probability ≈ |x|/2^64 per element (≈ 1/8 at 2^61; derived in local_trunc_rate_test.ts): exact
// must be within one ulp on every one.
for (const kind of ["2pc", "3pc"] as BackendKind[]) {
  Deno.test(`${kind} exact truncation is within one ulp for every |x| < 2^62`, async () => {
    const n = 256, bits = 16;
    const vals = Array.from(testData(n, 1, 7), (u) => BigInt(Math.trunc(u * 2 ** 61)) * 2n);
    vals.push((1n << 62n) - 1n, -(1n << 62n) + 1n, 0n, -1n);
    const x = RingTensor.fromBigInts(vals, [vals.length]);
    const { results, roles } = await runLocal(kind, async (be) => {
      const s = await be.inputRing("dataOwner", be.is("dataOwner") ? x : undefined, x.shape);
      return await be.revealRing(await be.truncate(s, bits), "dataOwner");
    }, { insecureSeed: "trunc-bound", trunc: "exact" });
    const got = results.get(roles.dataOwner)!;
    const want = x.sar(bits);
    for (let i = 0; i < vals.length; i++) {
      const d = BigInt.asIntN(64, got.data[i] - want.data[i]);
      assert.ok(d >= -1n && d <= 1n, `element ${i} (${vals[i]}): off by ${d}`);
    }
  });
}

Deno.test("plain float backend agrees with plain ring up to fixed-point rounding", async () => {
  const ring = await runAndReveal("plain", allOps);
  const float = await runAndReveal("plain", allOps, { plainMode: "float" });
  ring.outputs.forEach((r, i) => {
    const err = r.maxAbsDiff(float.outputs[i]);
    assert.ok(err < 1e-3, `op ${i}: ring vs float error ${err}`);
  });
});

for (const kind of ["plain", "2pc", "3pc"] as BackendKind[]) {
  Deno.test(`${kind}: openMod2k and trig tuples are consistent`, async () => {
    const k = 16;
    const { outputs } = await runAndReveal(kind, async (be) => {
      const tt = await be.trigTuple([64], k);
      // Reveal t mod 2^k as a fixed-point value (t/2^f since k = f) and cos/sin.
      const tOpen = await be.openMod2k(tt.t, k);
      const tShared = await be.inputRing(0, be.is(0) ? tOpen : undefined, [64]);
      return [tShared, tt.cos, tt.sin];
    });
    const [t, cos, sin] = outputs;
    for (let i = 0; i < 64; i++) {
      const ang = 2 * Math.PI * t.data[i]; // t.data = t_int / 2^16 and k = 16
      assert.ok(Math.abs(cos.data[i] - Math.cos(ang)) < 4 * ULP, `cos ${i}`);
      assert.ok(Math.abs(sin.data[i] - Math.sin(ang)) < 4 * ULP, `sin ${i}`);
    }
  });
}

Deno.test("shape mismatches name both shapes", async () => {
  await assert.rejects(
    runAndReveal("2pc", async (be) => {
      const x = await inputFrom(be, "dataOwner", FloatTensor.zeros([2, 3]));
      const y = await inputFrom(be, "dataOwner", FloatTensor.zeros([3, 2]));
      return [await be.mul(x, y)];
    }, { timeoutMs: 2000 }),
    /mul: shape mismatch \[2,3\] vs \[3,2\]/,
  );
});
