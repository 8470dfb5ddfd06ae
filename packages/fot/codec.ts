/**
 * Exact, JSON-safe encodings for checkpoints: float64 arrays as base64 of their little-endian bytes,
 * and scalars that JSON numbers cannot carry (±Infinity, NaN, -0) as strings.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const CODES = new TextEncoder().encode(ALPHABET);
const LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 (RFC 4648, with padding) of a byte array. */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = CODES[v >> 18];
    out[o++] = CODES[(v >> 12) & 63];
    out[o++] = CODES[(v >> 6) & 63];
    out[o++] = CODES[v & 63];
  }
  if (i < n) {
    const b1 = i + 1 < n ? bytes[i + 1] : 0;
    const v = (bytes[i] << 16) | (b1 << 8);
    out[o++] = CODES[v >> 18];
    out[o++] = CODES[(v >> 12) & 63];
    out[o++] = i + 1 < n ? CODES[(v >> 6) & 63] : 61;
    out[o++] = 61;
  }
  return new TextDecoder().decode(out);
}

/** Decodes standard padded base64; throws `SyntaxError` on malformed input. */
export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new SyntaxError("base64: length is not a multiple of 4");
  let pad = 0;
  if (text.endsWith("==")) pad = 2;
  else if (text.endsWith("=")) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      let d: number;
      if (c === 61 && i + 4 === text.length && k >= 4 - pad) d = 0;
      else {
        d = c < 128 ? LOOKUP[c] : -1;
        if (d < 0) throw new SyntaxError(`base64: invalid character at ${i + k}`);
      }
      v = (v << 6) | d;
    }
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Encodes a float64 array bit-exactly (little-endian IEEE 754) as base64. */
export function f64ToBase64(values: ArrayLike<number>): string {
  if (LITTLE_ENDIAN && values instanceof Float64Array) {
    return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return bytesToBase64(bytes);
}

/**
 * Decodes {@link f64ToBase64} output. When `expectedLength` is given, a different length throws
 * `RangeError`.
 */
export function base64ToF64(text: string, expectedLength?: number): Float64Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % 8 !== 0) throw new RangeError("float64 payload is not a multiple of 8 bytes");
  const n = bytes.length / 8;
  if (expectedLength !== undefined && n !== expectedLength) {
    throw new RangeError(`float64 payload has ${n} values, expected ${expectedLength}`);
  }
  if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** A float64 scalar in JSON form: a plain number, or a string for non-finite values and -0. */
export type JsonFloat = number | string;

/** Encodes a float64 scalar so that `decodeFloat(encodeFloat(x))` is bit-identical (NaN aside). */
export function encodeFloat(x: number): JsonFloat {
  if (Number.isFinite(x) && !Object.is(x, -0)) return x;
  return Object.is(x, -0) ? "-0" : String(x);
}

/** Inverse of {@link encodeFloat}; throws `TypeError` on anything else. */
export function decodeFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "-0") return -0;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (v === "NaN") return NaN;
  throw new TypeError(`not an encoded float: ${JSON.stringify(v)}`);
}

/** Lower-case hex of a byte array. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s;
}

/** Parses lower- or upper-case hex; throws `SyntaxError` on odd length or non-hex characters. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new SyntaxError("hex: expected an even number of hex digits");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `JSON.stringify` that keeps ±Infinity, NaN and -0 (as `{"$float": "…"}`); see {@link parseExact}. */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))
        ? { $float: encodeFloat(v) }
        : v,
  );
}

/** `JSON.parse` that restores the numbers encoded by {@link stringifyExact}. */
export function parseExact(text: string): unknown {
  return JSON.parse(
    text,
    (_key, v) =>
      v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 &&
        "$float" in v
        ? decodeFloat(v.$float)
        : v,
  );
}
