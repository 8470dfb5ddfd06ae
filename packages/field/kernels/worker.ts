/**
 * Entry point of a kernel worker (see `workers.ts`): instantiates the kernels on the shared memory
 * it is sent, reports "ready", then serves jobs from its control slot until told to stop.
 *
 * @module
 */
import { instantiateKernels, type KernelExports, kernelModule, warmUp } from "./wasm/module.ts";
import { ARGS, DONE, ERR, OP, OP_F64, OP_STOP, SEQ, SLOT } from "./workers.ts";

const post = (msg: unknown) =>
  (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(msg);

function serve(ex: KernelExports, ctrl: Int32Array, base: number): void {
  let seen = 0;
  for (;;) {
    const seq = Atomics.load(ctrl, base + SEQ);
    if (ctrl[base + OP] === OP_STOP) return;
    if (seq === seen) {
      // The timeout only bounds how long a missed wake-up could stall; jobs normally notify.
      Atomics.wait(ctrl, base + SEQ, seen, 1000);
      continue;
    }
    seen = seq;
    const a = ctrl.subarray(base + ARGS, base + ARGS + 13);
    try {
      (ctrl[base + OP] === OP_F64 ? ex.mm_f64 : ex.mm_u64)(
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        a[5],
        a[6],
        a[7],
        a[8],
        a[9],
        a[10],
        a[11],
        a[12],
      );
    } catch {
      ctrl[base + ERR] = 1;
    }
    Atomics.store(ctrl, base + DONE, seq);
    Atomics.notify(ctrl, base + DONE);
  }
}

// Registered synchronously, before anything else, so the first message is not lost.
addEventListener("message", (e: Event) => {
  const { memory, ctrl, slot } = (e as MessageEvent).data as {
    memory: WebAssembly.Memory;
    ctrl: Int32Array;
    slot: number;
  };
  let ex: KernelExports;
  try {
    const mod = kernelModule();
    if (!mod) throw new Error("WebAssembly SIMD or shared memory unsupported in the worker");
    warmUp(mod);
    ex = instantiateKernels(mod, memory);
  } catch (err) {
    post({ error: String(err) });
    return;
  }
  post("ready");
  serve(ex, ctrl, slot * SLOT);
  close();
});
