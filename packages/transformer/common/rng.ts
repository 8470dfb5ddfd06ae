/**
 * Small seeded pseudo-random generators for reproducible random weights and random features.
 * Not cryptographic.
 *
 * @module
 */

/**
 * A seeded stream of uniform and Gaussian doubles for random weights and random features (sfc32;
 * the tuning side has its own ChaCha20 `Rng` in `@secp/fot`, whose state a checkpoint can save).
 */
export interface WeightRng {
  /** Uniform double in [0, 1) with 32 random bits. */
  uniform(): number;
  /** Standard normal N(0, 1) (Box–Muller, caching the second value). */
  gaussian(): number;
}

/**
 * `sfc32` (Chris Doty-Humphrey's small fast counter generator) seeded from a number or string via
 * splitmix32-style hashing; 12 warm-up rounds. Equal seeds give equal streams on every platform.
 */
export function seededRng(seed: number | string): WeightRng {
  let h = 0x9e3779b9;
  const text = String(seed);
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  const mix = () => {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = mix(), b = mix(), c = mix(), d = mix() | 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  let spare = NaN;
  return {
    uniform: () => next() / 4294967296,
    gaussian: () => {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = NaN;
        return s;
      }
      let u = 0;
      while (u === 0) u = next() / 4294967296;
      const v = next() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Fills a new Float64Array of length n with N(mean, std²) samples from `rng`. */
export function gaussianArray(rng: WeightRng, n: number, std = 1, mean = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * rng.gaussian();
  return out;
}
