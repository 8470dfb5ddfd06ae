import assert from "node:assert/strict";
import {
  bfloat16ToNumber,
  decodeSafetensors,
  encodeSafetensors,
  numberToBfloat16,
  openSafetensors,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
} from "../hf/safetensors.ts";
import { float16ToNumber, numberToFloat16 } from "../common/float16.ts";

const values = [0, 1, -2.5, 0.1, 3.14159, -1e-3, 65504, 1e-7, 123.456, -0.0];

/** A file from a hand-written header and data section (bypassing the writer's checks). */
function rawFile(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const h = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function throwsNaming(fn: () => unknown, ...parts: string[]) {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof SafetensorsError, `${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

Deno.test("safetensors: F64/F32/F16/BF16 round trip with shapes, order and metadata", () => {
  const bytes = encodeSafetensors([
    { name: "a.f64", shape: [2, 5], data: values, dtype: "F64" },
    { name: "b.f32", shape: [10], data: values },
    { name: "c.f16", shape: [5, 2], data: values, dtype: "F16" },
    { name: "d.bf16", shape: [1, 10], data: values, dtype: "BF16" },
    { name: "e.scalar", shape: [], data: [7.5] },
    { name: "f.empty", shape: [0, 3], data: [] },
  ], { metadata: { format: "pt" } });
  // Header padded to 8 bytes, as the reference writer does.
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const f = decodeSafetensors(bytes, "rt.safetensors");
  assert.deepEqual(f.metadata, { format: "pt" });
  assert.deepEqual([...f.tensors.keys()], [
    "a.f64",
    "b.f32",
    "c.f16",
    "d.bf16",
    "e.scalar",
    "f.empty",
  ]);
  const get = (k: string) => f.tensors.get(k)!;
  assert.deepEqual(get("a.f64").shape, [2, 5]);
  assert.deepEqual([...get("a.f64").data], values);
  assert.deepEqual([...get("b.f32").data], values.map((v) => Math.fround(v)));
  assert.deepEqual([...get("c.f16").data], values.map((v) => float16ToNumber(numberToFloat16(v))));
  assert.deepEqual(
    [...get("d.bf16").data],
    values.map((v) => bfloat16ToNumber(numberToBfloat16(v))),
  );
  assert.equal(get("d.bf16").dtype, "BF16");
  assert.deepEqual([...get("e.scalar").data], [7.5]);
  assert.equal(get("f.empty").data.length, 0);
  // bf16 keeps 8 significant bits; spot values.
  assert.equal(bfloat16ToNumber(numberToBfloat16(1 + 2 ** -9)), 1); // ties to even
  assert.equal(bfloat16ToNumber(numberToBfloat16(3.14159)), 3.140625);
  assert.ok(Number.isNaN(bfloat16ToNumber(numberToBfloat16(NaN))));
});

Deno.test("safetensors: integer dtypes decode (e.g. the I64 position_ids buffer)", () => {
  const data = new Uint8Array(8 * 3 + 2);
  const dv = new DataView(data.buffer);
  [0n, 1n, 511n].forEach((v, i) => dv.setBigInt64(8 * i, v, true));
  data[24] = 1;
  data[25] = 0;
  const f = decodeSafetensors(rawFile({
    "embeddings.position_ids": { dtype: "I64", shape: [1, 3], data_offsets: [0, 24] },
    mask: { dtype: "BOOL", shape: [2], data_offsets: [24, 26] },
  }, data));
  assert.deepEqual([...f.tensors.get("embeddings.position_ids")!.data], [0, 1, 511]);
  assert.deepEqual([...f.tensors.get("mask")!.data], [1, 0]);
});

Deno.test("safetensors: malformed files fail naming the file and the tensor", () => {
  const file = "bad.safetensors";
  const four = new Uint8Array(16);
  const ok = { w: { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] } };
  throwsNaming(() => decodeSafetensors(new Uint8Array(5), file), file, "truncated", "5 bytes");
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 200_000_000n, true);
  throwsNaming(() => decodeSafetensors(huge, file), file, "200000000", "limit");
  throwsNaming(
    () => decodeSafetensors(rawFile(ok, four).subarray(0, 20), file),
    file,
    "truncated",
    "header",
  );
  throwsNaming(() => decodeSafetensors(rawFile(null, four, "{not json"), file), "not valid");
  throwsNaming(
    () => decodeSafetensors(rawFile(ok, four.subarray(0, 12)), file),
    file,
    'tensor "w"',
    "past the end",
  );
  throwsNaming(
    () =>
      decodeSafetensors(
        rawFile({ w: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, four),
        file,
      ),
    'tensor "w"',
    "unknown dtype",
    "F8_E4M3",
  );
  throwsNaming(
    () =>
      decodeSafetensors(rawFile({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, four)),
    'tensor "w"',
    "hold 8 bytes",
    "needs 12",
  );
  throwsNaming(
    () =>
      decodeSafetensors(rawFile({ w: { dtype: "F32", shape: [2], data_offsets: [8, 0] } }, four)),
    'tensor "w"',
    "begin ≤ end",
  );
  throwsNaming(
    () =>
      decodeSafetensors(rawFile({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, four)),
    'tensor "w"',
    "shape",
  );
  throwsNaming(
    () =>
      decodeSafetensors(
        rawFile({
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
        }, four),
      ),
    'tensor "b"',
    "overlaps",
    '"a"',
  );
  throwsNaming(
    () => decodeSafetensors(rawFile({ __metadata__: { n: 3 } }, four)),
    "__metadata__",
  );
  throwsNaming(() => decodeSafetensors(rawFile([1, 2], four)), "not a JSON object");
});

Deno.test("safetensors: readSafetensors reads from disk (filter) and reports the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_st_" });
  try {
    const path = `${dir}/model.safetensors`;
    await writeSafetensors(path, [
      { name: "x", shape: [3], data: [1, 2, 3] },
      { name: "y", shape: [2], data: [4, 5], dtype: "BF16" },
    ]);
    const lazy = openSafetensors(path);
    assert.deepEqual([...lazy.tensors.get("x")!.data], [1, 2, 3]);
    assert.deepEqual(lazy.tensors.get("y")!.shape, [2]);
    lazy.close();
    const f = await readSafetensors(path, { filter: (n) => n === "y" });
    assert.deepEqual([...f.tensors.keys()], ["y"]);
    assert.deepEqual([...f.tensors.get("y")!.data], [4, 5]);
    const full = await Deno.readFile(path);
    await Deno.writeFile(path, full.subarray(0, full.length - 2));
    await assert.rejects(() => readSafetensors(path), (e: Error) => {
      assert.ok(e.message.includes(path) && e.message.includes('"y"'), e.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
