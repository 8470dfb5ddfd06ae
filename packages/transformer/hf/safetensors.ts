/**
 * The safetensors format (Hugging Face's `model.safetensors`), read into float64 tensors and
 * written back:
 *
 * - 8 bytes: N, the header length, unsigned 64-bit little-endian;
 * - N bytes: a UTF-8 JSON object `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, …}`
 *   plus an optional `"__metadata__"` string → string map (writers pad it with spaces);
 * - the data: each tensor's row-major little-endian bytes at `[begin, end)` relative to the byte
 *   after the header.
 *
 * Every element is decoded to a float64 (F64, F32, F16, BF16 and the integer types are exact in
 * float64, except 64-bit integers beyond 2^53). Reading checks what the reference implementation
 * checks, with errors that name the file and the tensor: header length over 100 MB, truncated
 * file, invalid JSON, unknown dtype, a byte range that does not match dtype × shape, ranges out of
 * the data or overlapping each other. Gaps between tensors are tolerated.
 *
 * @module
 */
import { float16ToNumber, numberToFloat16 } from "../common/float16.ts";

/** Element types this reader decodes (the reference implementation's, minus the 8-bit floats). */
export type SafetensorsDtype =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U64"
  | "U32"
  | "U16"
  | "U8"
  | "BOOL";

/** Element types {@link encodeSafetensors} writes. */
export type SafetensorsWriteDtype = "F64" | "F32" | "F16" | "BF16";

/** Bytes per element of each dtype. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
});

/** Largest header accepted, in bytes (the reference implementation's limit). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** One tensor of a safetensors file, decoded to float64 (row-major). */
export interface SafeTensor {
  /** Name in the header. */
  readonly name: string;
  /** Element type stored in the file. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions (`[]` is a scalar). */
  readonly shape: readonly number[];
  /** The values, `prod(shape)` of them. */
  readonly data: Float64Array;
}

/** One header entry (before decoding). */
export interface SafetensorsEntry {
  /** Name in the header. */
  readonly name: string;
  /** Element type. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions. */
  readonly shape: readonly number[];
  /** `[begin, end)` byte range relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** A parsed header: entries in header order, metadata, and where the data section starts. */
export interface SafetensorsHeader {
  /** Tensors in the order the header lists them. */
  readonly entries: readonly SafetensorsEntry[];
  /** The `__metadata__` map (empty if absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data section in the file (8 + header length). */
  readonly dataStart: number;
}

/** A decoded safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in header order. */
  readonly tensors: Map<string, SafeTensor>;
  /** The `__metadata__` map (empty if absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** A tensor to write: name, shape and row-major values. */
export interface TensorToWrite {
  /** Name in the header. */
  readonly name: string;
  /** Dimensions. */
  readonly shape: readonly number[];
  /** `prod(shape)` values. */
  readonly data: ArrayLike<number>;
  /** Element type for this tensor (default: the writer's `dtype`). */
  readonly dtype?: SafetensorsWriteDtype;
}

/** A malformed or unsupported safetensors file; `file` and (when one is concerned) `tensor`. */
export class SafetensorsError extends Error {
  /** File (or label) the bytes came from. */
  readonly file: string;
  /** Tensor concerned, if any. */
  readonly tensor: string | undefined;
  /** Builds the error; the message is prefixed with the file and tensor. */
  constructor(file: string, message: string, tensor?: string) {
    super(`${file}: ${tensor === undefined ? "" : `tensor "${tensor}": `}${message}`);
    this.name = "SafetensorsError";
    this.file = file;
    this.tensor = tensor;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === "string" && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, s);
}

/** Product of the dimensions (1 for a scalar). */
function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Reads the header length from the first 8 bytes and checks it against the limit and the file
 * size. Returns the header length N.
 */
export function safetensorsHeaderLength(
  first8: Uint8Array,
  fileSize: number,
  file: string,
): number {
  if (fileSize < 8 || first8.length < 8) {
    throw new SafetensorsError(
      file,
      `truncated: ${fileSize} bytes, shorter than the 8-byte header length`,
    );
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER)) {
    throw new SafetensorsError(
      file,
      `header length ${n} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit (not a safetensors file?)`,
    );
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new SafetensorsError(
      file,
      `truncated: the header needs ${len} bytes but only ${fileSize - 8} follow the length`,
    );
  }
  return len;
}

/**
 * Parses and validates the JSON header (`headerBytes` = the N bytes after the length) of a file of
 * `fileSize` bytes: entry fields, dtypes, byte counts vs dtype × shape, ranges inside the data
 * section and not overlapping.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  fileSize: number,
  file: string,
): SafetensorsHeader {
  const dataStart = 8 + headerBytes.length;
  const dataLength = fileSize - dataStart;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new SafetensorsError(file, "header is not a JSON object");
  }
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw new SafetensorsError(file, `"__metadata__" must be an object of strings`);
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== "string") {
          throw new SafetensorsError(
            file,
            `"__metadata__"."${k}" must be a string, got ${typeof v}`,
          );
        }
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new SafetensorsError(file, "entry must be an object", name);
    }
    const e = raw as Record<string, unknown>;
    if (!isDtype(e.dtype)) {
      throw new SafetensorsError(
        file,
        `unknown dtype ${JSON.stringify(e.dtype)} (supported: ${
          Object.keys(SAFETENSORS_DTYPE_BYTES).join(", ")
        })`,
        name,
      );
    }
    const shape = e.shape;
    if (
      !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ) {
      throw new SafetensorsError(
        file,
        `shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
        name,
      );
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 ||
      !off.every((v) => Number.isSafeInteger(v) && (v as number) >= 0) || off[0] > off[1]
    ) {
      throw new SafetensorsError(
        file,
        `data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 ≤ begin ≤ end`,
        name,
      );
    }
    const [begin, end] = off as [number, number];
    const need = sizeOf(shape as number[]) * SAFETENSORS_DTYPE_BYTES[e.dtype];
    if (end - begin !== need) {
      throw new SafetensorsError(
        file,
        `data_offsets [${begin}, ${end}] hold ${
          end - begin
        } bytes but ${e.dtype} [${shape}] needs ${need}`,
        name,
      );
    }
    if (end > dataLength) {
      throw new SafetensorsError(
        file,
        `data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes): truncated file?`,
        name,
      );
    }
    entries.push({ name, dtype: e.dtype, shape: shape as number[], dataOffsets: [begin, end] });
  }
  const byStart = entries.filter((e) => e.dataOffsets[1] > e.dataOffsets[0])
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let i = 1; i < byStart.length; i++) {
    const p = byStart[i - 1], c = byStart[i];
    if (c.dataOffsets[0] < p.dataOffsets[1]) {
      throw new SafetensorsError(
        file,
        `data [${c.dataOffsets}] overlaps tensor "${p.name}" [${p.dataOffsets}]`,
        c.name,
      );
    }
  }
  return { entries, metadata, dataStart };
}

/** Decodes one tensor's little-endian bytes (exactly its byte range) to float64. */
export function decodeSafetensorsData(entry: SafetensorsEntry, bytes: Uint8Array): Float64Array {
  const n = sizeOf(entry.shape);
  const out = new Float64Array(n);
  // The typed-array views below need an aligned start: copy only when it is not.
  const aligned = bytes.byteOffset % 8 === 0 && bytes.buffer instanceof ArrayBuffer;
  const src = aligned ? bytes : bytes.slice();
  const buf = src.buffer as ArrayBuffer, at = src.byteOffset;
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(buf, at);
    const w = SAFETENSORS_DTYPE_BYTES[entry.dtype];
    for (let i = 0; i < n; i++) out[i] = readScalar(dv, i * w, entry.dtype);
    return out;
  }
  switch (entry.dtype) {
    case "F64":
      out.set(new Float64Array(buf, at, n));
      break;
    case "F32":
      out.set(new Float32Array(buf, at, n));
      break;
    case "F16": {
      const h = new Uint16Array(buf, at, n);
      for (let i = 0; i < n; i++) out[i] = float16ToNumber(h[i]);
      break;
    }
    case "BF16": {
      const h = new Uint16Array(buf, at, n);
      const u = new Uint32Array(1), f = new Float32Array(u.buffer);
      for (let i = 0; i < n; i++) {
        u[0] = h[i] << 16;
        out[i] = f[0];
      }
      break;
    }
    case "I64": {
      const v = new BigInt64Array(buf, at, n);
      for (let i = 0; i < n; i++) out[i] = Number(v[i]);
      break;
    }
    case "U64": {
      const v = new BigUint64Array(buf, at, n);
      for (let i = 0; i < n; i++) out[i] = Number(v[i]);
      break;
    }
    case "I32":
      out.set(new Int32Array(buf, at, n));
      break;
    case "U32":
      out.set(new Uint32Array(buf, at, n));
      break;
    case "I16":
      out.set(new Int16Array(buf, at, n));
      break;
    case "U16":
      out.set(new Uint16Array(buf, at, n));
      break;
    case "I8":
      out.set(new Int8Array(buf, at, n));
      break;
    case "U8":
    case "BOOL":
      out.set(new Uint8Array(buf, at, n));
      break;
  }
  return out;
}

function readScalar(dv: DataView, o: number, dtype: SafetensorsDtype): number {
  switch (dtype) {
    case "F64":
      return dv.getFloat64(o, true);
    case "F32":
      return dv.getFloat32(o, true);
    case "F16":
      return float16ToNumber(dv.getUint16(o, true));
    case "BF16":
      return new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0];
    case "I64":
      return Number(dv.getBigInt64(o, true));
    case "U64":
      return Number(dv.getBigUint64(o, true));
    case "I32":
      return dv.getInt32(o, true);
    case "U32":
      return dv.getUint32(o, true);
    case "I16":
      return dv.getInt16(o, true);
    case "U16":
      return dv.getUint16(o, true);
    case "I8":
      return dv.getInt8(o);
    case "U8":
    case "BOOL":
      return dv.getUint8(o);
  }
}

/** Options of the readers. */
export interface ReadSafetensorsOptions {
  /** Decode only the tensors whose name passes (all by default); the header is checked whole. */
  readonly filter?: (name: string) => boolean;
}

/** Decodes a whole safetensors file held in memory; `file` labels error messages. */
export function decodeSafetensors(
  bytes: Uint8Array,
  file = "model.safetensors",
  opts: ReadSafetensorsOptions = {},
): SafetensorsFile {
  const n = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.length, file);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length, file);
  const tensors = new Map<string, SafeTensor>();
  for (const e of header.entries) {
    if (opts.filter && !opts.filter(e.name)) continue;
    const [b, en] = e.dataOffsets;
    const data = decodeSafetensorsData(
      e,
      bytes.subarray(header.dataStart + b, header.dataStart + en),
    );
    tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata: header.metadata };
}

async function readAt(f: Deno.FsFile, offset: number, length: number, file: string) {
  const out = new Uint8Array(length);
  await f.seek(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const r = await f.read(out.subarray(got));
    if (r === null) {
      throw new SafetensorsError(file, `truncated: expected ${length} bytes at offset ${offset}`);
    }
    got += r;
  }
  return out;
}

/**
 * Reads a `.safetensors` file from disk tensor by tensor (peak memory: the float64 result plus one
 * tensor's bytes, so RoBERTa-large's 1.4 GB file never sits in memory twice).
 */
export async function readSafetensors(
  path: string,
  opts: ReadSafetensorsOptions = {},
): Promise<SafetensorsFile> {
  using f = await Deno.open(path, { read: true });
  const size = (await f.stat()).size;
  const head = await readAt(f, 0, Math.min(8, size), path);
  const n = safetensorsHeaderLength(head, size, path);
  const header = parseSafetensorsHeader(await readAt(f, 8, n, path), size, path);
  const tensors = new Map<string, SafeTensor>();
  for (const e of header.entries) {
    if (opts.filter && !opts.filter(e.name)) continue;
    const [b, en] = e.dataOffsets;
    const bytes = await readAt(f, header.dataStart + b, en - b, path);
    tensors.set(e.name, {
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      data: decodeSafetensorsData(e, bytes),
    });
  }
  return { tensors, metadata: header.metadata };
}

/** A safetensors file opened for reading on demand: each tensor's `data` is read when accessed. */
export interface OpenSafetensors extends SafetensorsFile {
  /** Closes the file (accessing `data` afterwards throws). */
  close(): void;
}

/**
 * Opens a `.safetensors` file, checks its whole header, and returns tensors whose `data` getter
 * reads and decodes that tensor synchronously on each access (nothing is cached). A loader that
 * converts tensor by tensor then never holds more than one decoded tensor beyond its result:
 * `loadHfCheckpoint` maps RoBERTa-large this way.
 */
export function openSafetensors(path: string): OpenSafetensors {
  const f = Deno.openSync(path, { read: true });
  try {
    const size = f.statSync().size;
    const readSync = (offset: number, length: number) => {
      const out = new Uint8Array(length);
      f.seekSync(offset, Deno.SeekMode.Start);
      let got = 0;
      while (got < length) {
        const r = f.readSync(out.subarray(got));
        if (r === null) {
          throw new SafetensorsError(
            path,
            `truncated: expected ${length} bytes at offset ${offset}`,
          );
        }
        got += r;
      }
      return out;
    };
    const n = safetensorsHeaderLength(readSync(0, Math.min(8, size)), size, path);
    const header = parseSafetensorsHeader(readSync(8, n), size, path);
    const tensors = new Map<string, SafeTensor>();
    for (const e of header.entries) {
      const [b, en] = e.dataOffsets;
      tensors.set(e.name, {
        name: e.name,
        dtype: e.dtype,
        shape: e.shape,
        get data(): Float64Array {
          return decodeSafetensorsData(e, readSync(header.dataStart + b, en - b));
        },
      });
    }
    return { tensors, metadata: header.metadata, close: () => f.close() };
  } catch (e) {
    f.close();
    throw e;
  }
}

/** Nearest bfloat16 bit pattern of x (round half to even on the float32 value; NaN stays NaN). */
export function numberToBfloat16(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) {
    return 0x7fc0 | ((u >>> 16) & 0x8000);
  }
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Value of a bfloat16 bit pattern (exact). */
export function bfloat16ToNumber(h: number): number {
  return new Float32Array(new Uint32Array([(h & 0xffff) << 16]).buffer)[0];
}

/** Options of {@link encodeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** Element type of tensors that do not name one (default F32). */
  readonly dtype?: SafetensorsWriteDtype;
  /** `__metadata__` (e.g. `{format: "pt"}`, what `transformers` writes). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Encodes tensors as a safetensors file: header padded with spaces to a multiple of 8 bytes (as
 * the reference writer does), tensors back to back in the given order, values rounded to the
 * dtype (round half to even).
 */
export function encodeSafetensors(
  tensors: Iterable<TensorToWrite>,
  opts: WriteSafetensorsOptions = {},
): Uint8Array {
  const list = [...tensors];
  const header: Record<string, unknown> = {};
  if (opts.metadata) header.__metadata__ = { ...opts.metadata };
  let offset = 0;
  const plan = list.map((t) => {
    const dtype = t.dtype ?? opts.dtype ?? "F32";
    const n = sizeOf(t.shape);
    if (t.data.length !== n) {
      throw new RangeError(
        `encodeSafetensors: tensor "${t.name}" has ${t.data.length} values, shape [${t.shape}] needs ${n}`,
      );
    }
    if (Object.hasOwn(header, t.name)) {
      throw new RangeError(`encodeSafetensors: duplicate tensor name "${t.name}"`);
    }
    const bytes = n * SAFETENSORS_DTYPE_BYTES[dtype];
    header[t.name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    const at = offset;
    offset += bytes;
    return { t, dtype, at };
  });
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const { t, dtype, at } of plan) {
    const o = base + at;
    const d = t.data;
    if (LITTLE_ENDIAN && (dtype === "F32" || dtype === "F64")) {
      const typed = dtype === "F32" ? new Float32Array(d) : new Float64Array(d);
      out.set(new Uint8Array(typed.buffer), o);
      continue;
    }
    for (let i = 0; i < d.length; i++) {
      switch (dtype) {
        case "F64":
          dv.setFloat64(o + 8 * i, d[i], true);
          break;
        case "F32":
          dv.setFloat32(o + 4 * i, d[i], true);
          break;
        case "F16":
          dv.setUint16(o + 2 * i, numberToFloat16(d[i]), true);
          break;
        case "BF16":
          dv.setUint16(o + 2 * i, numberToBfloat16(d[i]), true);
          break;
      }
    }
  }
  return out;
}

/** Writes tensors to `path` as a safetensors file (see {@link encodeSafetensors}). */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<TensorToWrite>,
  opts: WriteSafetensorsOptions = {},
): Promise<void> {
  await Deno.writeFile(path, encodeSafetensors(tensors, opts));
}
