/**
 * WebAssembly SIMD float32 matmul (`matmul_f32.wat`, assembled with npm:wabt once per process) used
 * by the adaptation backend's `BatchMatMul` kernel. Operands are copied into one linear memory
 * (grown on demand), the product runs there and the result is copied out; the O(n·k·m) work
 * dominates the O(nk + km + nm) copies for every shape of the model.
 *
 * With `threads: 2` the memory is a shared `WebAssembly.Memory` and a Deno Worker
 * (`wasm_matmul_worker.ts`) holds a second instance of the same kernel on it: a product of at least
 * `minParallelWork` multiply-adds is split in two, the batch in halves (or, for one block, the rows
 * at a multiple of 4), the worker computes one part while this thread computes the other, and the
 * two meet on an `Atomics` control word. Every output element is computed by the same instruction
 * sequence as in the one-thread call (the kernel's arithmetic per element does not depend on which
 * rows or blocks share a call), so the result is bitwise the same.
 *
 * @module
 */
import wabt from "wabt";

const PAGE = 65536;
/** Packing scratch of one kernel call (kc × 8 floats); one per thread. */
const WS_BYTES = 256 * 8 * 4;
/** Shared memory needs a maximum: 2 GiB, far above the adaptation's largest product. */
const MAX_PAGES = 32768;
/** Control-array slots shared with `wasm_matmul_worker.ts`. */
const GO = 0, DONE = 1, ARGS = 2;

/** Options of {@link WasmMatmul.create}. */
export interface WasmMatmulOptions {
  /** 1 (default) or 2: split large products between this thread and one worker. */
  readonly threads?: number;
  /** Smallest product (batch·n·k·m multiply-adds) split between threads (default 2^18). */
  readonly minParallelWork?: number;
}

interface Helper {
  readonly worker: Worker;
  readonly ctl: Int32Array;
}

/** A loaded kernel with its memory. */
export class WasmMatmul {
  readonly #memory: WebAssembly.Memory;
  readonly #mm: (...args: number[]) => void;
  readonly #helper: Helper | null;
  readonly #minParallelWork: number;
  #f32: Float32Array;
  #splitCalls = 0;

  private constructor(
    memory: WebAssembly.Memory,
    mm: (...args: number[]) => void,
    helper: Helper | null,
    minParallelWork: number,
  ) {
    this.#memory = memory;
    this.#mm = mm;
    this.#helper = helper;
    this.#minParallelWork = minParallelWork;
    this.#f32 = new Float32Array(memory.buffer);
  }

  /** Threads this instance computes with (1 or 2). */
  get threads(): number {
    return this.#helper === null ? 1 : 2;
  }

  /** Products split between the two threads so far (0 with one thread). */
  get splitCalls(): number {
    return this.#splitCalls;
  }

  /** Assembles and instantiates the kernel (and, for `threads: 2`, starts its worker). */
  static async create(options: WasmMatmulOptions = {}): Promise<WasmMatmul> {
    const threads = options.threads ?? 1;
    if (threads !== 1 && threads !== 2) {
      throw new RangeError(`WasmMatmul: threads must be 1 or 2, got ${threads}`);
    }
    let text = await Deno.readTextFile(new URL("./matmul_f32.wat", import.meta.url));
    const declaration = `(memory (import "env" "memory") 1)`;
    if (threads === 2) {
      if (!text.includes(declaration)) throw new Error("matmul_f32.wat: memory import not found");
      text = text.replace(declaration, `(memory (import "env" "memory") 1 ${MAX_PAGES} shared)`);
    }
    const w = await wabt();
    const mod = w.parseWat("matmul_f32.wat", text, { simd: true, threads: threads === 2 });
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
    } finally {
      mod.destroy();
    }
    const memory = threads === 2
      ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 16 });
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const helper = threads === 2 ? await startHelper(module, memory) : null;
    return new WasmMatmul(
      memory,
      instance.exports.mm_f32 as (...args: number[]) => void,
      helper,
      options.minParallelWork ?? 1 << 18,
    );
  }

  /** Stops the worker (no-op with one thread); the instance must not be used afterwards. */
  close(): void {
    if (this.#helper === null) return;
    const ctl = this.#helper.ctl;
    ctl[ARGS + 3] = -1;
    Atomics.add(ctl, GO, 1);
    Atomics.notify(ctl, GO);
    this.#helper.worker.terminate();
  }

  /** Runs `mm_f32` with these arguments, split between the two threads when worth it. */
  #run(args: number[]): void {
    const [aOff, bOff, cOff, batch, n, k, m, as, bs, cs] = args;
    const h = this.#helper;
    if (h === null || batch * n * k * m < this.#minParallelWork) {
      this.#mm(...args);
      return;
    }
    let mine: number[], theirs: number[];
    if (batch >= 2) {
      const half = batch >> 1;
      mine = [aOff, bOff, cOff, half, n, k, m, as, bs, cs, 0];
      theirs = [aOff + half * as, bOff + half * bs, cOff + half * cs, batch - half, n, k, m];
      theirs.push(as, bs, cs, WS_BYTES);
    } else {
      const rows = (n >> 3) << 2; // a multiple of 4, about half
      if (rows === 0) {
        this.#mm(...args);
        return;
      }
      mine = [aOff, bOff, cOff, 1, rows, k, m, as, bs, cs, 0];
      theirs = [aOff + rows * k * 4, bOff, cOff + rows * m * 4, 1, n - rows, k, m, as, bs, cs];
      theirs.push(WS_BYTES);
    }
    this.#splitCalls++;
    const ctl = h.ctl;
    ctl.set(theirs, ARGS);
    Atomics.store(ctl, DONE, 0);
    Atomics.add(ctl, GO, 1);
    Atomics.notify(ctl, GO);
    this.#mm(...mine);
    while (Atomics.load(ctl, DONE) === 0) Atomics.wait(ctl, DONE, 0);
  }

  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) {
      const need = Math.ceil(bytes / PAGE) - have / PAGE;
      this.#memory.grow(Math.max(need, Math.ceil(have / PAGE / 2)));
    }
    if (this.#f32.buffer !== this.#memory.buffer) this.#f32 = new Float32Array(this.#memory.buffer);
  }

  /**
   * `out[b] = a[b % batchA] · b[b % batchB]` for b < batch, row-major `[n × k]`, `[k × m]` blocks.
   * batchA and batchB must each be 1 or `batch`.
   */
  matmul(
    a: Float32Array,
    batchA: number,
    b: Float32Array,
    batchB: number,
    batch: number,
    n: number,
    k: number,
    m: number,
  ): Float32Array {
    const align = (x: number) => (x + 15) & ~15;
    const aBytes = align(a.length * 4), bBytes = align(b.length * 4);
    const cLen = batch * n * m;
    const aOff = 2 * WS_BYTES, bOff = aOff + aBytes, cOff = bOff + bBytes;
    this.#reserve(cOff + cLen * 4);
    const f = this.#f32;
    f.set(a, aOff / 4);
    f.set(b, bOff / 4);
    this.#run([
      aOff,
      bOff,
      cOff,
      batch,
      n,
      k,
      m,
      batchA === 1 ? 0 : n * k * 4,
      batchB === 1 ? 0 : k * m * 4,
      n * m * 4,
      0,
    ]);
    return f.slice(cOff / 4, cOff / 4 + cLen);
  }
}

/** Starts the worker on `memory` and waits until its kernel is instantiated. */
async function startHelper(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<Helper> {
  const worker = new Worker(new URL("./wasm_matmul_worker.ts", import.meta.url), {
    type: "module",
  });
  const control = new SharedArrayBuffer(16 * 4);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`wasm_matmul_worker.ts: ${e.message}`));
    };
  });
  worker.postMessage({ module, memory, control });
  await ready;
  return { worker, ctl: new Int32Array(control) };
}
