/**
 * Benchmarks of the protocols on the secure backends (in-process parties), one JSON line per
 * (protocol, variant, backend, size): wall time, online bytes sent (the largest of any party),
 * online dependent rounds and offline bytes from the ledger, and the max abs error of the output
 * against float64. `deno task bench protocols` runs {@link benchProtocols}.
 *
 * @module
 */
import process from "node:process";
import { FloatTensor } from "@secp/field";
import { runLocal, type SecretBackend, type Shared, type TruncMode } from "@secp/sharing";
import type { Ledger } from "@secp/transport";
import {
  cos,
  cosPreprocess,
  type CosTuples,
  type CosVariant,
  exp,
  gelu,
  geluAccurate,
  geluExact,
  layerNorm,
  layerNormReference,
  reciprocal,
  RFA_DEN_FLOOR,
  rfaAttention,
  rfaAttentionReference,
  type RfaOptions,
  rfaPreprocess,
  rsqrt,
  softmaxAttention,
  softmaxAttentionReference,
} from "@secp/protocols";

/** Protocol names accepted by {@link benchProtocols}. */
export type BenchProtocol =
  | "cos"
  | "reciprocal"
  | "rsqrt"
  | "layernorm"
  | "gelu"
  | "exp"
  | "attention";

/** Options of {@link benchProtocols}. */
export interface BenchOptions {
  /** Backends (default both). */
  backends?: readonly ("2pc" | "3pc")[];
  /** Protocols (default all). */
  protocols?: readonly BenchProtocol[];
  /** Truncation mode of both backends (default `exact`; Π_cos and attention also run `local`). */
  trunc?: TruncMode;
  /** Sequence length (default 128). */
  seq?: number;
  /** Hidden size of the elementwise workloads (default 768). */
  hidden?: number;
  /** Attention heads and head dimension (default 12 × 64, BERT-base). */
  heads?: number;
  /** Head dimension (default 64). */
  headDim?: number;
  /** Print each line as JSON to stdout (default true). */
  print?: boolean;
  /**
   * Timed repetitions per line; `ms` is the best of them (default 3: wall time on a shared machine
   * is noisy; bytes and rounds are exact and identical across repetitions).
   */
  reps?: number;
}

/** One benchmark result line. */
export interface BenchLine {
  /** Protocol. */
  protocol: BenchProtocol;
  /** Variant or method. */
  variant: string;
  /** Backend. */
  backend: "2pc" | "3pc";
  /** Truncation mode of the backend. */
  trunc: TruncMode;
  /** Number of input elements. */
  n: number;
  /** Sequence length of the workload. */
  seq: number;
  /** Shape of the input. */
  shape: number[];
  /**
   * Wall time of the protocol's online part, all parties in this process (ms). 2PC Beaver and
   * truncation material is still produced inline by the dealer; trig tuples are preprocessed.
   */
  ms: number;
  /**
   * CPU time of this process over the same span (ms): all parties and kernel workers. Less
   * sensitive to other load on the machine than `ms`.
   */
  cpu_ms: number;
  /** Wall time of the input-independent preprocessing (trig tuples; ms). */
  offline_ms: number;
  /** Online bytes sent by the busiest party. */
  bytes_sent: number;
  /** Online dependent rounds. */
  rounds: number;
  /** Offline (correlated randomness) bytes, all senders. */
  offline_bytes: number;
  /** Max abs error of the output against float64. */
  max_abs_err: number;
  /** How the error was measured, where not over all outputs. */
  note?: string;
}

/** User + system CPU time of this process in µs. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Deterministic uniform floats in [lo, hi) (benchmark data). */
function uniform(n: number, lo: number, hi: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

interface Workload {
  protocol: BenchProtocol;
  variant: string;
  seq: number;
  inputs: FloatTensor[];
  /** Which role supplies each input. */
  owners?: ("dataOwner" | "modelOwner")[];
  /** Input-independent preprocessing (offline phase), timed separately. */
  pre?: (be: SecretBackend) => Promise<CosTuples | undefined>;
  run: (be: SecretBackend, xs: Shared[], pre?: CosTuples) => Promise<Shared>;
  reference: (xs: FloatTensor[]) => FloatTensor;
  /** Custom error measure (default: max abs difference to `reference`). */
  error?: (got: FloatTensor, xs: FloatTensor[]) => { err: number; note: string };
}

function elementwise(
  protocol: BenchProtocol,
  variant: string,
  seq: number,
  x: FloatTensor,
  run: (be: SecretBackend, x: Shared) => Promise<Shared>,
  ref: (v: number) => number,
): Workload {
  return {
    protocol,
    variant,
    seq,
    inputs: [x],
    run: (be, [v]) => run(be, v),
    reference: ([v]) => v.map(ref),
  };
}

interface Sizes {
  seq: number;
  hidden: number;
  heads: number;
  headDim: number;
  protocols: readonly BenchProtocol[];
}

function workloads(o: Sizes): Workload[] {
  const { seq, hidden, heads, headDim } = o;
  const n = seq * hidden;
  const shape = [seq, hidden];
  const out: Workload[] = [];
  const want = (p: BenchProtocol) => o.protocols.includes(p);
  if (want("cos")) {
    // CrypTen's cos benchmark domain x ∈ [0.001, 10) radians, i.e. u = x/2π.
    const u = new FloatTensor(uniform(n, 0.001, 10, 1).map((x) => x / (2 * Math.PI)), shape);
    for (const variant of ["exact", "paper", "iterative"] as CosVariant[]) {
      out.push({
        protocol: "cos",
        variant,
        seq,
        inputs: [u],
        pre: (be) => cosPreprocess(be, shape, { variant }),
        run: (be, [x], tuples) => cos(be, x, { variant, tuples }),
        reference: ([x]) => x.map((v) => Math.cos(2 * Math.PI * v)),
      });
    }
  }
  if (want("exp")) {
    const x = new FloatTensor(uniform(n, -16, 0, 2), shape);
    out.push(elementwise("exp", "limit-8", seq, x, (be, v) => exp(be, v), Math.exp));
  }
  if (want("gelu")) {
    const x = new FloatTensor(uniform(n, -6, 6, 3), shape);
    out.push(elementwise("gelu", "puma", seq, x, (be, v) => gelu(be, v), geluExact));
    out.push(elementwise("gelu", "accurate", seq, x, (be, v) => geluAccurate(be, v), geluExact));
  }
  const rows = heads * seq; // one reciprocal per (head, query); one rsqrt per token and head
  if (want("reciprocal")) {
    const x = new FloatTensor(uniform(rows, 1, seq, 4), [heads, seq]);
    out.push(
      elementwise(
        "reciprocal",
        "newton",
        seq,
        x,
        (be, v) => reciprocal(be, v, { domain: [1, seq] }),
        (v) => 1 / v,
      ),
    );
    out.push(
      elementwise(
        "reciprocal",
        "normalized",
        seq,
        x,
        (be, v) => reciprocal(be, v, { method: "normalized", domain: [1, seq] }),
        (v) => 1 / v,
      ),
    );
  }
  if (want("rsqrt")) {
    const x = new FloatTensor(uniform(rows, -8, 8, 5).map((e) => 2 ** e), [heads, seq]);
    out.push(
      elementwise("rsqrt", "normalized", seq, x, (be, v) => rsqrt(be, v), (v) => 1 / Math.sqrt(v)),
    );
  }
  if (want("layernorm")) {
    const x = new FloatTensor(uniform(n, -4, 4, 6), shape);
    const g = new FloatTensor(uniform(hidden, 0.5, 1.5, 7), [hidden]);
    const b = new FloatTensor(uniform(hidden, -1, 1, 8), [hidden]);
    out.push({
      protocol: "layernorm",
      variant: "shared-affine",
      seq,
      inputs: [x, g, b],
      owners: ["dataOwner", "modelOwner", "modelOwner"],
      run: (be, [xv, gv, bv]) => layerNorm(be, xv, gv, bv),
      reference: ([xv, gv, bv]) => layerNormReference(xv, gv, bv),
    });
  }
  if (want("attention")) {
    const ash = [1, heads, seq, headDim];
    const m = heads * seq * headDim;
    const [q, k, v] = [9, 10, 11].map((s) => new FloatTensor(uniform(m, -1, 1, s), ash));
    const owners: ("dataOwner" | "modelOwner")[] = ["dataOwner", "dataOwner", "dataOwner"];
    out.push({
      protocol: "attention",
      variant: "softmax",
      seq,
      inputs: [q, k, v],
      owners,
      run: (be, [a, b, c]) => softmaxAttention(be, a, b, c),
      reference: ([a, b, c]) => softmaxAttentionReference(a, b, c),
    });
    const rfa = (
      variant: CosVariant,
      extra: RfaOptions = {},
      name = `rfa-${variant}`,
    ): Workload => ({
      protocol: "attention",
      variant: name,
      seq,
      inputs: [q, k, v],
      owners,
      pre: (be) => rfaPreprocess(be, [1, heads, seq, headDim], { variant, ...extra }),
      run: (be, [a, b, c], tuples) => rfaAttention(be, a, b, c, { variant, ...extra, tuples }),
      reference: ([a, b, c]) => rfaAttentionReference(a, b, c, { variant, ...extra }).out,
      error: (got, [a, b, c]) => {
        // Against the float64 RFA with the same features, on rows whose denominator is ≥ 4ε (the
        // contract's domain; below, 1/den amplifies every rounding error).
        const ref = rfaAttentionReference(a, b, c, { variant, ...extra });
        let err = 0, kept = 0;
        ref.den.forEach((den, r) => {
          if (den < 4 * RFA_DEN_FLOOR) return;
          kept++;
          for (let j = 0; j < headDim; j++) {
            const i = r * headDim + j;
            err = Math.max(err, Math.abs(got.data[i] - ref.out.data[i]));
          }
        });
        const note = `rows with den ≥ 4ε: ${kept}/${ref.den.length}; guard fired (reference): ` +
          `${ref.stats.guardFired}`;
        return { err, note };
      },
    });
    out.push(rfa("exact"), rfa("paper"), rfa("iterative"));
    out.push(rfa("exact", { normalize: { temperature: 2 } }, "rfa-exact-l2norm"));
  }
  return out;
}

/** Runs one workload on one backend. */
async function runOne(w: Workload, backend: "2pc" | "3pc", trunc: TruncMode): Promise<BenchLine> {
  let t0 = Infinity, t1 = 0, p0 = Infinity, p1 = 0, c0 = Infinity, c1 = 0;
  const { results, ledger, roles } = await runLocal(backend, async (be) => {
    const xs: Shared[] = [];
    for (const [i, x] of w.inputs.entries()) {
      const owner = w.owners?.[i] ?? "dataOwner";
      xs.push(await be.input(owner, be.is(owner) ? x : undefined, x.shape));
    }
    const pstart = performance.now();
    const pre = w.pre ? await be.scope("bench-offline", () => w.pre!(be)) : undefined;
    const start = performance.now(), cStart = cpuMicros();
    const y = await be.scope("bench", () => w.run(be, xs, pre));
    const end = performance.now(), cEnd = cpuMicros();
    if (be.computing) {
      c0 = Math.min(c0, cStart);
      c1 = Math.max(c1, cEnd);
      p0 = Math.min(p0, pstart);
      p1 = Math.max(p1, start);
      t0 = Math.min(t0, start);
      t1 = Math.max(t1, end);
    }
    return await be.reveal(y, "dataOwner");
  }, { trunc });
  const got = results.get(roles.dataOwner)!;
  const { err, note } = w.error
    ? w.error(got, w.inputs)
    : { err: got.maxAbsDiff(w.reference(w.inputs)), note: undefined };
  const { bytes, rounds, offline } = opCost(ledger);
  return {
    protocol: w.protocol,
    variant: w.variant,
    backend,
    trunc,
    n: w.inputs[0].size,
    seq: w.seq,
    shape: [...w.inputs[0].shape],
    ms: Math.round(t1 - t0),
    cpu_ms: Math.round((c1 - c0) / 1000),
    offline_ms: Math.round(p1 - p0),
    bytes_sent: bytes,
    rounds,
    offline_bytes: offline,
    max_abs_err: Number(err.toPrecision(3)),
    ...(note ? { note } : {}),
  };
}

/** Bytes (busiest party), rounds and offline bytes of the messages under the "bench" path. */
function opCost(ledger: Ledger): { bytes: number; rounds: number; offline: number } {
  const sent: Record<number, number> = {};
  let offline = 0, before = 0, after = 0;
  for (const e of ledger.entries()) {
    if (e.phase === "offline") {
      if (e.path.startsWith("bench")) offline += e.bytes; // bench and bench-offline
      continue;
    }
    if (e.path.startsWith("bench-offline")) continue;
    if (e.path.startsWith("bench")) {
      sent[e.from] = (sent[e.from] ?? 0) + e.bytes;
      after = Math.max(after, e.maxDepth);
    } else if (!e.path.startsWith("reveal")) {
      before = Math.max(before, e.maxDepth);
    }
  }
  return { bytes: Math.max(0, ...Object.values(sent)), rounds: after - before, offline };
}

/**
 * Benchmarks the protocols and returns (and by default prints, one JSON object per line) a
 * {@link BenchLine} per (protocol, variant, backend, size). Defaults: seq 128, hidden 768,
 * BERT-base attention (12 heads × 64), 2PC and 3PC with exact truncation (Π_cos and attention
 * also with local).
 */
export async function benchProtocols(opts: BenchOptions = {}): Promise<BenchLine[]> {
  const cfg = {
    seq: opts.seq ?? 128,
    hidden: opts.hidden ?? 768,
    heads: opts.heads ?? 12,
    headDim: opts.headDim ?? 64,
    protocols: opts.protocols ??
      ["cos", "exp", "gelu", "reciprocal", "rsqrt", "layernorm", "attention"] as BenchProtocol[],
  };
  const lines: BenchLine[] = [];
  // Warm-up: run every code path once on tiny shapes (JIT, kernels), unreported.
  const tiny = { ...cfg, seq: 8, hidden: 16, heads: 2, headDim: 8 };
  for (const w of workloads(tiny)) {
    for (const backend of opts.backends ?? ["2pc", "3pc"] as const) {
      await runOne(w, backend, opts.trunc ?? "exact");
    }
  }
  for (const w of workloads(cfg)) {
    for (const backend of opts.backends ?? ["2pc", "3pc"] as const) {
      // Π_cos and attention also under local truncation (CrypTen's, which the paper's numbers
      // use; ABY3's on 3PC): Π_cos's output rescale then needs no round (2PC), and no pairs.
      const local = w.protocol === "cos" || w.protocol === "attention";
      const modes: TruncMode[] = local && !opts.trunc
        ? ["exact", "local"]
        : [opts.trunc ?? "exact"];
      for (const trunc of modes) {
        const runs: BenchLine[] = [];
        for (let r = 0; r < (opts.reps ?? 3); r++) runs.push(await runOne(w, backend, trunc));
        const best = (k: "ms" | "cpu_ms" | "offline_ms") => Math.min(...runs.map((x) => x[k]));
        const line = {
          ...runs[0],
          ms: best("ms"),
          cpu_ms: best("cpu_ms"),
          offline_ms: best("offline_ms"),
        };
        if (opts.print ?? true) console.log(JSON.stringify(line));
        lines.push(line);
      }
    }
  }
  return lines;
}

if (import.meta.main) {
  await benchProtocols({
    protocols: Deno.args.length ? (Deno.args as BenchProtocol[]) : undefined,
  });
}
