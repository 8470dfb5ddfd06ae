/**
 * Closed-form communication costs of the backend primitives, per party, as the ledger counts them
 * (payload bytes sent; dependent rounds). Tests assert these equal the measured ledger.
 *
 * @module
 */
import type { BackendKind, TruncMode } from "./backend.ts";
import { ltzBits, planeWords, signOfSumAndPlanes } from "./bits.ts";

/** Cost of one primitive call. */
export interface Cost {
  /** Dependent online rounds. */
  rounds: number;
  /** Online bytes sent, per sending party id. */
  bytes: Record<number, number>;
  /** Offline (correlated randomness) bytes, all senders. */
  offlineBytes: number;
  /** Dependent offline rounds. */
  offlineRounds: number;
}

const W = 8; // bytes per ring element

/** Cost of truncating n elements. */
export function truncCost(kind: BackendKind, n: number, trunc: TruncMode = "exact"): Cost {
  if (kind === "2pc") {
    return trunc === "local"
      ? zeroCost()
      : { rounds: 1, bytes: { 0: W * n, 1: W * n }, offlineBytes: 2 * W * n, offlineRounds: 1 };
  }
  if (kind === "3pc") {
    return trunc === "local"
      ? { rounds: 1, bytes: { 1: W * n }, offlineBytes: 0, offlineRounds: 0 }
      : {
        rounds: 2,
        bytes: { 0: 2 * W * n, 1: 2 * W * n },
        offlineBytes: 2 * W * n,
        offlineRounds: 1,
      };
  }
  return zeroCost();
}

/**
 * Cost of a truncated product (`mul`, `matmul`) with n outputs, given its untruncated cost:
 * product then truncation, except 3PC `exact`, which fuses them (2 rounds; parties 0 and 1 send
 * their opening and reshare halves, party 2 its masked share to both; party 2's pair offline).
 */
export function truncatedProductCost(
  kind: BackendKind,
  noTrunc: Cost,
  n: number,
  trunc: TruncMode = "exact",
): Cost {
  if (kind === "3pc" && trunc === "exact") {
    return {
      rounds: 2,
      bytes: { 0: 2 * W * n, 1: 2 * W * n, 2: 2 * W * n },
      offlineBytes: 2 * W * n,
      offlineRounds: 1,
    };
  }
  return seq(noTrunc, truncCost(kind, n, trunc));
}

/** Cost of an elementwise product of n elements without truncation. */
export function mulNoTruncCost(kind: BackendKind, n: number): Cost {
  if (kind === "2pc") {
    return {
      rounds: 1,
      bytes: { 0: 2 * W * n, 1: 2 * W * n },
      offlineBytes: W * n,
      offlineRounds: 1,
    };
  }
  if (kind === "3pc") {
    return {
      rounds: 1,
      bytes: { 0: W * n, 1: W * n, 2: W * n },
      offlineBytes: 0,
      offlineRounds: 0,
    };
  }
  return zeroCost();
}

/** Cost of a (batched) matmul [b,m,k]@[k,n] (bBatched: [b,k,n]) without truncation. */
export function matmulNoTruncCost(
  kind: BackendKind,
  b: number,
  m: number,
  k: number,
  n: number,
  bBatched: boolean,
): Cost {
  const out = b * m * n;
  if (kind === "2pc") {
    const sent = W * (b * m * k + (bBatched ? b : 1) * k * n);
    return { rounds: 1, bytes: { 0: sent, 1: sent }, offlineBytes: W * out, offlineRounds: 1 };
  }
  if (kind === "3pc") {
    return {
      rounds: 1,
      bytes: { 0: W * out, 1: W * out, 2: W * out },
      offlineBytes: 0,
      offlineRounds: 0,
    };
  }
  return zeroCost();
}

/** Cost of a fixed-operand matmul [m,k]@W[k,n] after `fixed(W)`, without truncation. */
export function matmulFixedNoTruncCost(kind: BackendKind, m: number, k: number, n: number): Cost {
  if (kind === "2pc") {
    return {
      rounds: 1,
      bytes: { 0: W * m * k, 1: W * m * k },
      offlineBytes: W * m * n,
      offlineRounds: 1,
    };
  }
  return matmulNoTruncCost(kind, 1, m, k, n, false);
}

/** Cost of opening n elements mod 2^k to the computing parties. */
export function openMod2kCost(kind: BackendKind, n: number, k: number): Cost {
  const b = Math.ceil(k / 8) * n;
  if (kind === "2pc") {
    return { rounds: 1, bytes: { 0: b, 1: b }, offlineBytes: 0, offlineRounds: 0 };
  }
  if (kind === "3pc") {
    return { rounds: 1, bytes: { 0: b, 1: b, 2: b }, offlineBytes: 0, offlineRounds: 0 };
  }
  return zeroCost();
}

/** Sequential composition: rounds and bytes add. */
export function seq(...cs: Cost[]): Cost {
  const out = zeroCost();
  for (const c of cs) {
    out.rounds += c.rounds;
    out.offlineBytes += c.offlineBytes;
    out.offlineRounds += c.offlineRounds;
    for (const [p, v] of Object.entries(c.bytes)) out.bytes[+p] = (out.bytes[+p] ?? 0) + v;
  }
  return out;
}

/** The cost of doing nothing (a fresh value to accumulate into). */
export function zeroCost(): Cost {
  return { rounds: 0, bytes: {}, offlineBytes: 0, offlineRounds: 0 };
}

/**
 * Cost of `ltz` on n elements of `bits` bits, bit-sliced into planes of ⌈n/64⌉ words. The carry
 * tree (see `signOfSum`) ANDs bits − 1 generate planes, then 2·⌊k/2⌋ − 1 planes per level of k
 * nodes (≈ 3·bits planes in all: 86 at 32 bits, 181 at 64). 2PC: dealer boolean triples (16 bytes
 * per AND word online, 8 offline), then one Beaver product for the bit's arithmetic form:
 * 2 + ⌈log2(bits − 1)⌉ rounds. 3PC: one carry-save AND round (2(bits − 1) planes), the tree,
 * then two products: 4 + ⌈log2(bits − 1)⌉ rounds.
 */
export function ltzCost(kind: BackendKind, n: number, bits = 64): Cost {
  const pw = planeWords(n);
  const ands = signOfSumAndPlanes(ltzBits(bits));
  const words = pw * ands.reduce((a, b) => a + b, 0);
  if (kind === "2pc") {
    const b = 2 * W * words + 2 * W * n;
    return {
      rounds: 1 + ands.length,
      bytes: { 0: b, 1: b },
      offlineBytes: W * words + W * n,
      offlineRounds: 1 + ands.length,
    };
  }
  if (kind === "3pc") {
    const b = W * (words + 2 * (bits - 1) * pw) + 2 * W * n;
    return {
      rounds: 3 + ands.length,
      bytes: { 0: b, 1: b, 2: b },
      offlineBytes: 0,
      offlineRounds: 0,
    };
  }
  return zeroCost();
}
