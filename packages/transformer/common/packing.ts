/**
 * Packed rows: the real token positions of a padded batch `[B, S, F]` stacked into `[N, F]`
 * (N = Σ lengths), and back. Per-token layers (LayerNorm, dense, ReLU) then run on real tokens
 * only; attention, which needs the `[B, S]` layout, unpacks with zero rows at padding. The lengths
 * are public (the data owner announces them), so both directions are local slicing with no
 * communication and reveal nothing new.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";

/** Public per-row mask and pooling weights of a padded batch. */
export interface BatchLayout {
  /** Sequences. */
  readonly batch: number;
  /** Padded length. */
  readonly seq: number;
  /** Real tokens per sequence (public). */
  readonly lengths: readonly number[];
}

/** 0/1 mask `[B, S]` of real positions. */
export function maskOf(layout: BatchLayout): FloatTensor {
  const m = new Float64Array(layout.batch * layout.seq);
  layout.lengths.forEach((n, b) => m.fill(1, b * layout.seq, b * layout.seq + n));
  return new FloatTensor(m, [layout.batch, layout.seq]);
}

/** Number of real rows N = Σ lengths. */
export function packedRows(layout: BatchLayout): number {
  return layout.lengths.reduce((a, n) => a + n, 0);
}

/** `[B, S, F]` → `[N, F]`: the first `lengths[b]` rows of each sequence, in order. */
export function packRows(be: SecretBackend, x: Shared, layout: BatchLayout): Shared {
  const [B, S, F] = x.shape;
  if (B !== layout.batch || S !== layout.seq) {
    throw new RangeError(
      `packRows: [${x.shape}] does not match layout [${layout.batch}, ${layout.seq}]`,
    );
  }
  if (layout.lengths.every((n) => n === S)) return be.reshape(x, [B * S, F]);
  const parts: Shared[] = [];
  layout.lengths.forEach((n, b) => {
    if (n > 0) parts.push(be.reshape(be.slice(be.slice(x, 0, b, b + 1), 1, 0, n), [n, F]));
  });
  return be.concat(parts, 0);
}

/** `[N, F]` → `[B, S, F]` with zero rows at padding (inverse of {@link packRows}). */
export function unpackRows(be: SecretBackend, x: Shared, layout: BatchLayout): Shared {
  const { batch: B, seq: S, lengths } = layout;
  const F = x.shape[1];
  if (x.shape.length !== 2 || x.shape[0] !== packedRows(layout)) {
    throw new RangeError(`unpackRows: [${x.shape}] is not [${packedRows(layout)}, F]`);
  }
  if (lengths.every((n) => n === S)) return be.reshape(x, [B, S, F]);
  const zeroRow = be.sub(be.slice(x, 0, 0, 1), be.slice(x, 0, 0, 1)); // [1, F] of zeros
  const seqs: Shared[] = [];
  let at = 0;
  for (const n of lengths) {
    const rows: Shared[] = [];
    if (n > 0) rows.push(be.slice(x, 0, at, at + n));
    if (n < S) rows.push(be.broadcastTo(zeroRow, [S - n, F]));
    seqs.push(be.reshape(rows.length === 1 ? rows[0] : be.concat(rows, 0), [1, S, F]));
    at += n;
  }
  return be.concat(seqs, 0);
}

/** Mean of each sequence's packed rows: `[N, F]` → `[B, F]` (local: public weights 1/length). */
export async function meanRows(be: SecretBackend, x: Shared, layout: BatchLayout): Promise<Shared> {
  const sums: Shared[] = [];
  let at = 0;
  for (const n of layout.lengths) {
    if (n < 1) throw new RangeError("meanRows: a sequence has no tokens");
    sums.push(be.sum(be.slice(x, 0, at, at + n), 0, true)); // [1, F]
    at += n;
  }
  const w = Float64Array.from(layout.lengths, (n) => 1 / n);
  return await be.mulPublic(be.concat(sums, 0), new FloatTensor(w, [layout.batch, 1]));
}
