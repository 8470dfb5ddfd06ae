/**
 * Run reports: `report.json` (every number the run measured) and a self-contained `report.html`
 * with SVG plots of loss and dev accuracy per generation and the communication breakdown by op.
 */

/** A numeric series for a line chart. */
export interface Series {
  name: string;
  points: [number, number][];
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]!));

/** A line chart as an SVG string. */
export function lineChart(title: string, series: Series[], w = 480, h = 240): string {
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (pts.length === 0) return `<p>${esc(title)}: no data</p>`;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const m = 40;
  const sx = (x: number) => m + ((x - x0) / (x1 - x0)) * (w - 2 * m);
  const sy = (y: number) => h - m + ((y0 - y) / (y1 - y0)) * (h - 2 * m);
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  const lines = series.map((s, i) =>
    `<polyline fill="none" stroke="${colors[i % 4]}" stroke-width="2" points="${
      s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]) =>
        `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`
      ).join(" ")
    }"/><text x="${w - m}" y="${14 + 14 * i}" text-anchor="end" fill="${
      colors[i % 4]
    }" font-size="12">${esc(s.name)}</text>`
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="${m}" y="14" font-size="13">${
    esc(title)
  }</text><line x1="${m}" y1="${h - m}" x2="${w - m}" y2="${
    h - m
  }" stroke="#888"/><line x1="${m}" y1="${m}" x2="${m}" y2="${h - m}" stroke="#888"/><text x="${
    m - 4
  }" y="${m}" text-anchor="end" font-size="10">${y1.toPrecision(3)}</text><text x="${m - 4}" y="${
    h - m
  }" text-anchor="end" font-size="10">${y0.toPrecision(3)}</text><text x="${w - m}" y="${
    h - m + 14
  }" text-anchor="end" font-size="10">generation ${x1}</text>${lines}</svg>`;
}

/** A horizontal bar chart (e.g. bytes per op) as an SVG string. */
export function barChart(title: string, bars: [string, number][], unit: string, w = 640): string {
  if (bars.length === 0) return `<p>${esc(title)}: no data</p>`;
  const max = Math.max(...bars.map((b) => b[1]), 1);
  const rowH = 18, left = 260, h = 24 + rowH * bars.length;
  const rows = bars.map(([name, v], i) => {
    const y = 20 + i * rowH;
    const bw = ((w - left - 90) * v) / max;
    return `<text x="${left - 6}" y="${y + 12}" text-anchor="end" font-size="11">${
      esc(name)
    }</text><rect x="${left}" y="${y + 2}" width="${bw.toFixed(1)}" height="${
      rowH - 4
    }" fill="#1f77b4"/><text x="${left + bw + 4}" y="${y + 12}" font-size="11">${
      v.toPrecision(3)
    } ${unit}</text>`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="4" y="14" font-size="13">${
    esc(title)
  }</text>${rows}</svg>`;
}

/** The HTML page: a summary table plus the charts. */
export function reportHtml(
  title: string,
  summary: Record<string, unknown>,
  charts: string[],
): string {
  const rows = Object.entries(summary).map(([k, v]) =>
    `<tr><th>${esc(k)}</th><td>${
      esc(typeof v === "number" ? String(+v.toPrecision(6)) : String(v))
    }</td></tr>`
  ).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
</style></head><body><h1>${esc(title)}</h1><table>${rows}</table>${
    charts.map((c) => `<div>${c}</div>`).join("")
  }</body></html>`;
}
