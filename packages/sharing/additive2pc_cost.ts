/**
 * Closed-form costs of `2pc` (additive sharing with a dealer), as the ledger counts them: payload
 * bytes sent per party and dependent rounds. Tests assert each equals the measured ledger.
 *
 * @module
 */
import { ltzAndWork } from "./bits.ts";
import { type BackendCosts, type Cost, seq, W, zeroCost } from "./cost_model.ts";

const both = (b: number) => ({ 0: b, 1: b });

/** The costs of `Additive2pc`. */
export const ADDITIVE_2PC_COSTS: BackendCosts = {
  computing: [0, 1],
  exactTruncation: (mode) => mode === "exact",
  // exact: both parties open c = x + r with the dealer's pair (1 round); local: SecureML, free.
  trunc: (n, mode) =>
    mode === "local"
      ? zeroCost()
      : { rounds: 1, bytes: both(W * n), offlineBytes: 2 * W * n, offlineRounds: 1 },
  truncSteps: (mode) => (mode === "exact" ? ["exchange"] : ["none"]),
  truncatedProduct: (noTrunc, n, mode) => seq(noTrunc, ADDITIVE_2PC_COSTS.trunc(n, mode)),
  fusedProductSteps: () => null,
  productSteps: ["exchange"],
  // Beaver: open x − a and y − b (both parties), the dealer's correction of c offline.
  mulNoTrunc: (n) => ({ rounds: 1, bytes: both(2 * W * n), offlineBytes: W * n, offlineRounds: 1 }),
  matmulNoTrunc: (b, m, k, n, bBatched) => ({
    rounds: 1,
    bytes: both(W * (b * m * k + (bBatched ? b : 1) * k * n)),
    offlineBytes: W * b * m * n,
    offlineRounds: 1,
  }),
  // W − B opened once (B from the dealer's seeds).
  fixed: (k, n) => ({ rounds: 1, bytes: both(W * k * n), offlineBytes: 0, offlineRounds: 0 }),
  // Only x − A travels; the dealer corrects C = A·B.
  matmulFixedNoTrunc: (m, k, n) => ({
    rounds: 1,
    bytes: both(W * m * k),
    offlineBytes: W * m * n,
    offlineRounds: 1,
  }),
  openMod2k: (n, k) => ({
    rounds: 1,
    bytes: both(Math.ceil(k / 8) * n),
    offlineBytes: 0,
    offlineRounds: 0,
  }),
  // Bit-sliced carry tree on dealer boolean triples (16 bytes per AND word online, 8 offline),
  // then one Beaver product for the bit's arithmetic form: 2 + ⌈log2(bits − 1)⌉ rounds.
  ltz: (n, bits) => {
    const { ands, words } = ltzAndWork(n, bits);
    return {
      rounds: 1 + ands.length,
      bytes: both(2 * W * words + 2 * W * n),
      offlineBytes: W * words + W * n,
      offlineRounds: 1 + ands.length,
    };
  },
  ltzStep: "exchange",
  // The dealer sends party 1's corrections of cos and sin.
  trigTuple: (n): Cost => ({ rounds: 0, bytes: {}, offlineBytes: 2 * W * n, offlineRounds: 1 }),
};
