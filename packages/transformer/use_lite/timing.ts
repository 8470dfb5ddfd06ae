/**
 * Sinusoidal timing signal of USE-lite (tensor2tensor `add_timing_signal_1d`): for position t and
 * inverse timescales inv[0..K), the row is `[sin(t·inv_0) … sin(t·inv_{K−1}), cos(t·inv_0) … cos(t·inv_{K−1})]`
 * (sin block then cos block, width 2K = embedDim). Positions count tokens from 0 (prompt rows
 * included).
 *
 * @module
 */

/** Adds the timing signal of `position` to `out[offset … offset + 2K)`. */
export function addTimingSignal(
  position: number,
  invTimescales: Float64Array,
  out: Float64Array,
  offset: number,
): void {
  const K = invTimescales.length;
  for (let i = 0; i < K; i++) {
    const a = position * invTimescales[i];
    out[offset + i] += Math.sin(a);
    out[offset + K + i] += Math.cos(a);
  }
}

/** The timing signal of positions 0..n−1 as an [n × 2K] matrix. */
export function timingSignal(n: number, invTimescales: Float64Array): Float64Array {
  const w = 2 * invTimescales.length;
  const out = new Float64Array(n * w);
  for (let t = 0; t < n; t++) addTimingSignal(t, invTimescales, out, t * w);
  return out;
}
