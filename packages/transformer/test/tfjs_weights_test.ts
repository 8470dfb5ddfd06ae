import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { readyTfjsCpu } from "./tfjs_graph.ts";
import { decodeWeightsManifest, type WeightsManifestGroup } from "../use_lite/tfjs.ts";
import { decodeFloat16, float16ToNumber, numberToFloat16 } from "../common/float16.ts";

/** Little-endian byte writer for hand-made shards. */
class Bytes {
  #parts: number[] = [];
  f32(...v: number[]): this {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setFloat32(4 * i, x, true));
    this.#parts.push(...b);
    return this;
  }
  i32(...v: number[]): this {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setInt32(4 * i, x, true));
    this.#parts.push(...b);
    return this;
  }
  u8(...v: number[]): this {
    this.#parts.push(...v);
    return this;
  }
  u16(...v: number[]): this {
    for (const x of v) this.#parts.push(x & 0xff, x >> 8);
    return this;
  }
  get bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

Deno.test("tfjs manifest: float32/int32 tensors spanning two shards decode exactly", () => {
  const all = new Bytes().f32(1.5, -2, 3.25, 0.1).i32(7, -9, 2147483647).f32(42).bytes;
  const manifest: WeightsManifestGroup[] = [{
    paths: ["a.bin", "b.bin"],
    weights: [
      { name: "w", shape: [2, 2], dtype: "float32" },
      { name: "ids", shape: [3], dtype: "int32" },
      { name: "s", shape: [], dtype: "float32" },
    ],
  }];
  // Split in the middle of "ids" so a tensor spans the shard boundary.
  const shards = { "a.bin": all.slice(0, 22), "b.bin": all.slice(22) };
  const t = decodeWeightsManifest(manifest, shards);
  assert.deepEqual([...t.keys()], ["w", "ids", "s"]);
  assert.deepEqual(t.get("w")!.shape, [2, 2]);
  assert.deepEqual([...t.get("w")!.data], [1.5, -2, 3.25, Math.fround(0.1)]);
  assert.equal(t.get("ids")!.dtype, "int32");
  assert.deepEqual([...t.get("ids")!.data], [7, -9, 2147483647]);
  assert.deepEqual(t.get("s")!.shape, []);
  assert.deepEqual([...t.get("s")!.data], [42]);
  // Map and function sources give the same result.
  const viaFn = decodeWeightsManifest(manifest, (p) => (shards as Record<string, Uint8Array>)[p]);
  assert.deepEqual([...viaFn.get("ids")!.data], [7, -9, 2147483647]);
});

Deno.test("tfjs manifest: uint8/uint16/float16 quantization is dequantized per the tfjs rules", async () => {
  await readyTfjsCpu();
  const halves = [0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x8000]; // 1, -2, ~1/3, 2^-24, inf, -0
  // uint8 float32 (3 bytes), uint8 int32 (2 bytes), uint16 float32 (4 bytes), float16 (12 bytes),
  // then a plain float32 at an unaligned offset (21).
  const bytes = new Bytes().u8(0, 10, 255).u8(3, 4).u16(0, 65535).u16(...halves).f32(-0.5).bytes;
  const manifest: WeightsManifestGroup[] = [{
    paths: ["q.bin"],
    weights: [
      {
        name: "u8",
        shape: [3],
        dtype: "float32",
        quantization: { dtype: "uint8", scale: 0.5, min: -1 },
      },
      {
        name: "u8int",
        shape: [2],
        dtype: "int32",
        quantization: { dtype: "uint8", scale: 0.75, min: 0.2 },
      },
      {
        name: "u16",
        shape: [2],
        dtype: "float32",
        quantization: { dtype: "uint16", scale: 0.001, min: 5 },
      },
      { name: "f16", shape: [2, 3], dtype: "float32", quantization: { dtype: "float16" } },
      { name: "plain", shape: [1], dtype: "float32" },
    ],
  }];
  const t = decodeWeightsManifest(manifest, { "q.bin": bytes });
  assert.deepEqual([...t.get("u8")!.data], [-1, 4, 126.5]);
  // int32 targets round: 3·0.75+0.2 = 2.45 → 2, 4·0.75+0.2 = 3.2 → 3
  assert.deepEqual([...t.get("u8int")!.data], [2, 3]);
  assert.deepEqual([...t.get("u16")!.data], [5, Math.fround(65535 * 0.001 + 5)]);
  const f16 = [...t.get("f16")!.data];
  assert.deepEqual(f16.slice(0, 2), [1, -2]);
  assert.equal(f16[2], Math.fround(0.333251953125));
  assert.equal(f16[3], 2 ** -24);
  assert.equal(f16[4], Infinity);
  assert.ok(Object.is(f16[5], -0));
  assert.deepEqual([...t.get("plain")!.data], [-0.5]);
  // Same values as tfjs-core's own decoder.
  const ref = tf.io.decodeWeights(
    bytes.slice().buffer,
    manifest[0].weights as tf.io.WeightsManifestEntry[],
  );
  for (const [name, tensor] of t) {
    const expected = ref[name].dataSync();
    assert.deepEqual([...tensor.data], [...expected], name);
    assert.deepEqual(tensor.shape, ref[name].shape, name);
  }
  tf.dispose(Object.values(ref));
});

Deno.test("tfjs manifest: errors name the shard or tensor", () => {
  const group = (weights: WeightsManifestGroup["weights"]): WeightsManifestGroup[] => [
    { paths: ["s1", "s2"], weights },
  ];
  const w = [{ name: "a", shape: [2], dtype: "float32" }, {
    name: "b",
    shape: [3],
    dtype: "int32",
  }];
  const full = new Bytes().f32(1, 2).i32(1, 2, 3).bytes;
  assert.throws(
    () => decodeWeightsManifest(group(w), { s1: full }),
    /shard file "s2" is missing/,
  );
  assert.throws(
    () => decodeWeightsManifest(group(w), { s1: full.slice(0, 8), s2: full.slice(8, 16) }),
    /hold 16 bytes but the manifest entries need 20; tensor "b" needs bytes 8\.\.20/,
  );
  assert.throws(
    () => decodeWeightsManifest(group(w), { s1: full, s2: new Uint8Array(4) }),
    /hold 24 bytes but the manifest entries need 20/,
  );
  assert.throws(
    () => decodeWeightsManifest(group([{ name: "c", shape: [1], dtype: "string" }]), {}),
    /tensor "c": unsupported dtype "string"/,
  );
  assert.throws(
    () =>
      decodeWeightsManifest(
        group([{ name: "d", shape: [1], dtype: "int32", quantization: { dtype: "float16" } }]),
        {},
      ),
    /tensor "d": float16 quantization requires dtype float32/,
  );
  assert.throws(
    () =>
      decodeWeightsManifest(
        group([{ name: "e", shape: [1], dtype: "float32", quantization: { dtype: "uint8" } }]),
        {},
      ),
    /tensor "e": uint8 quantization needs finite "scale" and "min"/,
  );
  assert.throws(
    () => decodeWeightsManifest(group([{ name: "f", shape: [2, -1], dtype: "float32" }]), {}),
    /tensor "f".*invalid dimension -1/,
  );
  assert.throws(
    () =>
      decodeWeightsManifest(
        [{ paths: ["s"], weights: [w[0]] }, { paths: ["t"], weights: [w[0]] }],
        { s: full.slice(0, 8), t: full.slice(0, 8) },
      ),
    /duplicate tensor name "a"/,
  );
});

Deno.test("float16: encode/decode round-trips every non-NaN half exactly", () => {
  const bits = new Uint16Array(65536).map((_, i) => i);
  const values = decodeFloat16(bits);
  let checked = 0;
  for (let h = 0; h < 65536; h++) {
    if (Number.isNaN(values[h])) continue;
    assert.equal(numberToFloat16(values[h]), h, `half 0x${h.toString(16)}`);
    assert.equal(values[h], float16ToNumber(h));
    checked++;
  }
  assert.equal(checked, 65536 - 2 * 1023);
  assert.equal(numberToFloat16(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(numberToFloat16(1e6), 0x7c00); // overflow → inf
});
