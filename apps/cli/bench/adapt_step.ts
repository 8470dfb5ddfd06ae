/**
 * `deno task bench adapt-step [steps] [threads]`: times adaptation training steps (stage 2, the
 * default recipe at D = 128) on State of the Union sentences with placeholder teacher targets (a
 * step's cost does not depend on them) and prints one JSON line: the mean seconds per step after
 * two warm-up steps, on 1 or 2 matmul threads, with the load average seen.
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

/** Times `steps` training steps on `threads` matmul threads; prints and returns one JSON row. */
export async function benchAdaptStep(args: string[]): Promise<unknown> {
  const steps = Number(args[0] ?? 12);
  const threads = Number(args[1] ?? 1);
  if (!Number.isInteger(steps) || steps < 3) {
    throw new Error(`bench adapt-step: steps must be an integer ≥ 3, got ${args[0]}`);
  }
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
  const row = {
    bench: "adapt-step",
    threads,
    steps: warm.length,
    s_per_step: +mean.toFixed(3),
    steps_per_s: +(1 / mean).toFixed(3),
    load: Deno.loadavg().map((x) => +x.toFixed(2)),
  };
  console.log(JSON.stringify(row));
  await useAdaptBackend({ threads: 1 }); // stops the matmul worker
  return row;
}
