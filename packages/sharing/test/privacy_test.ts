import assert from "node:assert/strict";
import { FloatTensor, RingTensor } from "@secp/field";
import { runLocal } from "../mod.ts";
import { recordSends } from "./helpers.ts";

/** Chi-square statistic of the top byte of each element against the uniform distribution. */
function chiSquareTopByte(t: RingTensor): number {
  const counts = new Array(256).fill(0);
  for (const v of t.data) counts[Number(v >> 56n)]++;
  const expect = t.size / 256;
  return counts.reduce((s, c) => s + (c - expect) ** 2 / expect, 0);
}

// 255 degrees of freedom: the 99.9% quantile is about 330.
const CHI2_999 = 330;

for (const kind of ["2pc", "3pc"] as const) {
  Deno.test(`${kind}: a single party's shares are uniform whatever the secret`, async () => {
    const n = 1 << 14;
    for (const secret of [0, 12345.5]) {
      const { results } = await runLocal(kind, async (be) => {
        const v = be.is("dataOwner")
          ? FloatTensor.from(new Float64Array(n).fill(secret))
          : undefined;
        const x = await be.input("dataOwner", v, [n]);
        const m = await be.mul(x, x); // shares after an interactive op, too
        return be.party === 1 ? [x.parts[0], m.parts[0]] : [];
      }, { insecureSeed: `privacy-${secret}` });
      for (const view of results.get(1)!) {
        const chi = chiSquareTopByte(view);
        assert.ok(chi < CHI2_999, `secret ${secret}: chi-square ${chi.toFixed(1)}`);
      }
    }
  });
}

Deno.test("fixed seeds give identical runs; fresh seeds give different shares", async () => {
  const program = async (be: import("../mod.ts").SecretBackend) => {
    const x = await be.input(
      "dataOwner",
      be.is("dataOwner") ? FloatTensor.from([1, 2, 3]) : undefined,
      [3],
    );
    const y = await be.mul(x, x);
    return be.party === 0 ? [...y.parts[0].data] : [];
  };
  const a = await runLocal("2pc", program, { insecureSeed: "det" });
  const b = await runLocal("2pc", program, { insecureSeed: "det" });
  const c = await runLocal("2pc", program);
  assert.deepEqual(a.results.get(0), b.results.get(0));
  assert.notDeepEqual(a.results.get(0), c.results.get(0));
  // Same messages (the order parties interleave in one process may differ).
  const key = (l: typeof a.ledger) =>
    l.entries().map((e) =>
      JSON.stringify([e.from, e.to, e.path, e.phase, e.bytes, e.messages, e.maxDepth])
    ).sort();
  assert.deepEqual(key(a.ledger), key(b.ledger));
});

Deno.test("3pc with fixed test seeds is reproducible (input masks included)", async () => {
  const program = async (be: import("../mod.ts").SecretBackend) => {
    const x = await be.input(
      "dataOwner",
      be.is("dataOwner") ? FloatTensor.from([1, 2, 3]) : undefined,
      [3],
    );
    const y = await be.mul(x, x); // every party takes part
    return be.party === 1 ? [...y.parts[0].data] : [];
  };
  const a = await runLocal("3pc", program, { insecureSeed: "det3" });
  const b = await runLocal("3pc", program, { insecureSeed: "det3" });
  assert.deepEqual(a.results.get(1), b.results.get(1));
});

/** Records the payloads sent under the "op" scope, keyed by link, phase and path. */
function recordOp(log: Map<string, Uint8Array[]>) {
  return recordSends((from, to, payload, meta) => {
    if (!meta.path.startsWith("op/")) return;
    const k = `${from}>${to} ${meta.phase} ${meta.path}`;
    log.set(k, [...(log.get(k) ?? []), payload]);
  });
}

// Exact truncation (2PC: the dealer's pair, the opening of x + r + 2^62; 3PC: party 2's pair and
// masked share, the opening, the reshare halves): every message is uniform whatever the secret,
// and 3PC's party 2 receives nothing.
for (const kind of ["2pc", "3pc"] as const) {
  Deno.test(`${kind} exact truncation: every message of a product and a truncation is uniform`, async () => {
    const n = 1 << 14;
    for (const secret of [0, 12345.5]) {
      const log = new Map<string, Uint8Array[]>();
      await runLocal(kind, async (be) => {
        const v = be.is("dataOwner")
          ? FloatTensor.from(new Float64Array(n).fill(secret))
          : undefined;
        const x = await be.input("dataOwner", v, [n]);
        await be.scope("op", async () => {
          await be.mul(x, x);
          await be.truncate(be.mulInt(x, 1 << 16));
        });
      }, { insecureSeed: `privacy-trunc-${secret}`, trunc: "exact", wrapChannel: recordOp(log) });
      assert.ok(log.size >= 3, [...log.keys()].join(", "));
      for (const [link, payloads] of log) {
        if (kind === "3pc") assert.ok(!link.includes(">2 "), `party 2 received ${link}`);
        for (const p of payloads) {
          const t = RingTensor.fromBytes(p, [p.length / 8]);
          const chi = chiSquareTopByte(t);
          assert.ok(chi < CHI2_999, `secret ${secret}, ${link}: chi-square ${chi.toFixed(1)}`);
        }
      }
    }
  });
}
