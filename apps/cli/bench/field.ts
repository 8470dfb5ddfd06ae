/**
 * `bench/field.ts`: wall-clock benchmark of the @secp/field kernels (not a timed test).
 *
 * Prints one JSON line per measurement to stdout:
 *
 * ```text
 * {"bench":"matmul","dtype":"ring64","impl":"wasm","m":128,"k":768,"n":768,"ms":..,"gmacs":..}
 * {"bench":"mul","dtype":"float64","impl":"portable","n":1048576,"ms":..,"gops":..}
 * {"bench":"trunc-pair","dtype":"ring64","impl":"wasm","n":1048576,"ms":..,"gops":..}
 * {"bench":"ratio","m":128,"k":768,"n":768,"ring_over_float":..}
 * ```
 *
 * Each figure is the median of several runs after warm-up runs, operands copied in and out
 * included. `wasm` matmul is single-threaded; `--workers` adds lines with `"impl":"wasm-2t"`
 * (2 threads, see `useWorkers`). Elementwise `wasm` uses `wasmAllKernels` (WebAssembly including
 * the copies), which is why the default `wasmKernels` keeps the portable loops for those ops.
 *
 * Run: `deno run -A --v8-flags=--no-maglev apps/cli/bench/field.ts [--reps 7] [--quick] [--workers]`
 *
 * @module
 */
import { parseArgs } from "../args.ts";
import {
  type Kernels,
  portableKernels,
  useWorkers,
  wasmAllKernels,
  wasmKernels,
} from "@secp/field";

/** Options of {@linkcode benchField}. */
export interface BenchFieldOptions {
  /** Timed runs per measurement; the median is reported (default 7; portable matmuls use ≤ 5). */
  reps?: number;
  /** Untimed warm-up runs before timing (default 2). */
  warmup?: number;
  /** Only the required shapes (128×768·768×768 matmul, 2^20 mul). */
  quick?: boolean;
  /** Also measure WebAssembly matmuls split over 2 threads (`impl: "wasm-2t"`). */
  workers?: boolean;
  /** Print each result as a JSON line to stdout (default true). */
  print?: boolean;
}

type Row = Record<string, string | number>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function time(run: () => void, reps: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) run();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

function ringData(n: number, seed: bigint): BigUint64Array {
  const out = new BigUint64Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n);
    out[i] = x;
  }
  return out;
}

function floatData(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + seed);
  return out;
}

/** Runs the benchmark; returns (and by default prints) one object per measurement. */
export async function benchField(opts: BenchFieldOptions = {}): Promise<object[]> {
  const reps = opts.reps ?? 7;
  const warmup = opts.warmup ?? 2;
  const print = opts.print ?? true;
  const rows: Row[] = [];
  const emit = (r: Row) => {
    rows.push(r);
    if (print) console.log(JSON.stringify(r));
  };
  const impls: [string, Kernels][] = [["portable", portableKernels]];
  if (wasmKernels) impls.unshift(["wasm", wasmKernels]);

  const shapes: [number, number, number][] = opts.quick
    ? [[128, 768, 768]]
    : [[128, 768, 768], [64, 64, 64], [512, 512, 512], [1, 768, 3072]];
  const matmulMs = new Map<string, number>();

  const matmul = (
    dtype: "ring64" | "float64",
    impl: string,
    K: Kernels,
    m: number,
    k: number,
    n: number,
  ) => {
    const r = impl === "portable" ? Math.min(reps, 5) : reps;
    let ms: number;
    if (dtype === "ring64") {
      const a = ringData(m * k, 1n), b = ringData(k * n, 2n), c = new BigUint64Array(m * n);
      ms = time(() => K.matmulU64(a, 0, b, 0, c, 0, m, k, n), r, warmup);
    } else {
      const a = floatData(m * k, 1), b = floatData(k * n, 2), c = new Float64Array(m * n);
      ms = time(() => K.matmulF64(a, 0, b, 0, c, 0, m, k, n), r, warmup);
    }
    matmulMs.set(`${dtype}/${impl}/${m}x${k}x${n}`, ms);
    emit({
      bench: "matmul",
      dtype,
      impl,
      m,
      k,
      n,
      ms: round(ms),
      gmacs: round((m * k * n) / ms / 1e6),
    });
  };

  for (const [m, k, n] of shapes) {
    for (const dtype of ["ring64", "float64"] as const) {
      for (const [impl, K] of impls) matmul(dtype, impl, K, m, k, n);
    }
  }
  if (opts.workers && wasmKernels) {
    await useWorkers(2, { idleMs: 10_000 });
    try {
      for (const [m, k, n] of shapes) {
        for (const dtype of ["ring64", "float64"] as const) {
          matmul(dtype, "wasm-2t", wasmKernels, m, k, n);
        }
      }
    } finally {
      await useWorkers(1);
    }
  }

  const N = 1 << 20;
  const elementwise: [string, Kernels][] = [["portable", portableKernels]];
  if (wasmAllKernels) elementwise.unshift(["wasm", wasmAllKernels]);
  for (const dtype of ["ring64", "float64"] as const) {
    for (const [impl, K] of elementwise) {
      let ms: number;
      if (dtype === "ring64") {
        const a = ringData(N, 3n), b = ringData(N, 4n), o = new BigUint64Array(N);
        ms = time(() => K.mulU64(a, b, o), Math.max(reps, 15), warmup + 3);
      } else {
        const a = floatData(N, 3), b = floatData(N, 4), o = new Float64Array(N);
        ms = time(() => K.mulF64(a, b, o), Math.max(reps, 15), warmup + 3);
      }
      emit({ bench: "mul", dtype, impl, n: N, ms: round(ms), gops: round(N / ms / 1e6) });
    }
  }

  // Exact truncation's local step (one party, 2^20 elements, 16 fractional bits): the portable
  // 32-bit-halves loop against the WebAssembly SIMD kernel with its copies.
  {
    const c = ringData(N, 5n), m = ringData(N, 6n), l = ringData(N, 7n);
    const o = new BigUint64Array(N);
    for (const [impl, K] of impls) {
      const ms = time(() => K.truncPairU64(c, m, l, o, 16, true), Math.max(reps, 15), warmup + 3);
      emit({
        bench: "trunc-pair",
        dtype: "ring64",
        impl,
        n: N,
        ms: round(ms),
        gops: round(N / ms / 1e6),
      });
    }
  }

  const best = impls[0][0];
  const ring = matmulMs.get(`ring64/${best}/128x768x768`)!;
  const float = matmulMs.get(`float64/${best}/128x768x768`)!;
  emit({ bench: "ratio", m: 128, k: 768, n: 768, ring_over_float: round(ring / float) });
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      reps: { type: "string" },
      warmup: { type: "string" },
      quick: { type: "boolean" },
      workers: { type: "boolean" },
    },
  });
  await benchField({
    reps: values.reps ? Number(values.reps) : undefined,
    warmup: values.warmup ? Number(values.warmup) : undefined,
    quick: values.quick,
    workers: values.workers,
  });
}
