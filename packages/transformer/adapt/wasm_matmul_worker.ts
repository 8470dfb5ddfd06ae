/**
 * Worker half of the two-thread matmul of `wasm_matmul.ts`: instantiates the same kernel on the
 * shared linear memory it is sent, then, each time the control word `GO` changes, runs the call
 * whose arguments the main thread wrote into the control array and raises `DONE`. A negative
 * batch count ends the loop.
 *
 * @module
 */

/** Control-array slots shared with `wasm_matmul.ts`. */
const GO = 0, DONE = 1, ARGS = 2, ARG_COUNT = 11;

interface Init {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
}

/** The worker global scope's members used here (the file is checked with the window lib). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<Init>) => void) | null;
  postMessage(message: string): void;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (e: MessageEvent<Init>) => {
  const { module, memory, control } = e.data;
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const mm = instance.exports.mm_f32 as (...args: number[]) => void;
  const ctl = new Int32Array(control);
  // Read GO before announcing readiness: the main thread's first call may follow at once, and a
  // read after it would take that call's change for the starting value and wait forever.
  let seen = Atomics.load(ctl, GO);
  scope.postMessage("ready");
  for (;;) {
    Atomics.wait(ctl, GO, seen);
    seen = Atomics.load(ctl, GO);
    const args = Array.from(ctl.subarray(ARGS, ARGS + ARG_COUNT));
    if (args[3] < 0) break;
    mm(...args);
    Atomics.store(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
  scope.close();
};
