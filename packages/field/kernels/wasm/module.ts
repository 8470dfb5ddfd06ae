/**
 * Loading the embedded kernel binary: decode, compile (once per thread), instantiate on a shared
 * memory, and warm up so the first real call runs optimised (TurboFan) code rather than Liftoff.
 *
 * @module
 */
import { KERNELS_WASM_BASE64 } from "./kernels_wasm.ts";

/** The functions exported by `kernels.wat` (addresses are byte offsets into the memory). */
export interface KernelExports {
  /** `c[i0..i1, j0..j1] += a·b mod 2^64`; see kernels.wat. */
  mm_u64(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    kc: number,
    nc: number,
    ws: number,
  ): void;
  /** `c[i0..i1, j0..j1] += a·b` in float64. */
  mm_f64(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    kc: number,
    nc: number,
    ws: number,
  ): void;
  /** `out = a + b mod 2^64`. */
  add_u64(a: number, b: number, out: number, len: number): void;
  /** `out = a - b mod 2^64`. */
  sub_u64(a: number, b: number, out: number, len: number): void;
  /** `out = a ⊙ b mod 2^64`. */
  mul_u64(a: number, b: number, out: number, len: number): void;
  /** `out = a · s mod 2^64`. */
  scale_u64(a: number, s: bigint, out: number, len: number): void;
  /** Exact truncation with a helper's pair; see `Kernels.truncPairU64`. */
  trunc_u64(
    c: number,
    msb: number,
    low: number,
    out: number,
    len: number,
    bits: number,
    first: bigint,
  ): void;
  /** `out = a + b` (float64). */
  add_f64(a: number, b: number, out: number, len: number): void;
  /** `out = a - b` (float64). */
  sub_f64(a: number, b: number, out: number, len: number): void;
  /** `out = a ⊙ b` (float64). */
  mul_f64(a: number, b: number, out: number, len: number): void;
}

/** WebAssembly page size in bytes. */
export const PAGE = 65536;
/** Maximum memory in pages (2 GiB), as declared by the module's memory import. */
export const MAX_PAGES = 32768;
/** Inner-dimension block of the matmul drivers. */
export const KC = 256;
/** Column block of the matmul drivers (a multiple of 4). */
export const NC = 256;
/** Bytes of packing workspace one thread needs for a matmul (`KC·NC·8`). */
export const WS_BYTES = KC * NC * 8;

/** The kernel binary. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  const s = atob(KERNELS_WASM_BASE64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled kernel module, or `null` when this engine lacks WebAssembly SIMD or shared memory
 * (then the portable kernels are used).
 */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      const bytes = kernelBytes();
      if (typeof WebAssembly === "object" && WebAssembly.validate(bytes)) {
        newSharedMemory(1); // throws where shared memory is unsupported
        compiled = new WebAssembly.Module(bytes);
      }
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A shared memory of `pages` pages that can grow to `MAX_PAGES`. */
export function newSharedMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
}

/** Instantiates the kernels on `memory`. */
export function instantiateKernels(
  mod: WebAssembly.Module,
  memory: WebAssembly.Memory,
): KernelExports {
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  return inst.exports as unknown as KernelExports;
}

/**
 * Runs every kernel on small operands in a private memory until V8 has tiered it up (Liftoff →
 * TurboFan), so later calls start in optimised code. Compiled code is shared by all instances of
 * the module, including the one on the real memory.
 */
export function warmUp(mod: WebAssembly.Module): void {
  const ex = instantiateKernels(mod, newSharedMemory(32));
  // 17 rows and 63 columns reach every tile shape (4- and 1-row; 4-, 2- and 1-column). About 60
  // calls of this size exhaust V8's tier-up budget (measured: ~10 ms, mostly in Liftoff code).
  const m = 17, k = 128, n = 63;
  const a = WS_BYTES, b = a + 8 * m * k, c = b + 8 * k * n;
  for (let r = 0; r < 60; r++) {
    ex.mm_u64(a, b, c, m, k, n, 0, m, 0, n, KC, NC, 0);
    ex.mm_f64(a, b, c, m, k, n, 0, m, 0, n, KC, NC, 0);
    ex.mm_u64(a, b, c, 3, k, n, 0, 3, 0, n, KC, NC, 0); // the row kernel (fewer than 4 rows)
    ex.mm_f64(a, b, c, 3, k, n, 0, 3, 0, n, KC, NC, 0);
  }
  for (let r = 0; r < 20; r++) {
    ex.add_u64(a, b, c, 1025);
    ex.sub_u64(a, b, c, 1025);
    ex.mul_u64(a, b, c, 1025);
    ex.scale_u64(a, 3n, c, 1025);
    ex.add_f64(a, b, c, 1025);
    ex.sub_f64(a, b, c, 1025);
    ex.mul_f64(a, b, c, 1025);
  }
}
