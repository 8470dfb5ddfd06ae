/** Human units for the console and report.html: bytes in kB/MB/GB, seconds in s/min/h, rounds. */

/** Bytes in SI units (1 MB = 10^6 bytes), e.g. `683.5 MB`, `4.31 GB`. */
export function fmtBytes(b: number | undefined): string {
  if (b === undefined || !Number.isFinite(b)) return "-";
  const a = Math.abs(b);
  if (a < 1e3) return `${Math.round(b)} B`;
  if (a < 1e6) return `${(b / 1e3).toFixed(1)} kB`;
  if (a < 1e9) return `${(b / 1e6).toFixed(1)} MB`;
  if (a < 1e12) return `${(b / 1e9).toFixed(2)} GB`;
  return `${(b / 1e12).toFixed(2)} TB`;
}

/** Seconds as `0.42 s`, `12.3 s`, `4 min 05 s` or `1 h 02 min`. */
export function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "-";
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const total = Math.round(s);
  if (total < 3600) {
    return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
  }
  const min = Math.round(total / 60);
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}

/** Rounds: an integer as is, a mean with one decimal. */
export function fmtRounds(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return "-";
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** A metric in [0, 1] with three decimals. */
export function fmtMetric(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(3);
}

/** A metric and its 95 % interval: `0.656 [0.483, 0.796]`. */
export function fmtWithInterval(v: number, ci: [number, number]): string {
  return `${fmtMetric(v)} [${fmtMetric(ci[0])}, ${fmtMetric(ci[1])}]`;
}

/** A count with thousands separators: `1 234 567`. */
export function fmtCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
}

/** Metric points: `+2.1` (for differences of metrics in [0, 1]). */
export function fmtPoints(d: number): string {
  const p = 100 * d;
  return `${p >= 0 ? "+" : "−"}${Math.abs(p).toFixed(1)}`;
}
