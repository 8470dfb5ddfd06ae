/**
 * Deep prompts (BBTv2-style) under MPC: the rows of a layer's prompt replace the hidden states of
 * the prompt positions at that layer's input. The positions are public (the prompt length and the
 * text lengths are), so replacing is local slicing and concatenation on shares: no communication,
 * and the only extra inputs are the data owner's prompt rows.
 *
 * @module
 */
import type { SecretBackend, Shared } from "@secp/sharing";
import type { BatchLayout } from "./packing.ts";

/**
 * Packed rows `h` `[N, W]` of a batch whose every sequence starts with L prompt positions: the
 * first L rows of each sequence replaced by that sequence's `rows` `[B, L, W]`.
 */
export function replacePackedPromptRows(
  be: SecretBackend,
  h: Shared,
  rows: Shared,
  layout: BatchLayout,
): Shared {
  const [B, L, W] = rows.shape;
  if (B !== layout.batch || h.shape[1] !== W) {
    throw new RangeError(`replacePackedPromptRows: rows [${rows.shape}] do not fit h [${h.shape}]`);
  }
  const parts: Shared[] = [];
  let at = 0;
  layout.lengths.forEach((n, b) => {
    if (n < L) throw new RangeError(`replacePackedPromptRows: sequence ${b} has ${n} < ${L} rows`);
    parts.push(be.reshape(be.slice(rows, 0, b, b + 1), [L, W]));
    if (n > L) parts.push(be.slice(h, 0, at + L, at + n));
    at += n;
  });
  return be.concat(parts, 0);
}

/** Padded rows `h` `[B, S, W]`: positions `at … at+L−1` replaced by `rows` `[B, L, W]`. */
export function replacePaddedPromptRows(
  be: SecretBackend,
  h: Shared,
  rows: Shared,
  at: number,
): Shared {
  const [B, S, W] = h.shape;
  const L = rows.shape[1];
  if (rows.shape[0] !== B || rows.shape[2] !== W || at + L > S) {
    throw new RangeError(
      `replacePaddedPromptRows: rows [${rows.shape}] at ${at} do not fit h [${h.shape}]`,
    );
  }
  const parts: Shared[] = [];
  if (at > 0) parts.push(be.slice(h, 1, 0, at));
  parts.push(rows);
  if (at + L < S) parts.push(be.slice(h, 1, at + L, S));
  return be.concat(parts, 1);
}

/**
 * The data owner's deep prompts `[P, L, ΣW]` (layer-0 columns first, then each later layer's) as
 * one `[P·T, L, W_l]` tensor per layer after the first, repeated over T texts (prompt-major).
 */
export function layerPromptRows(
  be: SecretBackend,
  prompts: Shared,
  widths: readonly number[],
  texts: number,
): { first: Shared; later: Shared[] } {
  const [P, L] = prompts.shape;
  let off = widths[0];
  const out: Shared[] = [];
  for (const w of widths.slice(1)) {
    const part = be.slice(prompts, 2, off, off + w);
    off += w;
    out.push(
      be.reshape(be.broadcastTo(be.reshape(part, [P, 1, L, w]), [P, texts, L, w]), [
        P * texts,
        L,
        w,
      ]),
    );
  }
  if (off !== prompts.shape[2]) {
    throw new RangeError(`layerPromptRows: widths sum to ${off}, prompts are [${prompts.shape}]`);
  }
  return { first: be.slice(prompts, 2, 0, widths[0]), later: out };
}
