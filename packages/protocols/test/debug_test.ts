import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { runLocal, type SecretBackend, type Shared } from "@secp/sharing";
import { cos } from "../cos.ts";
import { exp } from "../exp.ts";
import { gelu } from "../gelu.ts";
import { geluAccurate } from "../gelu_accurate.ts";
import { layerNorm } from "../layernorm.ts";
import { reciprocal } from "../reciprocal.ts";
import { rsqrt } from "../rsqrt.ts";
import { softmax } from "../softmax.ts";
import { apply1, inputFrom } from "./helpers.ts";

type Op = (be: SecretBackend, x: Shared) => Promise<Shared>;
const OUT_OF_DOMAIN: [string, number[], Op, RegExp][] = [
  ["exp", [-1, 0.5], (be, x) => exp(be, x, { debug: true }), /exp: input 0.5 .*\[-256, 0\]/],
  ["exp below −2^n", [-300], (be, x) => exp(be, x, { debug: true }), /exp: input -300/],
  ["reciprocal", [2, 200], (be, x) => reciprocal(be, x, { debug: true }), /reciprocal: input 200/],
  ["reciprocal ≤ 0", [0], (be, x) => reciprocal(be, x, { debug: true }), /reciprocal: input 0/],
  ["rsqrt", [-1], (be, x) => rsqrt(be, x, { debug: true }), /rsqrt: input -1/],
  [
    "cos iterative",
    [0.7],
    (be, x) => cos(be, x, { variant: "iterative", debug: true }),
    /cos \(iterative\): input 0.69/,
  ],
  ["gelu", [2 ** 21], (be, x) => gelu(be, x, { debug: true }), /gelu: input 2097152/],
  [
    "geluAccurate",
    [1, -(2 ** 21)],
    (be, x) => geluAccurate(be, x, { debug: true }),
    /geluAccurate: input -2097152/,
  ],
  ["softmax", [1, 300], (be, x) => softmax(be, x, { debug: true }), /softmax: input 300/],
  [
    "layernorm",
    [1, 100],
    (be, x) => layerNorm(be, x, undefined, undefined, { debug: true }),
    /layernorm/,
  ],
];

for (const [name, xs, op, msg] of OUT_OF_DOMAIN) {
  Deno.test(`debug mode: ${name} rejects out-of-domain input on the plain backend`, async () => {
    await assert.rejects(apply1("plain", FloatTensor.from(xs), op), msg);
  });
}

Deno.test("debug mode: in-domain inputs pass; without debug out-of-domain inputs are not checked", async () => {
  await apply1("plain", FloatTensor.from([-3, 0]), (be, x) => exp(be, x, { debug: true }));
  await apply1("plain", FloatTensor.from([0.5]), (be, x) => exp(be, x));
});

Deno.test("debug mode: SECP_PROTOCOLS_DEBUG=1 enables the checks", async () => {
  Deno.env.set("SECP_PROTOCOLS_DEBUG", "1");
  try {
    await assert.rejects(
      apply1("plain", FloatTensor.from([1]), (be, x) => exp(be, x)),
      /exp: input 1/,
    );
  } finally {
    Deno.env.delete("SECP_PROTOCOLS_DEBUG");
  }
});

Deno.test("debug mode never opens anything under MPC (checking would leak)", async () => {
  for (const kind of ["2pc", "3pc"] as const) {
    const { ledger } = await runLocal(kind, async (be) => {
      const x = await inputFrom(be, "dataOwner", FloatTensor.from([0.5, 3]));
      await exp(be, x, { debug: true });
      await reciprocal(be, x, { debug: true });
    }, { insecureSeed: "debug" });
    const reveals = ledger.entries().filter((e) => e.path.includes("reveal"));
    assert.deepEqual(reveals, [], `${kind}: ${JSON.stringify(reveals)}`);
  }
});
