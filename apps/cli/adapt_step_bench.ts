/**
 * Times adaptation training steps (stage 2, the default recipe at D = 128) on State of the Union
 * sentences with placeholder teacher targets (a step's cost does not depend on them): prints the
 * mean seconds per step after a warm-up. `deno run -A apps/cli/adapt_step_bench.ts [steps] [threads]`.
 *
 * @module
 */
import { loadUseLite } from "@secp/transformer";
import {
  buildDistillationSets,
  buildTfModel,
  checkpointAttention,
  distill,
  loadSotuSpeeches,
  useAdaptBackend,
} from "@secp/transformer/adapt";

const steps = Number(Deno.args[0] ?? 12);
const threads = Number(Deno.args[1] ?? 1);
const { weights, tokenizer } = await loadUseLite();
const sets = buildDistillationSets(await loadSotuSpeeches(), tokenizer, {
  maxTokens: 64,
  heldOut: 500,
});
const ids = sets.train.slice(0, 4000).map((s) => s.ids);
const dim = weights.config.outputDim;
const teacher = new Float32Array(ids.length * dim);
for (let i = 0; i < ids.length; i++) teacher[i * dim + (i % dim)] = 1;
await useAdaptBackend({ threads });
const att = checkpointAttention(weights, {
  kind: "rfa",
  input: "raw",
  numFeatures: 128,
  sigma: 1,
  seed: 0,
  tau: null,
  denominatorFloor: 1 / 16,
});
const student = buildTfModel(weights, {
  groups: { v: true, out: true, ln1: true, ffn: false, pool: false },
  initLogA: weights.config.layers.map((l) => new Array(l.heads).fill(Math.log(0.3))),
});
const times: number[] = [];
let last = 0;
distill(student, weights, { ids, teacher }, {
  attention: { kind: "rfa", input: "raw", features: att.features, floor: 1 / 16 },
  steps,
  seed: 0,
  lr: 1e-3,
  onStep: (s) => {
    times.push(s.elapsedMs - last);
    last = s.elapsedMs;
  },
});
const warm = times.slice(2);
const mean = warm.reduce((s, x) => s + x, 0) / warm.length / 1000;
console.log(
  `threads ${threads}: ${warm.length} steps after 2 warm-up: ${mean.toFixed(3)} s/step ` +
    `(${(1 / mean).toFixed(3)} steps/s); load ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
);
await useAdaptBackend({ threads: 1 }); // stops the matmul worker
