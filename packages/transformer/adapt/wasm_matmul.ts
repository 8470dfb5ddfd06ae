/**
 * WebAssembly SIMD float32 matmul (`matmul_f32.wat`, assembled with npm:wabt once per process) used
 * by the adaptation backend's `BatchMatMul` kernel. Operands are copied into one linear memory
 * (grown on demand), the product runs there and the result is copied out; the O(n·k·m) work
 * dominates the O(nk + km + nm) copies for every shape of the model.
 *
 * @module
 */
import wabt from "wabt";

const PAGE = 65536;
const WS_BYTES = 256 * 8 * 4;

/** A loaded kernel with its memory. */
export class WasmMatmul {
  readonly #memory: WebAssembly.Memory;
  readonly #mm: (...args: number[]) => void;
  #f32: Float32Array;

  private constructor(memory: WebAssembly.Memory, mm: (...args: number[]) => void) {
    this.#memory = memory;
    this.#mm = mm;
    this.#f32 = new Float32Array(memory.buffer);
  }

  /** Assembles and instantiates the kernel. */
  static async create(): Promise<WasmMatmul> {
    const text = await Deno.readTextFile(new URL("./matmul_f32.wat", import.meta.url));
    const w = await wabt();
    const mod = w.parseWat("matmul_f32.wat", text, { simd: true });
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
    } finally {
      mod.destroy();
    }
    const memory = new WebAssembly.Memory({ initial: 16 });
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    return new WasmMatmul(memory, instance.exports.mm_f32 as (...args: number[]) => void);
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
    const aOff = WS_BYTES, bOff = aOff + aBytes, cOff = bOff + bBytes;
    this.#reserve(cOff + cLen * 4);
    const f = this.#f32;
    f.set(a, aOff / 4);
    f.set(b, bOff / 4);
    this.#mm(
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
    );
    return f.slice(cOff / 4, cOff / 4 + cLen);
  }
}
