/**
 * @secp/field — ring arithmetic for secure computation: tensors over Z_2^64, a fixed-point codec,
 * float64 reference tensors and fast exact kernels.
 *
 * ```ts
 * import { FixedPoint, FloatTensor } from "@secp/field";
 * const fp = new FixedPoint(16);
 * const a = fp.encode(FloatTensor.from([1.5, -2, 0.25, 3], [2, 2]));
 * const b = fp.encode(FloatTensor.from([2, 0, 1, -1], [2, 2]));
 * const c = a.matmul(b).sar(16); // product carries 2f fractional bits: shift back by f
 * console.log(fp.decode(c).data); // Float64Array [ 1, 2, 3.5, -3 ]
 * ```
 *
 * @module
 */
export { FixedPoint } from "./fixed.ts";
export { FloatTensor } from "./float.ts";
export { RingTensor } from "./ring.ts";
export {
  assertBroadcastable,
  assertSameShape,
  broadcastShapes,
  concatShape,
  fmtShape,
  matmulShapes,
  reduceShape,
  sameShape,
  type Shape,
  sizeOf,
  sliceShape,
  stridesOf,
  transposePerm,
} from "./shape.ts";
export {
  type Kernels,
  kernels,
  portableKernels,
  setKernels,
  useWorkers,
  wasmAllKernels,
  wasmKernels,
  wasmSupported,
  type WorkerPoolOptions,
  workerThreads,
} from "./kernels/mod.ts";
