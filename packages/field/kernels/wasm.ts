/**
 * WebAssembly SIMD kernels (see `wasm/kernels.wat`). Operands are copied into one shared
 * `WebAssembly.Memory` (grown on demand, never shrunk), the kernel runs there, and the result is
 * copied out. For matmul the O(m·k·n) work dominates the O(mk + kn + mn) copies by far; for the
 * elementwise ops it does not: copying in and out costs more than the portable typed-array loop
 * saves, so `wasmKernels` keeps the portable loops for those (measured in `apps/cli/bench/field.ts`)
 * and `wasmAllKernels` runs everything in WebAssembly for comparison.
 *
 * @module
 */
import * as portable from "./portable.ts";
import { checkMatmulArgs, checkTruncPairArgs, type Kernels } from "./types.ts";
import {
  instantiateKernels,
  KC,
  type KernelExports,
  kernelModule,
  MAX_PAGES,
  NC,
  newSharedMemory,
  PAGE,
  warmUp,
  WS_BYTES,
} from "./wasm/module.ts";
import { WorkerPool, type WorkerPoolOptions } from "./workers.ts";

/** The WebAssembly memory, its instance, and cached typed views of it. */
class Engine {
  readonly memory: WebAssembly.Memory;
  readonly ex: KernelExports;
  u64: BigUint64Array;
  f64: Float64Array;
  pool: WorkerPool | null = null;

  constructor(mod: WebAssembly.Module) {
    warmUp(mod);
    this.memory = newSharedMemory(64);
    this.ex = instantiateKernels(mod, this.memory);
    this.u64 = new BigUint64Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }

  /** Makes the memory at least `bytes` long; false when that exceeds the 2 GiB maximum. */
  reserve(bytes: number): boolean {
    const need = Math.ceil(bytes / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (need > have) {
      if (need > MAX_PAGES) return false;
      // Grow geometrically so a sequence of slightly larger calls does not grow every time.
      this.memory.grow(Math.min(MAX_PAGES, Math.max(need, Math.ceil(have * 1.5))) - have);
    }
    if (this.u64.buffer.byteLength !== this.memory.buffer.byteLength) {
      this.u64 = new BigUint64Array(this.memory.buffer);
      this.f64 = new Float64Array(this.memory.buffer);
    }
    return true;
  }

  matmul(
    f64: boolean,
    a: BigUint64Array | Float64Array,
    aOff: number,
    b: BigUint64Array | Float64Array,
    bOff: number,
    c: BigUint64Array | Float64Array,
    cOff: number,
    m: number,
    k: number,
    n: number,
  ): boolean {
    const threads = this.pool ? this.pool.threadsFor(m, k, n) : 1;
    const aP = threads * WS_BYTES;
    const bP = aP + 8 * m * k;
    const cP = bP + 8 * k * n;
    if (!this.reserve(cP + 8 * m * n)) return false;
    const view = (f64 ? this.f64 : this.u64) as Float64Array;
    view.set((a as Float64Array).subarray(aOff, aOff + m * k), aP / 8);
    view.set((b as Float64Array).subarray(bOff, bOff + k * n), bP / 8);
    view.set((c as Float64Array).subarray(cOff, cOff + m * n), cP / 8);
    if (threads > 1) {
      this.pool!.run(f64, aP, bP, cP, m, k, n, threads, (i0, i1, j0, j1, ws) => {
        (f64 ? this.ex.mm_f64 : this.ex.mm_u64)(aP, bP, cP, m, k, n, i0, i1, j0, j1, KC, NC, ws);
      });
    } else {
      (f64 ? this.ex.mm_f64 : this.ex.mm_u64)(aP, bP, cP, m, k, n, 0, m, 0, n, KC, NC, 0);
    }
    (c as Float64Array).set(view.subarray(cP / 8, cP / 8 + m * n), cOff);
    return true;
  }

  /** Elementwise binary op over `out.length` elements; false when too large for the memory. */
  binary(
    f64: boolean,
    fn: (a: number, b: number, o: number, len: number) => void,
    a: BigUint64Array | Float64Array,
    b: BigUint64Array | Float64Array,
    out: BigUint64Array | Float64Array,
  ): boolean {
    const len = out.length;
    if (a.length < len || b.length < len) {
      throw new RangeError(
        `elementwise: operands of ${a.length} and ${b.length} elements for ${len} outputs`,
      );
    }
    if (!this.reserve(24 * len)) return false;
    const view = (f64 ? this.f64 : this.u64) as Float64Array;
    view.set((a as Float64Array).subarray(0, len), 0);
    view.set((b as Float64Array).subarray(0, len), len);
    fn(0, 8 * len, 16 * len, len);
    (out as Float64Array).set(view.subarray(2 * len, 3 * len));
    return true;
  }
}

let engine: Engine | null | undefined;

function getEngine(): Engine | null {
  if (engine === undefined) {
    const mod = kernelModule();
    try {
      engine = mod ? new Engine(mod) : null;
    } catch {
      engine = null; // e.g. the memory cannot be allocated: use the portable kernels
    }
  }
  return engine;
}

/** True when this engine supports the WebAssembly kernels (SIMD and shared memory). */
export function wasmSupported(): boolean {
  return getEngine() !== null;
}

function makeKernels(e: Engine, all: boolean): Kernels {
  const ex = e.ex;
  const elementwise = all
    ? {
      addU64: (a: BigUint64Array, b: BigUint64Array, out: BigUint64Array) => {
        if (!e.binary(false, ex.add_u64, a, b, out)) portable.addU64(a, b, out);
      },
      subU64: (a: BigUint64Array, b: BigUint64Array, out: BigUint64Array) => {
        if (!e.binary(false, ex.sub_u64, a, b, out)) portable.subU64(a, b, out);
      },
      mulU64: (a: BigUint64Array, b: BigUint64Array, out: BigUint64Array) => {
        if (!e.binary(false, ex.mul_u64, a, b, out)) portable.mulU64(a, b, out);
      },
      scaleU64: (a: BigUint64Array, s: bigint, out: BigUint64Array) => {
        const len = out.length;
        if (a.length < len) {
          throw new RangeError(`scaleU64: operand of ${a.length} elements for ${len} outputs`);
        }
        if (!e.reserve(16 * len)) return portable.scaleU64(a, s, out);
        e.u64.set(a.subarray(0, len), 0);
        ex.scale_u64(0, BigInt.asUintN(64, s), 8 * len, len);
        out.set(e.u64.subarray(len, 2 * len));
      },
      addF64: (a: Float64Array, b: Float64Array, out: Float64Array) => {
        if (!e.binary(true, ex.add_f64, a, b, out)) portable.addF64(a, b, out);
      },
      subF64: (a: Float64Array, b: Float64Array, out: Float64Array) => {
        if (!e.binary(true, ex.sub_f64, a, b, out)) portable.subF64(a, b, out);
      },
      mulF64: (a: Float64Array, b: Float64Array, out: Float64Array) => {
        if (!e.binary(true, ex.mul_f64, a, b, out)) portable.mulF64(a, b, out);
      },
    }
    : {
      addU64: portable.addU64,
      subU64: portable.subU64,
      mulU64: portable.mulU64,
      scaleU64: portable.scaleU64,
      addF64: portable.addF64,
      subF64: portable.subF64,
      mulF64: portable.mulF64,
    };
  return {
    name: all ? "wasm-all" : "wasm",
    ...elementwise,
    truncPairU64(c, msb, low, out, bits, first) {
      const len = out.length;
      checkTruncPairArgs(len, c, msb, low, bits);
      if (!e.reserve(32 * len)) return portable.truncPairU64(c, msb, low, out, bits, first);
      e.u64.set(c.subarray(0, len), 0);
      e.u64.set(msb.subarray(0, len), len);
      e.u64.set(low.subarray(0, len), 2 * len);
      ex.trunc_u64(0, 8 * len, 16 * len, 24 * len, len, bits, first ? 1n : 0n);
      out.set(e.u64.subarray(3 * len, 4 * len));
    },
    matmulU64(a, aOff, b, bOff, c, cOff, m, k, n) {
      checkMatmulArgs("matmulU64", a.length, aOff, b.length, bOff, c.length, cOff, m, k, n);
      if (m === 0 || k === 0 || n === 0) return;
      if (!e.matmul(false, a, aOff, b, bOff, c, cOff, m, k, n)) {
        portable.matmulU64(a, aOff, b, bOff, c, cOff, m, k, n);
      }
    },
    matmulF64(a, aOff, b, bOff, c, cOff, m, k, n) {
      checkMatmulArgs("matmulF64", a.length, aOff, b.length, bOff, c.length, cOff, m, k, n);
      if (m === 0 || k === 0 || n === 0) return;
      if (!e.matmul(true, a, aOff, b, bOff, c, cOff, m, k, n)) {
        portable.matmulF64(a, aOff, b, bOff, c, cOff, m, k, n);
      }
    },
  };
}

const eng = getEngine();

/**
 * WebAssembly SIMD kernels: both matmuls run in WebAssembly (i64x2 / f64x2), the elementwise ops
 * use the portable loops, which beat WebAssembly once the copies in and out are counted. `null`
 * when the engine lacks WebAssembly SIMD or shared memory.
 */
export const wasmKernels: Kernels | null = eng ? makeKernels(eng, false) : null;

/**
 * Like `wasmKernels`, but the elementwise ops run in WebAssembly too (copies included). Slower
 * than `wasmKernels` for those ops; kept for benchmarks and tests. `null` when unsupported.
 */
export const wasmAllKernels: Kernels | null = eng ? makeKernels(eng, true) : null;

/** Options of {@linkcode useWorkers}. */
export type { WorkerPoolOptions };

/**
 * Splits large WebAssembly matmuls over `threads` threads: the calling thread plus `threads − 1`
 * Web Workers sharing the kernel memory. Resolves once the workers are ready; `useWorkers(1)` stops
 * them. Results are bit-identical to the single-threaded kernels.
 *
 * Idle workers are terminated after `idleMs` (default 1000 ms) so they never keep the process
 * alive; the next large matmul restarts them in the background (and runs single-threaded until
 * they are ready). Call `await useWorkers(1)` when done, e.g. at the end of a test. Resolves to
 * `false` (and does nothing) when the WebAssembly kernels are unsupported or this thread may not
 * block (a browser's main thread). Workers load `kernels/worker.ts`, which needs read permission
 * for local files (`--allow-read`).
 */
export async function useWorkers(threads: number, opts: WorkerPoolOptions = {}): Promise<boolean> {
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RangeError(`useWorkers: threads=${threads} is not a non-negative integer`);
  }
  const e = getEngine();
  if (!e || !canBlock()) return false;
  if (e.pool) {
    e.pool.stop();
    e.pool = null;
  }
  if (threads <= 1) return true;
  e.pool = new WorkerPool(e.memory, threads, opts);
  try {
    await e.pool.start();
  } catch (err) {
    e.pool?.stop();
    e.pool = null;
    throw err;
  }
  return true;
}

/** True when this thread may block in `Atomics.wait` (not a browser's main thread) and has workers. */
function canBlock(): boolean {
  if (typeof Worker !== "function" || typeof SharedArrayBuffer !== "function") return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The number of threads large WebAssembly matmuls are split over right now (1 = no workers). */
export function workerThreads(): number {
  return eng?.pool?.activeThreads() ?? 1;
}
