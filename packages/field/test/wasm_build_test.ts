import assert from "node:assert/strict";
import { assembleKernels, OUT_URL, renderKernelsModule } from "../kernels/wasm/build.ts";
import { kernelBytes } from "../kernels/wasm/module.ts";

Deno.test("the committed kernels_wasm.ts equals a fresh assembly of kernels.wat", async () => {
  const fresh = await assembleKernels();
  assert.ok(WebAssembly.validate(fresh));
  assert.deepEqual(
    kernelBytes(),
    fresh,
    "stale binary: run `deno task build:wasm` in packages/field",
  );
  assert.equal(await Deno.readTextFile(OUT_URL), renderKernelsModule(fresh));
});

Deno.test("the kernel module exports every kernel", () => {
  const mod = new WebAssembly.Module(kernelBytes());
  const names = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
  assert.deepEqual(names, [
    "add_f64",
    "add_u64",
    "mm_f64",
    "mm_u64",
    "mul_f64",
    "mul_u64",
    "scale_u64",
    "sub_f64",
    "sub_u64",
    "trunc_u64",
  ]);
  const imports = WebAssembly.Module.imports(mod);
  assert.deepEqual(imports, [{ module: "env", name: "memory", kind: "memory" }]);
});
