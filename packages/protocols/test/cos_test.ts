import assert from "node:assert/strict";
import { FloatTensor, type RingTensor } from "@secp/field";
import { runLocal, type SecretBackend } from "@secp/sharing";
import { cos, cosPreprocess, cosSin, cosSpec, sin } from "../cos.ts";
import { apply1, errors, grid, inputFrom, runAndReveal } from "./helpers.ts";

const TAU = 2 * Math.PI;

Deno.test("Π_cos: `scale` is folded into the public factors (all variants, all backends)", async () => {
  const xs = grid(-0.5, 0.5, 2 ** -6);
  for (const kind of ["plain", "2pc", "3pc"] as const) {
    for (const variant of ["exact", "paper", "iterative"] as const) {
      const [c, s] = await runAndReveal(kind, async (be) => {
        const r = await cosSin(be, await inputFrom(be, "dataOwner", new FloatTensor(xs)), {
          variant,
          scale: 0.125,
        });
        return [r.cos, r.sin];
      });
      assert.ok(errors(c, xs, (u) => 0.125 * Math.cos(TAU * u)).abs < 1e-3, `${kind} ${variant}`);
      assert.ok(errors(s, xs, (u) => 0.125 * Math.sin(TAU * u)).abs < 1e-3, `${kind} ${variant}`);
    }
  }
});

Deno.test("Π_cos: extra phase bits (u carrying f + 8 fractional bits) give the same function", async () => {
  const xs = grid(-3, 3, 2 ** -6);
  for (const kind of ["plain", "2pc", "3pc"] as const) {
    for (const variant of ["exact", "paper", "iterative"] as const) {
      const got = await apply1(kind, new FloatTensor(xs), (be, x) =>
        // mulInt(x, 2^8): the same u with 24 fractional bits.
        cos(be, be.mulInt(x, 256), { variant, phaseBits: be.fp.fracBits + 8 }));
      const bound = variant === "iterative" ? 0.3 : cosSpec.error.maxAbs;
      assert.ok(errors(got, xs, (u) => Math.cos(TAU * u)).abs < bound, `${kind} ${variant}`);
    }
  }
});

Deno.test("Π_cos iterative: off its domain the modulus drifts as exp(θ²/2^(n+1)), as documented", async () => {
  const us = [2, 5];
  const [c, s] = await runAndReveal("2pc", async (be) => {
    const x = await inputFrom(be, "dataOwner", FloatTensor.from(us));
    const r = await cosSin(be, x, { variant: "iterative" });
    return [r.cos, r.sin];
  });
  us.forEach((u, i) => {
    const modulus = Math.hypot(c.data[i], s.data[i]);
    const predicted = (1 + (TAU * u) ** 2 / 4 ** 10) ** (2 ** 9);
    assert.ok(Math.abs(modulus / predicted - 1) < 0.02, `u=${u}: ${modulus} vs ${predicted}`);
    assert.ok(modulus - 1 > (u === 2 ? 0.07 : 0.5), `u=${u}: error ${modulus - 1}`);
  });
});

/** Wraps a backend to record what it opens. */
function recording(be: SecretBackend, log: RingTensor[]): SecretBackend {
  return new Proxy(be, {
    get(target, prop) {
      if (prop === "openMod2k") {
        return async (x: never, k: number) => {
          const r = await target.openMod2k(x, k);
          if (target.computing) log.push(r);
          return r;
        };
      }
      if (prop === "revealRing") {
        return async (x: never, to: never) => {
          const r = await target.revealRing(x, to);
          if (r) log.push(r);
          return r;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Chi-square statistic of the top 8 of `bits` bits against uniform (255 dof). */
function chi2(t: RingTensor, bits: number): number {
  const counts = new Array(256).fill(0);
  for (const v of t.data) counts[Number((v >> BigInt(bits - 8)) & 255n)]++;
  const e = t.size / 256;
  return counts.reduce((a, c) => a + (c - e) ** 2 / e, 0);
}

Deno.test("Π_cos exact opens only f bits, uniform whatever u is; paper opens u + a wide mask", async () => {
  const n = 1 << 14;
  for (const u of [0, 0.3, -7.25]) {
    const log: RingTensor[] = [];
    const paperLog: RingTensor[] = [];
    await runLocal("2pc", async (raw) => {
      const x = await inputFrom(raw, "dataOwner", new FloatTensor(new Float64Array(n).fill(u)));
      await cos(recording(raw, log), x);
      await cos(recording(raw, paperLog), x, { variant: "paper" });
    }, { insecureSeed: `open-${u}` });
    assert.equal(log.length, 2); // party 0 and party 1 see the same δ
    assert.ok(log[0].equals(log[1]));
    for (const v of log[0].data) assert.ok(v < 1n << 16n, "exact opening has f bits");
    assert.ok(
      chi2(log[0], 16) < 330,
      `u=${u}: opened phase not uniform (chi² ${chi2(log[0], 16)})`,
    );
    // Paper: the full ring value u·2^f + t_a + 2^f·t_b with t_b < 2^20 per share.
    const enc = BigInt(Math.round(u * 65536));
    for (const v of paperLog[0].data) {
      const masked = BigInt.asIntN(64, v - BigInt.asUintN(64, enc));
      assert.ok(masked >= 0n && masked < 1n << 38n, "mask within 2^(f+20+2)");
    }
  }
});

Deno.test("Π_cos with preprocessed tuples: same function; tuples of the wrong shape are refused", async () => {
  const xs = grid(-2, 2, 2 ** -6);
  for (const kind of ["plain", "2pc", "3pc"] as const) {
    for (const variant of ["exact", "paper"] as const) {
      const [c] = await runAndReveal(kind, async (be) => {
        const x = await inputFrom(be, "dataOwner", new FloatTensor(xs));
        const tuples = await cosPreprocess(be, x.shape, { variant });
        return [await cos(be, x, { variant, tuples })];
      });
      assert.ok(errors(c, xs, (u) => Math.cos(TAU * u)).abs <= cosSpec.error.maxAbs);
    }
  }
  await assert.rejects(
    runAndReveal("plain", async (be) => {
      const x = await inputFrom(be, "dataOwner", new FloatTensor(xs));
      return [await cos(be, x, { tuples: await cosPreprocess(be, [3]) })];
    }),
    /preprocessed tuples do not fit/,
  );
});

Deno.test("Π_cos: non-computing parties (dealer, data owner) run the program on phantom shares", async () => {
  const { results } = await runLocal("2pc", async (be) => {
    const x = await inputFrom(be, "dataOwner", FloatTensor.from([0.1, 0.2]));
    const r = await cosSin(be, x, { variant: "paper" });
    const s = await sin(be, x);
    return [r.cos.shape, s.shape, be.computing];
  }, { insecureSeed: "phantom" });
  for (const [, v] of results) assert.deepEqual(v.slice(0, 2), [[2], [2]]);
});
