/** Per-row errors of RFA attention against its float64 reference (test helper). */
import type { FloatTensor } from "@secp/field";
import { RFA_DEN_FLOOR, type RfaReference, rfaRowErrorBound } from "../rfa.ts";

/** One (batch, head, query) row. */
export interface RfaRow {
  /** Reference denominator. */
  den: number;
  /** Max abs error of the row's d outputs. */
  err: number;
  /** Max |reference output| of the row. */
  outMax: number;
}

/**
 * Rows of `got` against `ref` (outputs `[…, d]`), with the rows the contract covers (reference
 * denominator ≥ 4ε) and the worst ratio of error to {@link rfaRowErrorBound}.
 */
export function rfaRows(
  got: FloatTensor,
  ref: RfaReference,
  vMax: number,
): { rows: RfaRow[]; kept: RfaRow[]; maxErr: number; worstRatio: number } {
  const n = ref.den.length, d = got.size / n;
  if (!Number.isInteger(d) || got.size !== ref.out.size) {
    throw new RangeError(`rfaRows: ${got.size} outputs for ${ref.out.size} reference outputs`);
  }
  const rows: RfaRow[] = [];
  for (let r = 0; r < n; r++) {
    let err = 0, outMax = 0;
    for (let c = 0; c < d; c++) {
      const diff = Math.abs(got.data[r * d + c] - ref.out.data[r * d + c]);
      err = Math.max(err, Number.isFinite(diff) ? diff : Infinity);
      outMax = Math.max(outMax, Math.abs(ref.out.data[r * d + c]));
    }
    rows.push({ den: ref.den[r], err, outMax });
  }
  const kept = rows.filter((r) => r.den >= 4 * RFA_DEN_FLOOR);
  return {
    rows,
    kept,
    maxErr: Math.max(0, ...kept.map((r) => r.err)),
    worstRatio: Math.max(0, ...kept.map((r) => r.err / rfaRowErrorBound(r.den, vMax, r.outMax))),
  };
}
