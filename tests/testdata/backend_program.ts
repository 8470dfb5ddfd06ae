/** The SPMD program the multi-process backend tests run on every party (test data: fixed values). */
import { FloatTensor } from "@secp/field";
import type { SecretBackend } from "@secp/sharing";

/** Inputs from both owners, products, a sign test and an opening mod 2^16; revealed to the data owner. */
export async function backendProgram(be: SecretBackend): Promise<number[][] | undefined> {
  const X = FloatTensor.from([1.5, -2.25, 3, 0.5, -0.125, 7], [2, 3]);
  const W = FloatTensor.from([0.5, -1, 2, 0.25, -0.75, 1.5], [3, 2]);
  const x = await be.input("dataOwner", be.is("dataOwner") ? X : undefined, [2, 3]);
  const w = await be.input("modelOwner", be.is("modelOwner") ? W : undefined, [3, 2]);
  const wf = await be.fixed(w);
  const outs = [
    await be.mul(x, x),
    await be.matmul(x, w),
    await be.matmulFixed(x, wf),
    be.mulInt(await be.ltz(x), 1 << 16),
  ];
  const res: number[][] = [];
  for (const o of outs) {
    const r = await be.reveal(o, "dataOwner");
    if (r) res.push([...r.data]);
  }
  return be.is("dataOwner") ? res : undefined;
}
