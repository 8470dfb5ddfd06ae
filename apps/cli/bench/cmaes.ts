/**
 * Measures the numbers quoted in the README:
 *
 *   deno run -A --v8-flags=--no-maglev apps/cli/bench/cmaes.ts [--mathjs] [--n=500]
 *
 * 1. symmetric eigendecomposition at N (own tred2+tql2 vs mathjs `eigs`, the latter only with
 *    `--mathjs` because it takes minutes at N = 500);
 * 2. CMA-ES ask+tell per generation at N (default popsize);
 * 3. one tuning-loop generation at d = N with the toy oracle, 16×256 prompts, 16-shot train
 *    batch, checkpointing to a temp file.
 *
 * @module
 */
import {
  CMAES,
  eighSymmetric,
  fewShotSplit,
  loadTask,
  RandomProjection,
  Rng,
  ToyOracle,
  tune,
} from "@secp/fot";

import { eigs } from "mathjs";

const n = Number(Deno.args.find((a) => a.startsWith("--n="))?.slice(4) ?? 500);
const withMathjs = Deno.args.includes("--mathjs");

function randomSpd(size: number): Float64Array {
  const r = Rng.fromSeed(1);
  const a = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      const x = r.normal();
      a[i * size + j] = x;
      a[j * size + i] = x;
    }
    a[i * size + i] += size;
  }
  return a;
}

const a = randomSpd(n);
const times: number[] = [];
for (let rep = 0; rep < 3; rep++) {
  const t = performance.now();
  eighSymmetric(a, n);
  times.push(performance.now() - t);
}
console.log(`eigh (tred2+tql2) N=${n}: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
if (withMathjs) {
  const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const t = performance.now();
  eigs(rows);
  console.log(`mathjs eigs N=${n}: ${(performance.now() - t).toFixed(0)} ms`);
}

const es = new CMAES({ x0: new Float64Array(n), sigma0: 1, seed: 1 });
const f = (x: Float64Array) => x.reduce((s, v, i) => s + (1 + i / n) * v * v, 0);
const gens = 100;
let t0 = performance.now();
for (let g = 0; g < gens; g++) {
  const X = es.ask();
  es.tell(X, X.map(f));
}
console.log(
  `CMA-ES N=${n} λ=${es.popsize}: ${((performance.now() - t0) / gens).toFixed(1)} ms/generation ` +
    `(eigendecomposition every ${(es.params.lazyGapEvals / es.popsize).toFixed(1)} generations)`,
);

const task = await loadTask("imdb");
const split = fewShotSplit(task, { shots: 16, seed: 1 });
const oracle = new ToyOracle({ promptLength: 16, embedDim: 256 });
t0 = performance.now();
const projection = new RandomProjection({
  promptLength: 16,
  embedDim: 256,
  intrinsicDim: n,
  seed: 1,
  embeddingStd: 1,
});
console.log(`projection 16×256×${n}: ${(performance.now() - t0).toFixed(0)} ms to generate A`);
const dir = await Deno.makeTempDir();
try {
  t0 = performance.now();
  const res = await tune({
    oracle,
    task,
    split,
    projection,
    cma: { seed: 1 },
    budget: { maxGenerations: 30 },
    evalEvery: 5,
    checkpointPath: `${dir}/ck.json`,
  });
  const total = performance.now() - t0;
  const h = res.history.slice(5);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  console.log(
    `tune d=${n}, 16×256 prompt, T=${split.train.length}: ${
      (total / 30).toFixed(0)
    } ms/generation ` +
      `incl. checkpoint; in-generation ${mean(h.map((r) => r.wallMs)).toFixed(0)} ms, ` +
      `of which toy oracle ${mean(h.map((r) => r.oracleMs)).toFixed(0)} ms; ` +
      `checkpoint ${((await Deno.stat(`${dir}/ck.json`)).size / 1e6).toFixed(1)} MB`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
