/**
 * TensorFlow.js weights: parse a `weightsManifest` (from a tfjs `model.json`) and its binary shard
 * files into named tensors, following the tfjs format (`tfjs-core/src/io/io_utils.ts`):
 *
 * - each manifest group lists shard `paths` whose bytes are concatenated in order, then holds its
 *   `weights` back to back, little-endian, in manifest order;
 * - an entry without `quantization` takes `prod(shape) × 4` bytes (`float32` or `int32`);
 * - an entry with `quantization` stores `uint8` / `uint16` codes (value = code·scale + min, rounded
 *   for `int32`) or `float16` halves (`float32` only), at 1 or 2 bytes per element.
 *
 * Errors name the group, shard file and tensor concerned.
 *
 * @module
 */
import { decodeFloat16 } from "../common/float16.ts";

/** Element type of a decoded tensor. */
export type TfjsDtype = "float32" | "int32";

/** The `quantization` object of a manifest entry. */
export interface TfjsQuantization {
  /** Storage type of the codes. */
  dtype: "uint8" | "uint16" | "float16";
  /** Step between codes (`uint8`/`uint16` only). */
  scale?: number;
  /** Value of code 0 (`uint8`/`uint16` only). */
  min?: number;
  /** Type before quantization, informational. */
  original_dtype?: string;
}

/** One entry of a manifest group's `weights` list. */
export interface WeightsManifestEntry {
  /** Tensor (graph node) name. */
  name: string;
  /** Dimensions; `[]` is a scalar. */
  shape: number[];
  /** Element type after decoding. */
  dtype: string;
  /** Present when the bytes hold quantized codes. */
  quantization?: TfjsQuantization;
}

/** One group of a `weightsManifest`: shard files and the tensors packed into them. */
export interface WeightsManifestGroup {
  /** Shard file names, relative to the model.json directory, in byte order. */
  paths: string[];
  /** Tensors, in byte order. */
  weights: WeightsManifestEntry[];
}

/** A decoded tensor. Data is row-major; scalars have `shape` `[]` and one element. */
export type NamedTensor =
  | { name: string; shape: readonly number[]; dtype: "float32"; data: Float32Array }
  | { name: string; shape: readonly number[]; dtype: "int32"; data: Int32Array };

/** Decoded tensors keyed by name, in manifest order. */
export type NamedTensors = Map<string, NamedTensor>;

/** Bytes of each shard file, by the path written in the manifest. */
export type ShardSource =
  | Map<string, Uint8Array>
  | Record<string, Uint8Array>
  | ((path: string) => Uint8Array | undefined);

/** The parts of a tfjs `model.json` this module reads. */
export interface TfjsModelJson {
  /** Graph (GraphDef as JSON) or layers topology; kept as is. */
  modelTopology?: unknown;
  /** Weight groups. */
  weightsManifest: WeightsManifestGroup[];
  /** Any other top-level fields. */
  [key: string]: unknown;
}

/** Number of elements of a shape (1 for a scalar). Throws on a non-integer or negative dim. */
export function shapeSize(shape: readonly number[], what = "shape"): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${what}: invalid dimension ${d} in [${shape.join(", ")}]`);
    }
    n *= d;
  }
  return n;
}

function bytesPerElement(entry: WeightsManifestEntry, where: string): number {
  const q = entry.quantization;
  if (entry.dtype !== "float32" && entry.dtype !== "int32") {
    throw new TypeError(
      `${where}: unsupported dtype "${entry.dtype}" (only float32 and int32 are supported)`,
    );
  }
  if (q === undefined) return 4;
  if (q.dtype === "uint8" || q.dtype === "uint16") {
    if (!Number.isFinite(q.scale) || !Number.isFinite(q.min)) {
      throw new TypeError(`${where}: ${q.dtype} quantization needs finite "scale" and "min"`);
    }
    return q.dtype === "uint8" ? 1 : 2;
  }
  if (q.dtype === "float16") {
    if (entry.dtype !== "float32") {
      throw new TypeError(
        `${where}: float16 quantization requires dtype float32, not ${entry.dtype}`,
      );
    }
    return 2;
  }
  throw new TypeError(
    `${where}: unsupported quantization dtype "${(q as { dtype: string }).dtype}"`,
  );
}

function getShard(source: ShardSource, path: string): Uint8Array | undefined {
  if (typeof source === "function") return source(path);
  if (source instanceof Map) return source.get(path);
  return Object.hasOwn(source, path) ? source[path] : undefined;
}

function decodeEntry(
  entry: WeightsManifestEntry,
  view: DataView,
  offset: number,
  count: number,
): NamedTensor {
  const q = entry.quantization;
  const shape = [...entry.shape];
  if (q === undefined) {
    if (entry.dtype === "float32") {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
      return { name: entry.name, shape, dtype: "float32", data };
    }
    const data = new Int32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getInt32(offset + 4 * i, true);
    return { name: entry.name, shape, dtype: "int32", data };
  }
  if (q.dtype === "float16") {
    const bits = new Uint16Array(count);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(offset + 2 * i, true);
    return { name: entry.name, shape, dtype: "float32", data: decodeFloat16(bits) };
  }
  const scale = q.scale as number;
  const min = q.min as number;
  const wide = q.dtype === "uint16";
  const code = (i: number) =>
    wide ? view.getUint16(offset + 2 * i, true) : view.getUint8(offset + i);
  if (entry.dtype === "float32") {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = code(i) * scale + min;
    return { name: entry.name, shape, dtype: "float32", data };
  }
  const data = new Int32Array(count);
  for (let i = 0; i < count; i++) data[i] = Math.round(code(i) * scale + min);
  return { name: entry.name, shape, dtype: "int32", data };
}

/**
 * Decodes every tensor of a tfjs `weightsManifest` from its shard bytes.
 *
 * Throws (naming the shard or tensor) when a shard is missing, when a group's shards hold fewer
 * or more bytes than its entries need, on duplicate names, bad shapes, or unsupported dtypes.
 */
export function decodeWeightsManifest(
  manifest: readonly WeightsManifestGroup[],
  shards: ShardSource,
): NamedTensors {
  if (!Array.isArray(manifest as unknown)) {
    throw new TypeError("weightsManifest: expected an array of groups");
  }
  const out: NamedTensors = new Map();
  manifest.forEach((group, g) => {
    const paths: readonly string[] = group.paths ?? [];
    const label = `weightsManifest group ${g} [${paths.join(", ")}]`;
    if (!Array.isArray(group.weights as unknown)) {
      throw new TypeError(`${label}: missing "weights" list`);
    }
    // Layout first, so a size mismatch is reported before any decoding.
    const layout = group.weights.map((entry: WeightsManifestEntry) => {
      const where = `${label}, tensor "${entry.name}"`;
      if (typeof entry.name !== "string") throw new TypeError(`${label}: entry without a name`);
      if (!Array.isArray(entry.shape)) throw new TypeError(`${where}: missing shape`);
      const count = shapeSize(entry.shape, where);
      return { entry, count, bytes: count * bytesPerElement(entry, where) };
    });
    const needed = layout.reduce((s, l) => s + l.bytes, 0);
    const parts = paths.map((p) => {
      const bytes = getShard(shards, p);
      if (bytes === undefined) throw new Error(`${label}: shard file "${p}" is missing`);
      return bytes;
    });
    const total = parts.reduce((s, p) => s + p.length, 0);
    if (total !== needed) {
      let offset = 0;
      let culprit = "";
      for (const l of layout) {
        if (offset + l.bytes > total) {
          culprit = `; tensor "${l.entry.name}" needs bytes ${offset}..${
            offset + l.bytes
          } but only ${total} are present`;
          break;
        }
        offset += l.bytes;
      }
      throw new RangeError(
        `${label}: shards hold ${total} bytes but the manifest entries need ${needed}${culprit}`,
      );
    }
    const buffer = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      buffer.set(p, at);
      at += p.length;
    }
    const view = new DataView(buffer.buffer);
    let offset = 0;
    for (const { entry, count, bytes } of layout) {
      if (out.has(entry.name)) throw new Error(`${label}: duplicate tensor name "${entry.name}"`);
      out.set(entry.name, decodeEntry(entry, view, offset, count));
      offset += bytes;
    }
  });
  return out;
}

/** Directory part of a file path or URL-less path ("" if none). */
function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : path.slice(0, i);
}

/**
 * Reads a tfjs `model.json` and its shard files from disk (Deno) and decodes all weights.
 * Shard paths are resolved relative to the directory of `modelJsonPath`.
 */
export async function readTfjsModel(
  modelJsonPath: string,
): Promise<{ modelJson: TfjsModelJson; tensors: NamedTensors; shards: Map<string, Uint8Array> }> {
  const text = await Deno.readTextFile(modelJsonPath);
  const modelJson = JSON.parse(text) as TfjsModelJson;
  if (!Array.isArray(modelJson.weightsManifest)) {
    throw new TypeError(`${modelJsonPath}: no "weightsManifest" array`);
  }
  const dir = dirname(modelJsonPath);
  const shards = new Map<string, Uint8Array>();
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths ?? []) {
      try {
        shards.set(p, await Deno.readFile(`${dir}/${p}`));
      } catch (e) {
        throw new Error(`${modelJsonPath}: cannot read shard file "${dir}/${p}": ${e}`);
      }
    }
  }
  return { modelJson, tensors: decodeWeightsManifest(modelJson.weightsManifest, shards), shards };
}
