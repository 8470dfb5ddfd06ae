/**
 * Closed-form costs of `3pc` (replicated sharing, ABY3), as the ledger counts them: payload bytes
 * sent per party and dependent rounds. Tests assert each equals the measured ledger.
 *
 * @module
 */
import { ltzAndWork } from "./bits.ts";
import { type BackendCosts, type Cost, seq, W, zeroCost } from "./cost_model.ts";

const all = (b: number) => ({ 0: b, 1: b, 2: b });

/** The costs of `Replicated3pc`. */
export const REPLICATED_3PC_COSTS: BackendCosts = {
  computing: [0, 1, 2],
  exactTruncation: (mode) => mode === "exact",
  // exact: parties 0 and 1 open with party 2's pair, then reshare halves (2 rounds); local:
  // ABY3's Π_trunc1, one re-randomising message from party 1 to party 0.
  trunc: (n, mode): Cost =>
    mode === "local" ? { rounds: 1, bytes: { 1: W * n }, offlineBytes: 0, offlineRounds: 0 } : {
      rounds: 2,
      bytes: { 0: 2 * W * n, 1: 2 * W * n },
      offlineBytes: 2 * W * n,
      offlineRounds: 1,
    },
  truncSteps: (mode) => (mode === "exact" ? ["exchange", "exchange"] : ["oneToZero"]),
  // exact fuses product and truncation: 2 rounds, parties 0 and 1 send their opening and reshare
  // halves, party 2 its masked share to both; party 2's pair offline.
  truncatedProduct: (noTrunc, n, mode) =>
    mode === "exact"
      ? { rounds: 2, bytes: all(2 * W * n), offlineBytes: 2 * W * n, offlineRounds: 1 }
      : seq(noTrunc, REPLICATED_3PC_COSTS.trunc(n, mode)),
  fusedProductSteps: (mode) => (mode === "exact" ? ["fold", "exchange"] : null),
  productSteps: ["ring"],
  // Each party sends its reshared share of the output to the next.
  mulNoTrunc: (n) => ({ rounds: 1, bytes: all(W * n), offlineBytes: 0, offlineRounds: 0 }),
  matmulNoTrunc: (b, m, _k, n) => ({
    rounds: 1,
    bytes: all(W * b * m * n),
    offlineBytes: 0,
    offlineRounds: 0,
  }),
  // Replicated products send only the output: nothing to prepare.
  fixed: (): Cost => zeroCost(),
  matmulFixedNoTrunc: (m, k, n) => REPLICATED_3PC_COSTS.matmulNoTrunc(1, m, k, n, false),
  openMod2k: (n, k) => ({
    rounds: 1,
    bytes: all(Math.ceil(k / 8) * n),
    offlineBytes: 0,
    offlineRounds: 0,
  }),
  // One carry-save AND round (2(bits − 1) planes), the carry tree, then two products:
  // 4 + ⌈log2(bits − 1)⌉ rounds.
  ltz: (n, bits) => {
    const { pw, ands, words } = ltzAndWork(n, bits);
    return {
      rounds: 3 + ands.length,
      bytes: all(W * (words + 2 * (bits - 1) * pw) + 2 * W * n),
      offlineBytes: 0,
      offlineRounds: 0,
    };
  },
  ltzStep: "ring",
  // Party 0 shares cos/sin of its two phases (one word each to parties 1 and 2), then one
  // truncated product of 3n elements (Gauss's complex product) adds the third: all offline.
  trigTuple: (n, mode) => {
    const one = REPLICATED_3PC_COSTS.truncatedProduct(
      REPLICATED_3PC_COSTS.mulNoTrunc(3 * n),
      3 * n,
      mode,
    );
    const total = Object.values(one.bytes).reduce((a, b) => a + b, 0) + one.offlineBytes;
    return { rounds: 0, bytes: {}, offlineBytes: 4 * W * n + total, offlineRounds: 1 + one.rounds };
  },
};
