/**
 * `deno task bench truncation`: how often local (probabilistic) truncation would fail in one
 * `bench model` forward (32 imdb sentences + a 16-token prompt). Local truncation — 2PC's and
 * 3PC's with `--trunc local` (exact is the default) — turns x into x/2^k unless the shares wrap,
 * which happens with probability ≈ |x|/2^64 per element (x as a ring integer); a failure is off by
 * about 2^(64−k) ulps. The plain ring backend sees every true value before it is truncated, so
 * the expected number of failures of one forward is Σ|x|/2^64 over all truncated elements,
 * measured exactly.
 *
 * One JSON line per attention: elements truncated, the widest value (bits), the expected failures
 * and the ops contributing most. A failure corrupts the row it lands in (a token's hidden state),
 * unless that value is multiplied by 0 afterwards.
 *
 * @module
 */
import type { RingTensor } from "@secp/field";
import type { AttentionKind } from "@secp/transformer";
import { runLocal } from "@secp/sharing";
import { embedSecure, shareUseLite } from "@secp/transformer";
import { benchBatch } from "./model.ts";
import { loadModelFor } from "@secp/transformer/oracle";

/** One result line. */
export interface TruncationRow {
  /** Always "truncation". */
  bench: "truncation";
  /** `softmax` or `rfa-D<D>`. */
  attention: string;
  /** Elements truncated in one forward. */
  truncated: number;
  /** Bit width of the largest |x| truncated. */
  max_bits: number;
  /** Σ |x|/2^64: expected local-truncation failures per forward. */
  expected_failures: number;
  /** The five op paths with the most expected failures. */
  top_ops: Record<string, number>;
}

/** Accumulates Σ|x|/2^64 per op path (a `truncProbe`). */
export class TruncationTally {
  /** Elements seen. */
  count = 0;
  /** Widest |x| seen, in bits. */
  maxBits = 0;
  /** Expected failures per op path. */
  readonly byPath = new Map<string, number>();

  /** The probe to pass as `plainTruncProbe`. */
  readonly probe = (value: RingTensor, _bits: number, path: string): void => {
    const v = new BigInt64Array(value.data.buffer, value.data.byteOffset, value.size);
    let s = 0, max = 0;
    for (let i = 0; i < v.length; i++) {
      const a = Math.abs(Number(v[i]));
      s += a;
      if (a > max) max = a;
    }
    this.count += v.length;
    this.maxBits = Math.max(this.maxBits, max === 0 ? 0 : Math.floor(Math.log2(max)) + 1);
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + s / 2 ** 64);
  };

  /** Σ over all paths. */
  total(): number {
    let t = 0;
    for (const v of this.byPath.values()) t += v;
    return t;
  }
}

/** Runs the suite; prints one JSON line per attention. */
export async function benchTruncation(
  attentions: readonly AttentionKind[] = ["softmax", "rfa"],
): Promise<TruncationRow[]> {
  const rows: TruncationRow[] = [];
  for (const kind of attentions) {
    const model = await loadModelFor(kind);
    const { weights } = model;
    const { ids, promptRows, layout } = await benchBatch(weights, model.tokenizer);
    const tally = new TruncationTally();
    let armed = false;
    await runLocal("plain", async (be) => {
      const m = await shareUseLite(be, weights.config, weights.invTimescales, weights);
      armed = true;
      await embedSecure(be, m, layout, ids, model.ops, { length: 16, rows: promptRows });
      // Protocols take the paths of local truncation, e.g. RFA keeps Π_cos's rescale.
    }, { trunc: "local", plainTruncProbe: (v, b, p) => armed && tally.probe(v, b, p) });
    const top = [...tally.byPath.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const row: TruncationRow = {
      bench: "truncation",
      attention: model.checkpoint ? `rfa-D${model.checkpoint.numFeatures}` : kind,
      truncated: tally.count,
      max_bits: tally.maxBits,
      expected_failures: +tally.total().toPrecision(3),
      top_ops: Object.fromEntries(top.map(([p, v]) => [p, +v.toPrecision(3)])),
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  return rows;
}
