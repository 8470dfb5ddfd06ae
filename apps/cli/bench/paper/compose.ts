/**
 * Composition of Table A (per tuning iteration, 24-layer RoBERTa-large) from measured per-layer
 * phases. Layers are identical, so the model is L sequential copies of the measured layer
 * (`repeat`: seconds, bytes and rounds × L). A batch of B sequences is one wider run (`widen`:
 * seconds and bytes × B, rounds unchanged: every op is batched), except the parts that do not grow
 * with B: SFT's weight-mask openings and Adam (per iteration), and the output truncation of the
 * weight-gradient products (bytes from the closed form, booked once).
 *
 * @module
 */
import { type BackendKind, costOf } from "@secp/protocols";
import { denseShapes, type RobertaLayerConfig } from "@secp/transformer";
import { LAN, modelTime, type NetworkProfile, WAN, WAN200 } from "@secp/transport";
import type { PhaseCost } from "./measure.ts";

/** Additive cost: seconds, online rounds, online bytes per party, offline bytes. */
export interface Part {
  /** Seconds (measured compute, all parties in one thread). */
  seconds: number;
  /** Online dependent rounds. */
  rounds: number;
  /** Online bytes sent per party. */
  bytes: Record<number, number>;
  /** Offline bytes. */
  offline: number;
}

/** A measured phase as a {@link Part}. */
export function part(p: PhaseCost): Part {
  return {
    seconds: p.seconds,
    rounds: p.rounds,
    bytes: { ...p.bytesByParty },
    offline: p.offlineBytes,
  };
}

/** The empty part. */
export const ZERO: Part = Object.freeze({ seconds: 0, rounds: 0, bytes: {}, offline: 0 });

/** Sequential sum. */
export function add(...ps: Part[]): Part {
  const out: Part = { seconds: 0, rounds: 0, bytes: {}, offline: 0 };
  for (const p of ps) {
    out.seconds += p.seconds;
    out.rounds += p.rounds;
    out.offline += p.offline;
    for (const [k, v] of Object.entries(p.bytes)) out.bytes[+k] = (out.bytes[+k] ?? 0) + v;
  }
  return out;
}

/** a − b (to take a sub-part such as the optimizer out of a total). */
export function sub(a: Part, b: Part): Part {
  const bytes: Record<number, number> = { ...a.bytes };
  for (const [k, v] of Object.entries(b.bytes)) bytes[+k] = (bytes[+k] ?? 0) - v;
  return {
    seconds: a.seconds - b.seconds,
    rounds: a.rounds - b.rounds,
    bytes,
    offline: a.offline - b.offline,
  };
}

/** k sequential copies (layers): everything × k. */
export function repeat(p: Part, k: number): Part {
  return scale(p, k, k);
}

/** A k-times wider batch of the same ops: seconds and bytes × k, rounds unchanged. */
export function widen(p: Part, k: number): Part {
  return scale(p, k, 1);
}

function scale(p: Part, k: number, kr: number): Part {
  const bytes: Record<number, number> = {};
  for (const [i, v] of Object.entries(p.bytes)) bytes[+i] = v * k;
  return { seconds: p.seconds * k, rounds: p.rounds * kr, bytes, offline: p.offline * k };
}

/** Largest online bytes sent by one party. */
export function maxSent(p: Part): number {
  return Math.max(0, ...Object.values(p.bytes));
}

/** The measured ingredients of Table A. */
export interface Measured {
  /** Forward phases `fwd-<variant>` and `head-fwd` (batch 1). */
  forward: Record<string, PhaseCost>;
  /** Training phases `prepare`, `train-fwd`, `bwd-act`, `bwd-sft`, `head-train` (batch 1). */
  training: Record<string, PhaseCost>;
  /** Adam on `adamChunk` parameters. */
  adam: PhaseCost;
  /** Parameters in the measured Adam run. */
  adamChunk: number;
}

/** Model-level settings of the composition. */
export interface ComposeConfig {
  /** Backend the pieces were measured on. */
  kind: BackendKind;
  /** Layer shape. */
  layer: RobertaLayerConfig;
  /** Number of layers (24). */
  layers: number;
  /** Sequences per iteration. */
  batch: number;
  /** Trainable parameters of SFT (layers + head). */
  sftParams: number;
  /** Trainable parameters of gradient prompt tuning (prompt tokens × d). */
  promptParams: number;
}

/** One Table A row. */
export interface TableARow {
  /** Method. */
  method: "sft" | "gradient-pt" | "fot-softmax" | "fot-rfa-exact" | "fot-rfa-paper";
  /** Forward part. */
  fwd: Part;
  /** Backward part (incl. head gradient and optimizer). */
  bwd: Part;
  /** Optimizer share of `bwd`. */
  opt: Part;
  /** fwd + bwd. */
  total: Part;
}

/** Bytes per party of truncating the four weight-gradient products (booked once per iteration). */
export function dwTruncBytes(kind: BackendKind, layer: RobertaLayerConfig): Record<number, number> {
  let n = 0;
  for (const [i, o] of Object.values(denseShapes(layer))) n += i * o;
  return costOf(kind, {}, (m) => m.truncate(n)).bytes;
}

/** Composes the five Table A rows for one iteration of `cfg.batch` sequences. */
export function composeTableA(m: Measured, cfg: ComposeConfig): TableARow[] {
  const L = cfg.layers, B = cfg.batch;
  const f = (k: string) => part(m.forward[k]);
  const t = (k: string) => part(m.training[k]);
  const adam = (n: number) => widen(part(m.adam), n / m.adamChunk);
  // Weight-gradient output truncation does not grow with B: take it out before widening.
  const trunc = dwTruncBytes(cfg.kind, cfg.layer);
  const bwdSft = t("bwd-sft");
  const perSeq: Part = { ...bwdSft, bytes: { ...bwdSft.bytes } };
  for (const [p, v] of Object.entries(trunc)) perSeq.bytes[+p] = (perSeq.bytes[+p] ?? 0) - v;
  const sftLayerBwd = add(widen(perSeq, B), { seconds: 0, rounds: 0, bytes: trunc, offline: 0 });
  const rows: TableARow[] = [];
  const row = (method: TableARow["method"], fwd: Part, bwd: Part, opt: Part) =>
    rows.push({ method, fwd, bwd, opt, total: add(fwd, bwd) });
  const sftOpt = adam(cfg.sftParams);
  row(
    "sft",
    add(repeat(t("prepare"), L), repeat(widen(t("train-fwd"), B), L)),
    add(widen(t("head-train"), B), repeat(sftLayerBwd, L), sftOpt),
    sftOpt,
  );
  const ptOpt = adam(cfg.promptParams);
  row(
    "gradient-pt",
    repeat(widen(t("train-fwd"), B), L),
    add(widen(t("head-train"), B), repeat(widen(t("bwd-act"), B), L), ptOpt),
    ptOpt,
  );
  for (const v of ["fot-softmax", "fot-rfa-exact", "fot-rfa-paper"] as const) {
    row(v, add(repeat(widen(f(`fwd-${v}`), B), L), widen(f("head-fwd"), B)), ZERO, ZERO);
  }
  return rows;
}

/** Modelled seconds on a network: measured compute + rounds·RTT/2 + busiest bytes/bandwidth. */
export function modelled(p: Part, net: NetworkProfile): number {
  return modelTime({ rounds: p.rounds, bytesSent: p.bytes }, net, p.seconds);
}

/** The JSON line of a Table A row. */
export function tableALine(r: TableARow, extra: Record<string, unknown> = {}) {
  return {
    table: "A",
    method: r.method,
    fwd_s: round(r.fwd.seconds),
    bwd_s: round(r.bwd.seconds),
    total_s: round(r.total.seconds),
    bytes_sent: Math.round(maxSent(r.total)),
    rounds: r.total.rounds,
    lan_s: round(modelled(r.total, LAN)),
    wan_s: round(modelled(r.total, WAN)),
    wan200_s: round(modelled(r.total, WAN200)),
    offline_bytes: Math.round(r.total.offline),
    opt_s: round(r.opt.seconds),
    opt_bytes_sent: Math.round(maxSent(r.opt)),
    ...extra,
  };
}

/** Rounds to 4 significant digits. */
export function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** SecP-Tuning's Table A (RoBERTa-large, LAN, A100s, CrypTen; seconds and GB per iteration). */
export const PAPER_TABLE_A = {
  "sft": { fwd: 216.2, bwd: 554.5, total: 651.6, gb: 970.72 },
  "gradient-pt": { fwd: 273.3, bwd: 605.2, total: 882.08, gb: 1116.21 },
  "fot-softmax": { fwd: 174.0, bwd: 0, total: 174.14, gb: 205.36 },
  "fot-rfa": { fwd: 54.2, bwd: 0, total: 55.17, gb: 56.55 },
} as const;
