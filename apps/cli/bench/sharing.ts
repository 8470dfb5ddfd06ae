/**
 * `deno task bench sharing`: one JSON line per backend, op and link: wall time of one call (after a
 * warm-up call), online bytes sent by the busiest party, online dependent rounds and offline bytes,
 * all read from this run's clock and ledger. `matmul-fixed` times the online call of a weight
 * prepared by `fixed` whose offline half was done ahead by `preprocessFixed` (so its offline bytes
 * are 0 here). All parties share this process's one thread, so `ms` is every party's work.
 */
import { FloatTensor } from "@secp/field";
import {
  type BackendKind,
  type FixedOperand,
  runLocal,
  type SecretBackend,
  type Shared,
} from "@secp/sharing";
import type { Ledger } from "@secp/transport";

/** One benchmark result. */
export interface SharingRow {
  backend: BackendKind;
  op: "mul" | "matmul" | "matmul-fixed";
  link: "memory" | "tcp";
  shape: number[][];
  ms: number;
  bytes_sent: number;
  rounds: number;
  offline_bytes: number;
}

function randomTensor(shape: number[], scale: number): FloatTensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) d[i] = (Math.random() * 2 - 1) * scale;
  return new FloatTensor(d, shape);
}

/** Cost of the messages under op path prefix `scope`, and rounds as Lamport-depth growth. */
export function costUnder(ledger: Ledger, scope: string) {
  const sent: Record<number, number> = {};
  let offline = 0, before = 0, after = 0;
  for (const e of ledger.entries()) {
    const inside = e.path === scope || e.path.startsWith(scope + "/");
    if (e.phase === "offline") {
      if (inside) offline += e.bytes;
      continue;
    }
    if (inside) {
      sent[e.from] = (sent[e.from] ?? 0) + e.bytes;
      after = Math.max(after, e.maxDepth);
    } else before = Math.max(before, e.maxDepth);
  }
  return {
    bytes_sent: Math.max(0, ...Object.values(sent)),
    rounds: after - before,
    offline_bytes: offline,
  };
}

async function one(
  kind: BackendKind,
  op: SharingRow["op"],
  shapes: number[][],
  body: (be: SecretBackend, x: Shared, w: Shared, wf?: FixedOperand) => Promise<unknown>,
  link: "memory" | "tcp" = "memory",
): Promise<SharingRow> {
  let ms = 0;
  // The first run warms the kernels up; the second is measured from a synchronised start (all
  // parties have just received their inputs), so its depth growth is the op's own round count.
  const run = () =>
    runLocal(kind, async (be) => {
      const [s0, s1] = shapes;
      const x = await be.input(
        "dataOwner",
        be.is("dataOwner") ? randomTensor(s0, 2) : undefined,
        s0,
      );
      const w = await be.input(
        "modelOwner",
        be.is("modelOwner") ? randomTensor(s1, 2) : undefined,
        s1,
      );
      const wf = op === "matmul-fixed" ? await be.fixed(w) : undefined;
      // The fixed-operand row times the online call: its offline half is done here, before t0.
      if (wf) await be.preprocessFixed(wf, s0);
      const t0 = performance.now();
      await be.scope("measured", () => body(be, x, w, wf));
      if (be.party === 0) ms = performance.now() - t0;
    }, { link });
  await run();
  const { ledger } = await run();
  return {
    backend: kind,
    op,
    link,
    shape: shapes,
    ms: Math.round(ms * 10) / 10,
    ...costUnder(ledger, "measured"),
  };
}

/** Runs the sharing benchmark; prints one JSON line per measurement. */
export async function benchSharing(): Promise<SharingRow[]> {
  const rows: SharingRow[] = [];
  const n = 1 << 20;
  const mm = [[128, 768], [768, 768]];
  for (const kind of ["2pc", "3pc"] as BackendKind[]) {
    rows.push(await one(kind, "mul", [[n], [n]], (be, x, y) => be.mul(x, y)));
    rows.push(await one(kind, "matmul", mm, (be, x, w) => be.matmul(x, w)));
    rows.push(await one(kind, "matmul-fixed", mm, (be, x, _w, wf) => be.matmulFixed(x, wf!)));
    rows.push(
      await one(kind, "matmul-fixed", mm, (be, x, _w, wf) => be.matmulFixed(x, wf!), "tcp"),
    );
    rows.push(await one(kind, "mul", [[n], [n]], (be, x, y) => be.mul(x, y), "tcp"));
    for (const r of rows.slice(-5)) console.log(JSON.stringify(r));
  }
  return rows;
}

if (import.meta.main) await benchSharing();
