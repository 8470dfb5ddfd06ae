/**
 * Ring tensors on the wire: several tensors per message (one message per peer per round), and
 * k-bit packing for openings mod 2^k (⌈k/8⌉ bytes per element instead of 8).
 *
 * @module
 */
import { RingTensor, type Shape, sizeOf } from "@secp/field";

/** Concatenates the little-endian bytes of `ts` into one payload. */
export function packRing(ts: readonly RingTensor[]): Uint8Array {
  if (ts.length === 1) return ts[0].toBytes();
  const total = ts.reduce((s, t) => s + t.size, 0);
  const out = new BigUint64Array(total);
  let at = 0;
  for (const t of ts) {
    out.set(t.data, at);
    at += t.size;
  }
  return new Uint8Array(out.buffer);
}

/** Splits a payload made by {@link packRing} back into tensors of the given shapes. */
export function unpackRing(
  bytes: Uint8Array,
  shapes: readonly Shape[],
  from: string,
): RingTensor[] {
  const need = 8 * shapes.reduce((s, sh) => s + sizeOf(sh), 0);
  if (bytes.length !== need) {
    throw new Error(
      `${from}: expected ${need} bytes for shapes ${JSON.stringify(shapes)}, got ${bytes.length}`,
    );
  }
  const all = RingTensor.fromBytes(bytes, [need / 8]);
  const out: RingTensor[] = [];
  let at = 0;
  for (const sh of shapes) {
    const n = sizeOf(sh);
    out.push(new RingTensor(all.data.subarray(at, at + n), sh));
    at += n;
  }
  return out;
}

/** Bytes per element when sending values mod 2^k. */
export function bytesPerElement(k: number): number {
  return Math.ceil(k / 8);
}

/** Low ⌈k/8⌉ bytes of each element of `t` (the caller has reduced it mod 2^k). */
export function packLowBytes(t: RingTensor, k: number): Uint8Array {
  const b = bytesPerElement(k);
  if (b === 8) return t.toBytes();
  const src = t.toBytes();
  const out = new Uint8Array(t.size * b);
  if (b === 2) {
    const s16 = new Uint16Array(src.buffer, src.byteOffset, 4 * t.size);
    const o16 = new Uint16Array(out.buffer);
    for (let i = 0; i < t.size; i++) o16[i] = s16[4 * i];
    return out;
  }
  for (let i = 0; i < t.size; i++) {
    for (let j = 0; j < b; j++) out[i * b + j] = src[8 * i + j];
  }
  return out;
}

/** Inverse of {@link packLowBytes}. */
export function unpackLowBytes(
  bytes: Uint8Array,
  k: number,
  shape: Shape,
  from: string,
): RingTensor {
  const b = bytesPerElement(k);
  const n = sizeOf(shape);
  if (bytes.length !== n * b) {
    throw new Error(
      `${from}: expected ${n * b} bytes for ${n} elements mod 2^${k}, got ${bytes.length}`,
    );
  }
  if (b === 8) return RingTensor.fromBytes(bytes, shape);
  const out = new BigUint64Array(n);
  const o8 = new Uint8Array(out.buffer);
  if (b === 2) {
    const o16 = new Uint16Array(out.buffer);
    const s16 = new Uint16Array(bytes.slice().buffer);
    for (let i = 0; i < n; i++) o16[4 * i] = s16[i];
    return new RingTensor(out, shape);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < b; j++) o8[8 * i + j] = bytes[i * b + j];
  }
  return new RingTensor(out, shape);
}
