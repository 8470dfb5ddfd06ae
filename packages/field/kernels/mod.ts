/**
 * Kernel dispatch: the fastest available implementation of each hot kernel. The WebAssembly SIMD
 * kernels are active by default when the engine supports them (`WebAssembly.validate` accepts the
 * SIMD module and shared memory works); otherwise the portable TypeScript kernels are. All
 * implementations give identical results; the tests compare them with a BigInt reference.
 *
 * @module
 */
import * as portable from "./portable.ts";
import { checkMatmulArgs as checkArgs, checkTruncPairArgs, type Kernels } from "./types.ts";
import { wasmKernels } from "./wasm.ts";

export type { Kernels } from "./types.ts";
export {
  useWorkers,
  wasmAllKernels,
  wasmKernels,
  wasmSupported,
  type WorkerPoolOptions,
  workerThreads,
} from "./wasm.ts";

/** Portable TypeScript kernels (the fallback, and the reference for the WebAssembly ones). */
export const portableKernels: Kernels = {
  name: "portable",
  addU64: portable.addU64,
  subU64: portable.subU64,
  mulU64: portable.mulU64,
  scaleU64: portable.scaleU64,
  truncPairU64(c, msb, low, out, bits, first) {
    checkTruncPairArgs(out.length, c, msb, low, bits);
    portable.truncPairU64(c, msb, low, out, bits, first);
  },
  addF64: portable.addF64,
  subF64: portable.subF64,
  mulF64: portable.mulF64,
  matmulU64(a, aOff, b, bOff, c, cOff, m, k, n) {
    checkArgs("matmulU64", a.length, aOff, b.length, bOff, c.length, cOff, m, k, n);
    portable.matmulU64(a, aOff, b, bOff, c, cOff, m, k, n);
  },
  matmulF64(a, aOff, b, bOff, c, cOff, m, k, n) {
    checkArgs("matmulF64", a.length, aOff, b.length, bOff, c.length, cOff, m, k, n);
    portable.matmulF64(a, aOff, b, bOff, c, cOff, m, k, n);
  },
};

let active: Kernels = wasmKernels ?? portableKernels;

/** The kernels currently used by `RingTensor` and `FloatTensor`. */
export function kernels(): Kernels {
  return active;
}

/** Replaces the active kernels (e.g. to compare implementations in a benchmark); returns the previous. */
export function setKernels(k: Kernels): Kernels {
  const prev = active;
  active = k;
  return prev;
}
