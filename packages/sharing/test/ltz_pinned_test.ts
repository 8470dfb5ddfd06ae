/**
 * The `ltz` (bit-sliced sign test) cost pinned by hand, independently of `carryTreeSchedule`, the
 * schedule the implementation and `ltzCost` both use.
 *
 * Derivation. A `bits`-bit lane needs the carry into its top bit: m = bits − 1 positions below it.
 * Level 0 ANDs the generate bits g = a ∧ b of all m positions (m planes). The tree then combines
 * adjacent (G, P) nodes pairwise: a level of k nodes forms ⌊k/2⌋ pairs, each needing the AND
 * P_hi ∧ G_lo for its G and P_hi ∧ P_lo for its P, except the lowest pair, whose P is never used
 * (no carry enters position 0): 2⌊k/2⌋ − 1 planes; an odd node is carried up; the next level has
 * ⌈k/2⌉ nodes.
 *
 *   32 bits, m = 31: 31 → 29 planes (16 left), 16 → 15 (8), 8 → 7 (4), 4 → 3 (2), 2 → 1 (1).
 *     tree 29 + 15 + 7 + 3 + 1 = 55, total 31 + 55 = 86 planes in 1 + 5 = 6 AND rounds.
 *   38 bits (GELU's width), m = 37: 37 → 35 (19), 19 → 17 (10), 10 → 9 (5), 5 → 3 (3),
 *     3 → 1 (2), 2 → 1 (1). tree 66, total 37 + 66 = 103 planes in 1 + 6 = 7 AND rounds.
 *   64 bits, m = 63: 63 → 61 (32), 32 → 31 (16), 16 → 15 (8), 8 → 7 (4), 4 → 3 (2), 2 → 1.
 *     tree 118, total 63 + 118 = 181 planes in 1 + 6 = 7 AND rounds.
 *
 * Online cost of n elements, w = ⌈n/64⌉ words per plane, P planes in R AND rounds:
 * - 2PC (dealer boolean triples): each AND word opens two masked words to the peer (16 bytes), then
 *   one Beaver product turns the XOR-shared sign into an arithmetic share (16 bytes per element):
 *   16·w·P + 16n bytes per party, R + 1 rounds; the dealer sends 8 bytes per AND word and per
 *   element of the product's triple: 8·w·P + 8n offline bytes.
 * - 3PC (replicated): first a carry-save step reduces x0 + x1 + x2 to s + 2c with one AND round
 *   on 2·(bits − 1) planes (two majority ANDs per position below the top), every AND a reshare of
 *   one word to the next party (8 bytes); then the tree; then two products (8 bytes per element
 *   each) for the arithmetic form: 8·w·(P + 2(bits − 1)) + 16n bytes per party, R + 3 rounds.
 */
import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { type BackendKind, ltzCost, type SecretBackend, type TruncMode } from "../mod.ts";
import { inputFrom, measure, testData } from "./helpers.ts";

/** Hand-derived AND planes and AND rounds per lane width (see the module docs). */
const PINNED: Record<number, { planes: number; andRounds: number }> = {
  32: { planes: 86, andRounds: 6 },
  38: { planes: 103, andRounds: 7 },
  64: { planes: 181, andRounds: 7 },
};

function expected(kind: "2pc" | "3pc", n: number, bits: number) {
  const w = Math.ceil(n / 64), { planes, andRounds } = PINNED[bits];
  if (kind === "2pc") {
    const b = 16 * w * planes + 16 * n;
    return { rounds: andRounds + 1, bytes: { 0: b, 1: b }, offlineBytes: 8 * w * planes + 8 * n };
  }
  const b = 8 * w * (planes + 2 * (bits - 1)) + 16 * n;
  return { rounds: andRounds + 3, bytes: { 0: b, 1: b, 2: b }, offlineBytes: 0 };
}

const N = 130; // three words per plane, the last one partly used

for (const kind of ["2pc", "3pc"] as const) {
  for (const bits of [32, 38, 64]) {
    Deno.test(`${kind}: ltz at ${bits} bits costs the hand-derived ${PINNED[bits].planes} AND planes`, async () => {
      const want = expected(kind, N, bits);
      const c = ltzCost(kind as BackendKind, N, bits);
      assert.deepEqual({ rounds: c.rounds, bytes: c.bytes, offlineBytes: c.offlineBytes }, want);
      const trunc: TruncMode = "exact";
      const got = await measure(
        kind,
        trunc,
        async (be: SecretBackend) => [
          await inputFrom(be, "dataOwner", new FloatTensor(testData(N, 100, 3), [N])),
        ],
        (be, [x]) => be.ltz(x, { bits }),
      );
      assert.deepEqual(
        { rounds: got.rounds, bytes: got.bytes, offlineBytes: got.offlineBytes },
        want,
      );
    });
  }
}
