/**
 * `deno task bench prg`: the AES-CTR keystream (WebCrypto) behind every PRG stream, measured two
 * ways, one JSON line each:
 *
 * - `{"bench":"prg","call_bytes":…,"ms_per_mb":…,"gb_s":…}`: throughput of `Prg.bytes` by call
 *   size (64 MB drawn per size, at least 16 calls), so the cost of small calls is visible;
 * - `{"bench":"prg-pattern",…}`: the calls one USE-lite job forward makes (2pc, RFA, every party on
 *   this thread, the `bench model --only use-lite-job` batch): calls, keystream bytes against the
 *   online bytes sent, and how much of the volume comes in calls under 64 kB.
 *
 * The pattern is counted by wrapping `Prg.prototype.bytes` for the duration of the run (bench only).
 *
 * @module
 */
import { Prg, randomSeed } from "@secp/sharing";
import { loadTask } from "@secp/fot";
import { openOracle } from "@secp/transformer/oracle";

const SIZES = [64, 1024, 16 << 10, 256 << 10, 4 << 20, 16 << 20];
const PER_SIZE = 64 << 20;

/** Options of {@link benchPrg}. */
export interface BenchPrgOptions {
  /** Call sizes in bytes (default 64 B … 16 MB). */
  sizes?: number[];
  /** Bytes drawn per size (default 64 MB; at least 16 calls). */
  perSize?: number;
  /** Count the calls of one USE-lite job forward (default true). */
  pattern?: boolean;
  /** Print the JSON lines (default true). */
  print?: boolean;
}

/** Throughput of `Prg.bytes` for one call size. */
export async function prgThroughput(callBytes: number, perSize = PER_SIZE) {
  const prg = new Prg(randomSeed());
  const calls = Math.max(16, Math.ceil(perSize / callBytes));
  for (let i = 0; i < 4; i++) await prg.bytes(callBytes); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await prg.bytes(callBytes);
  const ms = performance.now() - t0;
  const mb = (calls * callBytes) / 2 ** 20;
  return {
    bench: "prg",
    call_bytes: callBytes,
    calls,
    ms_per_mb: +(ms / mb).toFixed(3),
    gb_s: +((calls * callBytes) / ms / 1e6).toFixed(3),
  };
}

/** The PRG calls of one USE-lite job forward on 2pc (RFA), counted by wrapping `Prg.bytes`. */
async function pattern() {
  const texts = (await loadTask("imdb")).examples.slice(0, 32).map((e) => e.text);
  const o = await openOracle({
    backend: "2pc",
    attention: "rfa",
    promptLength: 16,
    maxTokens: 0,
    partiesIn: "thread",
  });
  const sizes: number[] = [];
  const original = Prg.prototype.bytes;
  try {
    const batch = await o.oracle.prepare({ texts, labelTexts: ["negative", "positive"] });
    const prompt = o.init.map((v, i) => v + 0.02 * Math.sin(i));
    Prg.prototype.bytes = function (this: Prg, n: number) {
      sizes.push(n);
      return original.call(this, n);
    };
    const t0 = performance.now();
    const r = await o.oracle.evaluate([prompt], batch);
    const ms = performance.now() - t0;
    Prg.prototype.bytes = original;
    const total = sizes.reduce((a, b) => a + b, 0);
    const small = sizes.filter((n) => n < 64 << 10);
    const smallBytes = small.reduce((a, b) => a + b, 0);
    return {
      bench: "prg-pattern",
      workload: "use-lite-job 2pc rfa, 32 texts + 16-token prompt, one thread",
      forward_ms: Math.round(ms),
      calls: sizes.length,
      keystream_bytes: total,
      online_bytes_sent: r.cost!.bytesSent!,
      offline_bytes: r.cost!.bytesOffline!,
      calls_under_64k: small.length,
      bytes_in_calls_under_64k: smallBytes,
      median_call_bytes: [...sizes].sort((a, b) => a - b)[sizes.length >> 1] ?? 0,
    };
  } finally {
    Prg.prototype.bytes = original;
    await o.close();
  }
}

/** Runs the suite; prints and returns one object per line. */
export async function benchPrg(opts: BenchPrgOptions = {}): Promise<object[]> {
  const rows: object[] = [];
  for (const n of opts.sizes ?? SIZES) rows.push(await prgThroughput(n, opts.perSize));
  if (opts.pattern ?? true) rows.push(await pattern());
  if (opts.print ?? true) { for (const r of rows) console.log(JSON.stringify(r)); }
  return rows;
}
