/**
 * An opt-in pool of Web Workers that run parts of one WebAssembly matmul on the shared kernel
 * memory. The calling thread hands out row (or column) ranges through a small shared control
 * block, computes its own range, then blocks in `Atomics.wait` until the workers are done, so the
 * kernel API stays synchronous.
 *
 * @module
 */
import { KC, NC, WS_BYTES } from "./wasm/module.ts";

/** Options of the worker pool. */
export interface WorkerPoolOptions {
  /**
   * Terminate the workers after this many milliseconds without a parallel matmul (default 1000), so
   * they never keep the process alive; they restart in the background on the next large matmul.
   * `Infinity` keeps them until `useWorkers(1)`.
   */
  idleMs?: number;
  /** Smallest `m·k·n` that is split over the threads (default 2^20). */
  minMacs?: number;
}

/** Int32 words per worker in the control block. */
export const SLOT = 32;
/** Control word: job sequence number, bumped by the caller to start a job. */
export const SEQ = 0;
/** Control word: sequence number of the last finished job, set by the worker. */
export const DONE = 1;
/** Control word: what to run. */
export const OP = 2;
/** Control word: 1 when the last job threw. */
export const ERR = 3;
/** First of the 13 argument words of `mm_u64` / `mm_f64`. */
export const ARGS = 4;
/** `OP` values. */
export const OP_U64 = 0, OP_F64 = 1, OP_STOP = 2;

/** Lets the process exit while only this timer is pending (Deno; elsewhere a no-op). */
function unrefTimer(id: ReturnType<typeof setTimeout>): void {
  const d = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
  d?.unrefTimer?.(id as unknown as number);
}

/** Row or column ranges `[i0, i1, j0, j1]`, one per thread, in multiples of 4 where possible. */
export function partition(
  m: number,
  n: number,
  threads: number,
): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  if (m >= 4 * threads) {
    const chunk = Math.ceil(m / threads / 4) * 4;
    for (let i = 0; i < m; i += chunk) out.push([i, Math.min(m, i + chunk), 0, n]);
  } else if (n >= 4 * threads) {
    const chunk = Math.ceil(n / threads / 4) * 4;
    for (let j = 0; j < n; j += chunk) out.push([0, m, j, Math.min(n, j + chunk)]);
  } else {
    out.push([0, m, 0, n]);
  }
  return out;
}

/** The pool; see `useWorkers` in `kernels/wasm.ts`. */
export class WorkerPool {
  readonly threads: number;
  private readonly idleMs: number;
  private readonly minMacs: number;
  private readonly memory: WebAssembly.Memory;
  private workers: Worker[] = [];
  private ctrl: Int32Array<SharedArrayBuffer> = new Int32Array(new SharedArrayBuffer(0));
  private seqs: number[] = [];
  private ready = false;
  private stopped = false;
  private starting: Promise<void> | null = null;
  private cancelStart: ((e: Error) => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastUse = 0;

  /** A pool of `threads − 1` workers on the kernel `memory` (not started yet). */
  constructor(memory: WebAssembly.Memory, threads: number, opts: WorkerPoolOptions) {
    this.memory = memory;
    this.threads = threads;
    this.idleMs = opts.idleMs ?? 1000;
    this.minMacs = opts.minMacs ?? 2 ** 20;
    if (!(this.idleMs > 0)) throw new RangeError(`useWorkers: idleMs=${this.idleMs} must be > 0`);
  }

  /** Spawns the workers; resolves when all have instantiated the kernels. */
  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error("useWorkers: pool stopped"));
    if (this.starting) return this.starting;
    const n = this.threads - 1;
    const ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOT * n));
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    let cancel!: (e: Error) => void;
    const cancelled = new Promise<never>((_, reject) => (cancel = reject));
    for (let w = 0; w < n; w++) {
      const worker = new Worker(new URL("./worker.ts", import.meta.url), {
        type: "module",
        name: `secp-field-kernels-${w + 1}`,
      });
      workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent) => {
            if (e.data === "ready") resolve();
            else reject(new Error(`kernel worker failed: ${e.data?.error ?? e.data}`));
          };
          worker.onerror = (e: ErrorEvent) => {
            e.preventDefault();
            reject(new Error(`kernel worker failed: ${e.message}`));
          };
        }),
      );
      worker.postMessage({ memory: this.memory, ctrl, slot: w });
    }
    this.workers = workers;
    this.ctrl = ctrl;
    this.seqs = new Array(n).fill(0);
    this.cancelStart = cancel;
    this.starting = Promise.race([Promise.all(ready), cancelled]).then(
      () => {
        this.cancelStart = null;
        for (const w of workers) w.onmessage = null;
        this.ready = true;
        this.lastUse = performance.now();
        this.armIdle();
      },
      (err) => {
        this.cancelStart = null;
        if (this.workers === workers) this.shutdown();
        throw err;
      },
    );
    return this.starting;
  }

  /** How many threads a matmul of this size uses now; may restart sleeping workers. */
  threadsFor(m: number, k: number, n: number): number {
    // Fewer than 4 rows run the memory-bound streaming kernel, which a split does not speed up.
    if (
      this.stopped || m * k * n < this.minMacs || m < 4 ||
      (m < 4 * this.threads && n < 4 * this.threads)
    ) {
      return 1;
    }
    if (this.ready) {
      this.lastUse = performance.now();
      return this.threads;
    }
    if (!this.starting) {
      // Workers were stopped for idleness: restart in the background, run single-threaded meanwhile.
      this.start().catch(() => (this.stopped = true));
    }
    return 1;
  }

  /** Number of threads in use right now (1 while workers are starting or asleep). */
  activeThreads(): number {
    return this.ready ? this.threads : 1;
  }

  /**
   * Runs `mm_u64` or `mm_f64` on the given operands: one range on this thread through `self`, the
   * others on the workers; returns when all are done.
   */
  run(
    f64: boolean,
    aP: number,
    bP: number,
    cP: number,
    m: number,
    k: number,
    n: number,
    threads: number,
    self: (i0: number, i1: number, j0: number, j1: number, ws: number) => void,
  ): void {
    const parts = partition(m, n, threads);
    const ctrl = this.ctrl;
    for (let t = 1; t < parts.length; t++) {
      const base = (t - 1) * SLOT;
      const [i0, i1, j0, j1] = parts[t];
      ctrl[base + OP] = f64 ? OP_F64 : OP_U64;
      ctrl[base + ERR] = 0;
      ctrl.set([aP, bP, cP, m, k, n, i0, i1, j0, j1, KC, NC, t * WS_BYTES], base + ARGS);
      Atomics.store(ctrl, base + SEQ, ++this.seqs[t - 1]);
      Atomics.notify(ctrl, base + SEQ);
    }
    let failed = false;
    try {
      self(parts[0][0], parts[0][1], parts[0][2], parts[0][3], 0);
    } finally {
      for (let t = 1; t < parts.length; t++) {
        const base = (t - 1) * SLOT;
        const want = this.seqs[t - 1];
        for (;;) {
          const done = Atomics.load(ctrl, base + DONE);
          if (done === want) break;
          Atomics.wait(ctrl, base + DONE, done, 1000);
        }
        if (ctrl[base + ERR] !== 0) failed = true;
      }
      this.lastUse = performance.now();
      this.armIdle();
    }
    if (failed) {
      this.stop();
      throw new Error("matmul: a kernel worker failed; workers disabled");
    }
  }

  private armIdle(): void {
    if (!Number.isFinite(this.idleMs) || this.timer !== undefined || !this.ready) return;
    const tick = () => {
      this.timer = undefined;
      if (!this.ready) return;
      const idle = performance.now() - this.lastUse;
      if (idle >= this.idleMs) {
        this.shutdown();
      } else {
        const id = setTimeout(tick, this.idleMs - idle);
        unrefTimer(id);
        this.timer = id;
      }
    };
    const id = setTimeout(tick, this.idleMs);
    unrefTimer(id);
    this.timer = id;
  }

  /** Terminates the workers (they can be restarted). */
  private shutdown(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.cancelStart?.(new Error("useWorkers: pool stopped"));
    this.cancelStart = null;
    const ctrl = this.ctrl;
    for (let w = 0; w < this.workers.length; w++) {
      // A worker blocked in Atomics.wait does not see terminate(): wake it with a stop order first.
      Atomics.store(ctrl, w * SLOT + OP, OP_STOP);
      Atomics.add(ctrl, w * SLOT + SEQ, 1);
      Atomics.notify(ctrl, w * SLOT + SEQ);
      this.workers[w].terminate();
    }
    this.workers = [];
    this.ready = false;
    this.starting = null;
  }

  /** Terminates the workers for good. */
  stop(): void {
    this.stopped = true;
    this.shutdown();
  }
}
