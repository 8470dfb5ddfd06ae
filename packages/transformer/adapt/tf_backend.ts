/**
 * The tfjs-core runtime of the adaptation step: the stock tfjs CPU backend
 * (`@tensorflow/tfjs-backend-cpu`, all its kernels and tfjs-core's gradients, i.e. tfjs does the
 * autodiff) registered under the name {@link ADAPT_BACKEND}, with two groups of kernels replaced by
 * faster implementations of the same functions: `BatchMatMul`, `Transpose`, and the float32 case
 * of the binary ops `Add`, `Sub`, `Multiply`, `RealDiv`, `Maximum`.
 *
 * Why: tfjs-backend-cpu's matmul walks the right operand with a stride (`k·n`) in its inner loop
 * and reaches ≈ 0.3 GFLOP/s on this machine. Matmuls are > 90 % of a training step, so with it the
 * 60-minute budget would hold ≈ 100 steps. The replacement computes the same function (float32
 * inputs and output), including `transposeA`/`transposeB` and tfjs's batch broadcasting rule
 * (`batchIndex % batchDim`): by default with the WebAssembly SIMD kernel of `matmul_f32.wat`
 * (f32 accumulation like the stock kernel, 20–30 GFLOP/s; `threads: 2` splits large products
 * with a worker, bitwise the same results), otherwise (`{wasm: false}`, or a batch
 * broadcast the kernel does not cover) with a row-streaming i-k-j loop accumulating in float64
 * (≈ 3–5 GFLOP/s). `adapt_test.ts` checks both against the stock kernel.
 *
 * The stock binary kernels compute a multi-index per output element when the operands are
 * broadcast (LayerNorm, biases, masks, per-head scalars and all their gradients), and so does the
 * stock `Transpose`; together they were a third of a training step. The replacements walk the
 * output row by row with per-operand strides (stride 0 on broadcast axes); non-float32 inputs go
 * to the stock kernels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { registerTfjsGradients } from "./tf_gradients.ts";
import { WasmMatmul } from "./wasm_matmul.ts";

/** Name of the tfjs backend registered by {@link useAdaptBackend}. */
export const ADAPT_BACKEND = "secp-adapt-cpu";

type Values = Float32Array;

/**
 * `out[n × m] = a[n × k] · b[k × m]` for contiguous row-major float32 blocks at the given offsets,
 * accumulating 4 rows at a time in float64 (`acc` must hold 4·m values).
 */
export function matmulBlock(
  a: Values,
  aOff: number,
  b: Values,
  bOff: number,
  out: Values,
  oOff: number,
  n: number,
  k: number,
  m: number,
  acc: Float64Array,
): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    acc.fill(0, 0, 4 * m);
    const x0 = aOff + i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
    const m2 = 2 * m, m3 = 3 * m;
    for (let kk = 0; kk < k; kk++) {
      const a0 = a[x0 + kk], a1 = a[x1 + kk], a2 = a[x2 + kk], a3 = a[x3 + kk];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const wo = bOff + kk * m;
      for (let j = 0; j < m; j++) {
        const w = b[wo + j];
        acc[j] += a0 * w;
        acc[m + j] += a1 * w;
        acc[m2 + j] += a2 * w;
        acc[m3 + j] += a3 * w;
      }
    }
    const o = oOff + i * m;
    for (let j = 0; j < 4 * m; j++) out[o + j] = acc[j];
  }
  for (; i < n; i++) {
    acc.fill(0, 0, m);
    const xo = aOff + i * k;
    for (let kk = 0; kk < k; kk++) {
      const av = a[xo + kk];
      if (av === 0) continue;
      const wo = bOff + kk * m;
      for (let j = 0; j < m; j++) acc[j] += av * b[wo + j];
    }
    const o = oOff + i * m;
    for (let j = 0; j < m; j++) out[o + j] = acc[j];
  }
}

/** Transposes each of `batch` row-major [r × c] blocks into [c × r]. */
function transposeBlocks(x: Values, batch: number, r: number, c: number): Float32Array {
  const out = new Float32Array(batch * r * c);
  for (let bi = 0; bi < batch; bi++) {
    const o = bi * r * c;
    for (let i = 0; i < r; i++) {
      const row = o + i * c;
      for (let j = 0; j < c; j++) out[o + j * r + i] = x[row + j];
    }
  }
  return out;
}

const prod = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);

let wasm: WasmMatmul | null = null;

/** The replacement `BatchMatMul` kernel function (same contract as tfjs-backend-cpu's). */
function batchMatMulFast(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as MathBackendCPU;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = args.attrs?.transposeA === true;
  const transposeB = args.attrs?.transposeB === true;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new TypeError(`BatchMatMul (${ADAPT_BACKEND}): float32 only, got ${a.dtype}/${b.dtype}`);
  }
  const ra = a.shape.length, rb = b.shape.length;
  const aRows = a.shape[ra - 2], aCols = a.shape[ra - 1];
  const bRows = b.shape[rb - 2], bCols = b.shape[rb - 1];
  const n = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const kb = transposeB ? bCols : bRows;
  const m = transposeB ? bRows : bCols;
  if (k !== kb) {
    throw new RangeError(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ` +
        `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batchA = prod(outerA), batchB = prod(outerB);
  const batch = Math.max(batchA, batchB);
  let av = backend.data.get(a.dataId).values as Values;
  let bv = backend.data.get(b.dataId).values as Values;
  if (transposeA) av = transposeBlocks(av, batchA, aRows, aCols);
  if (transposeB) bv = transposeBlocks(bv, batchB, bRows, bCols);
  if (wasm !== null && (batchA === 1 || batchA === batch) && (batchB === 1 || batchB === batch)) {
    const out = wasm.matmul(av, batchA, bv, batchB, batch, n, k, m);
    return backend.makeTensorInfo([...outer, n, m], "float32", out);
  }
  const out = new Float32Array(batch * n * m);
  const acc = new Float64Array(4 * m);
  for (let bi = 0; bi < batch; bi++) {
    matmulBlock(
      av,
      (bi % batchA) * n * k,
      bv,
      (bi % batchB) * k * m,
      out,
      bi * n * m,
      n,
      k,
      m,
      acc,
    );
  }
  return backend.makeTensorInfo([...outer, n, m], "float32", out);
}

type BinaryKind = "add" | "sub" | "mul" | "div" | "max";

/**
 * `out = a ∘ b` with numpy broadcasting, float32, iterating the output's last axis as the inner
 * loop; returns null when the shapes do not broadcast (the stock kernel then reports the error).
 */
export function broadcastBinary(
  kind: BinaryKind,
  aShape: readonly number[],
  aVals: Values,
  bShape: readonly number[],
  bVals: Values,
): { shape: number[]; values: Float32Array } | null {
  const R = Math.max(aShape.length, bShape.length);
  const pad = (s: readonly number[]) => [...new Array(R - s.length).fill(1), ...s];
  const as = pad(aShape), bs = pad(bShape);
  const shape: number[] = [];
  for (let d = 0; d < R; d++) {
    if (as[d] !== bs[d] && as[d] !== 1 && bs[d] !== 1) return null;
    shape.push(Math.max(as[d], bs[d]));
  }
  const strides = (s: number[]) => {
    const st = new Array(R).fill(0);
    let acc = 1;
    for (let d = R - 1; d >= 0; d--) {
      st[d] = s[d] === 1 ? 0 : acc;
      acc *= s[d];
    }
    return st;
  };
  const sa = strides(as), sb = strides(bs);
  const L = R === 0 ? 1 : shape[R - 1];
  const size = prod(shape);
  const out = new Float32Array(size);
  if (size === 0) return { shape, values: out };
  const rows = size / L;
  const ia = R === 0 ? 0 : sa[R - 1], ib = R === 0 ? 0 : sb[R - 1];
  const idx = new Array(R).fill(0);
  let oa = 0, ob = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * L;
    switch (kind) {
      case "add":
        for (let j = 0; j < L; j++) out[o + j] = aVals[oa + j * ia] + bVals[ob + j * ib];
        break;
      case "sub":
        for (let j = 0; j < L; j++) out[o + j] = aVals[oa + j * ia] - bVals[ob + j * ib];
        break;
      case "mul":
        for (let j = 0; j < L; j++) out[o + j] = aVals[oa + j * ia] * bVals[ob + j * ib];
        break;
      case "div":
        for (let j = 0; j < L; j++) out[o + j] = aVals[oa + j * ia] / bVals[ob + j * ib];
        break;
      case "max":
        for (let j = 0; j < L; j++) {
          const x = aVals[oa + j * ia], y = bVals[ob + j * ib];
          out[o + j] = Number.isNaN(x) || Number.isNaN(y) ? NaN : x > y ? x : y;
        }
        break;
    }
    // Odometer over the outer axes.
    for (let d = R - 2; d >= 0; d--) {
      idx[d]++;
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < shape[d]) break;
      oa -= sa[d] * shape[d];
      ob -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape, values: out };
}

/** Transpose `x` (shape `shape`) by `perm`, walking the output in order with input strides. */
export function transposeFast(
  x: Values | Int32Array,
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; values: Float32Array | Int32Array } {
  const R = shape.length;
  const inStrides = new Array(R).fill(0);
  for (let d = R - 1, acc = 1; d >= 0; d--) {
    inStrides[d] = acc;
    acc *= shape[d];
  }
  const outShape = perm.map((p) => shape[p]);
  const st = perm.map((p) => inStrides[p]);
  const size = prod(shape);
  const out = x instanceof Int32Array ? new Int32Array(size) : new Float32Array(size);
  if (size === 0) return { shape: outShape, values: out };
  const L = R === 0 ? 1 : outShape[R - 1];
  const inner = R === 0 ? 0 : st[R - 1];
  const rows = size / L;
  const idx = new Array(R).fill(0);
  let off = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * L;
    for (let j = 0; j < L; j++) out[o + j] = x[off + j * inner];
    for (let d = R - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < outShape[d]) break;
      off -= st[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return { shape: outShape, values: out };
}

function fastTranspose(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32" && x.dtype !== "int32") return stock(args);
    const backend = args.backend as MathBackendCPU;
    const perm = (args.attrs as { perm: number[] }).perm;
    const r = transposeFast(backend.data.get(x.dataId).values as Values, x.shape, perm);
    return backend.makeTensorInfo(r.shape, x.dtype, r.values);
  };
}

const BINARY_KERNELS: Record<string, BinaryKind> = {
  [tf.Add]: "add",
  [tf.Sub]: "sub",
  [tf.Multiply]: "mul",
  [tf.RealDiv]: "div",
  [tf.Maximum]: "max",
};

function fastBinary(kind: BinaryKind, stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== "float32" || b.dtype !== "float32") return stock(args);
    const backend = args.backend as MathBackendCPU;
    const r = broadcastBinary(
      kind,
      a.shape,
      backend.data.get(a.dataId).values as Values,
      b.shape,
      backend.data.get(b.dataId).values as Values,
    );
    if (r === null) return stock(args);
    return backend.makeTensorInfo(r.shape, "float32", r.values);
  };
}

let registered = false;

/** Threads of the active WebAssembly matmul and how many products it split between them. */
export function adaptMatmulThreads(): { threads: number; splitCalls: number } {
  return { threads: wasm?.threads ?? 1, splitCalls: wasm?.splitCalls ?? 0 };
}

/** Options of {@link useAdaptBackend}. */
export interface AdaptBackendOptions {
  /** Use the WebAssembly matmul (default true); false: the float64-accumulating JS loop. */
  readonly wasm?: boolean;
  /**
   * Threads of the WebAssembly matmul: 1 (default) or 2 (a Deno Worker computes half of every
   * large product; bitwise the same results, see `wasm_matmul.ts`). Call again with 1 to stop the
   * worker.
   */
  readonly threads?: number;
  /** With 2 threads: smallest product (multiply-adds) that is split (default 2^18). */
  readonly minParallelWork?: number;
}

/**
 * Registers {@link ADAPT_BACKEND} (once per process: every tfjs-backend-cpu kernel, `BatchMatMul`
 * replaced) and makes it the active tfjs backend, with the matmul on `options.threads` threads, and registers tfjs-core's gradients
 * (`tf_gradients.ts`). Other code using tfjs's own `cpu` backend is unaffected.
 */
export async function useAdaptBackend(options: AdaptBackendOptions = {}): Promise<void> {
  const wantWasm = options.wasm ?? true;
  const threads = options.threads ?? 1;
  if (wasm !== null && (!wantWasm || wasm.threads !== threads)) {
    wasm.close();
    wasm = null;
  }
  if (wantWasm && wasm === null) {
    wasm = await WasmMatmul.create({
      threads,
      ...(options.minParallelWork !== undefined
        ? { minParallelWork: options.minParallelWork }
        : {}),
    });
  }
  if (!registered) {
    tf.registerBackend(ADAPT_BACKEND, () => {
      const be = new MathBackendCPU();
      // Silence the one-time "install tfjs-node" banner: this step is deliberately pure JS.
      (be as unknown as { firstUse: boolean }).firstUse = false;
      return be;
    }, 0);
    for (const k of tf.getKernelsForBackend("cpu")) {
      const binary = BINARY_KERNELS[k.kernelName];
      tf.registerKernel({
        ...k,
        backendName: ADAPT_BACKEND,
        kernelFunc: k.kernelName === tf.BatchMatMul
          ? (batchMatMulFast as unknown as tf.KernelFunc)
          : binary !== undefined
          ? fastBinary(binary, k.kernelFunc)
          : k.kernelName === tf.Transpose
          ? fastTranspose(k.kernelFunc)
          : k.kernelFunc,
      });
    }
    registered = true;
  }
  if (tf.getBackend() !== ADAPT_BACKEND) {
    const ok = await tf.setBackend(ADAPT_BACKEND);
    if (!ok) throw new Error(`tfjs: cannot initialise backend ${ADAPT_BACKEND}`);
  }
  await tf.ready();
  await registerTfjsGradients();
}
