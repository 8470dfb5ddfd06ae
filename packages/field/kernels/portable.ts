/**
 * Portable TypeScript kernels. They are the reference the WebAssembly kernels must equal bit for bit,
 * and the fallback where WebAssembly SIMD is unavailable. Ring kernels rely on `BigUint64Array`
 * stores wrapping mod 2^64; run hot callers with `--v8-flags=--no-maglev` (see the package README).
 *
 * @module
 */

/** `out[i] = a[i] + b[i] mod 2^64`. */
export function addU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** `out[i] = a[i] - b[i] mod 2^64`. */
export function subU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
}

/** `out[i] = a[i] * b[i] mod 2^64`. */
export function mulU64(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

/** `out[i] = a[i] * s mod 2^64`. */
export function scaleU64(a: BigUint64Array, s: bigint, out: BigUint64Array): void {
  const c = BigInt.asUintN(64, s);
  for (let i = 0; i < out.length; i++) out[i] = a[i] * c;
}

/**
 * `c[m×n] += a[m×k] · b[k×n] mod 2^64` (i-k-j order), on sub-arrays starting at the given offsets.
 */
export function matmulU64(
  a: BigUint64Array,
  aOff: number,
  b: BigUint64Array,
  bOff: number,
  c: BigUint64Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    for (let p = 0; p < k; p++) {
      const av = a[aOff + i * k + p];
      if (av === 0n) continue;
      const bp = bOff + p * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}

/** `c[m×n] += a[m×k] · b[k×n]` in float64 (i-k-j order), on sub-arrays at the given offsets. */
export function matmulF64(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    for (let p = 0; p < k; p++) {
      const av = a[aOff + i * k + p];
      if (av === 0) continue;
      const bp = bOff + p * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}

/** `out[i] = a[i] + b[i]` in float64. */
export function addF64(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** `out[i] = a[i] - b[i]` in float64. */
export function subF64(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
}

/** `out[i] = a[i] * b[i]` in float64. */
export function mulF64(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

const TWO32 = 4294967296;

/**
 * Exact truncation with a helper's pair (see `Kernels.truncPairU64`). One pass on 32-bit halves
 * (no BigInt): w = msb·(1 − 2·bc) [+ bc], then w·2^(63−bits) − low [+ (c mod 2^63) ≫ bits −
 * 2^(62−bits)], bc the top bit of c.
 */
export function truncPairU64(
  c: BigUint64Array,
  msb: BigUint64Array,
  low: BigUint64Array,
  outU64: BigUint64Array,
  bits: number,
  first: boolean,
): void {
  const n = outU64.length;
  const halves = (t: BigUint64Array) => new Uint32Array(t.buffer, t.byteOffset, 2 * n);
  const C = halves(c), M = halves(msb), L = halves(low);
  const out = halves(outU64);
  const s = 63 - bits, offBits = 62 - bits;
  const offL = offBits < 32 ? 2 ** offBits : 0, offH = offBits < 32 ? 0 : 2 ** (offBits - 32);
  for (let i = 0; i < 2 * n; i += 2) {
    const cl = C[i], ch = C[i + 1];
    let wl = M[i], wh = M[i + 1];
    if (ch >>> 31) { // bc = 1: w = −msb, plus 1 for the first party
      wl = (TWO32 - wl) % TWO32;
      wh = (~wh + (wl === 0 ? 1 : 0)) >>> 0;
      if (first && ++wl === TWO32) {
        wl = 0;
        wh = (wh + 1) >>> 0;
      }
    }
    // (w << s) − low
    let rl = s >= 32 ? 0 : (wl << s) >>> 0;
    let rh = s >= 32 ? (wl << (s - 32)) >>> 0 : ((wh << s) | (wl >>> (32 - s))) >>> 0;
    rl -= L[i];
    rh -= L[i + 1];
    if (first) { // + (c mod 2^63) >> bits − 2^(62−bits)
      const cm = ch & 0x7fffffff;
      rl += (bits < 32 ? ((cl >>> bits) | (cm << (32 - bits))) >>> 0 : cm >>> (bits - 32)) - offL;
      rh += (bits < 32 ? cm >>> bits : 0) - offH;
    }
    const carry = Math.floor(rl / TWO32); // |rl| < 2^33: a small signed carry into the high half
    out[i] = rl - carry * TWO32;
    out[i + 1] = rh + carry; // stores wrap mod 2^32
  }
}
