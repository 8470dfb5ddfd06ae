/**
 * SVG charts for report.html, readable without the JSON: labelled axes with ticks, a legend, and
 * the values of bar charts printed beside the bars. Pure strings, no script.
 */

/** A named series of (x, y) points. */
export interface Series {
  /** Legend entry. */
  name: string;
  /** Points; non-finite y values are skipped. */
  points: [number, number][];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/** Escapes text for HTML and SVG. */
export const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]!));

/** About `n` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, n = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) {
    out.push(+v.toPrecision(12));
  }
  return out;
}

const tickLabel = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(1)
    : String(+v.toPrecision(4));

/** A line chart with markers, axis labels and ticks. */
export function lineChart(
  opts: {
    title: string;
    xLabel: string;
    yLabel: string;
    series: Series[];
    integerX?: boolean;
    /** Limits the y axis may not pass (e.g. [0, 1] for a metric). */
    yLimits?: [number, number];
    /** The x range to show (default: the data's). */
    xDomain?: [number, number];
  },
  w = 520,
  h = 280,
): string {
  const series = opts.series.map((s) => ({
    ...s,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return `<p>${esc(opts.title)}: no data</p>`;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  let [x0, x1] = opts.xDomain ?? [Math.min(...xs), Math.max(...xs)];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = (y1 - y0) * 0.08 || Math.max(Math.abs(y0) * 0.1, 0.05);
  [y0, y1] = [y0 - pad, y1 + pad];
  if (opts.yLimits) [y0, y1] = [Math.max(y0, opts.yLimits[0]), Math.min(y1, opts.yLimits[1])];
  const L = 62, R = 16, T = 44, B = 46;
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (w - L - R);
  const sy = (y: number) => h - B - ((y - y0) / (y1 - y0)) * (h - T - B);
  const xt = niceTicks(x0, x1, Math.min(8, Math.ceil(x1 - x0)), opts.integerX ?? true);
  const yt = niceTicks(y0, y1, 5);
  const grid =
    yt.map((v) =>
      `<line x1="${L}" x2="${w - R}" y1="${sy(v).toFixed(1)}" y2="${
        sy(v).toFixed(1)
      }" stroke="#eee"/><text x="${L - 6}" y="${
        (sy(v) + 4).toFixed(1)
      }" text-anchor="end" font-size="11">${tickLabel(v)}</text>`
    ).join("") + xt.map((v) =>
      `<line x1="${sx(v).toFixed(1)}" x2="${sx(v).toFixed(1)}" y1="${h - B}" y2="${
        h - B + 5
      }" stroke="#555"/><text x="${sx(v).toFixed(1)}" y="${
        h - B + 18
      }" text-anchor="middle" font-size="11">${tickLabel(v)}</text>`
    ).join("");
  const lines = series.map((s, i) => {
    const c = COLORS[i % COLORS.length];
    const p = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    const dots = s.points.map(([x, y]) =>
      `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${c}"/>`
    ).join("");
    // Legend entries side by side under the title, clear of the plot area.
    const lx = L + 150 * i;
    const legend = `<rect x="${lx}" y="25" width="10" height="10" fill="${c}"/>` +
      `<text x="${lx + 14}" y="34" font-size="11">${esc(s.name)}</text>`;
    return `<polyline fill="none" stroke="${c}" stroke-width="2" points="${
      p.join(" ")
    }"/>${dots}${legend}`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${
    esc(opts.title)
  }"><text x="${L}" y="18" font-size="13" font-weight="bold">${esc(opts.title)}</text>${grid}` +
    `<line x1="${L}" y1="${h - B}" x2="${w - R}" y2="${h - B}" stroke="#555"/>` +
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${h - B}" stroke="#555"/>` +
    `<text x="${(L + w - R) / 2}" y="${h - 8}" text-anchor="middle" font-size="12">${
      esc(opts.xLabel)
    }</text><text transform="translate(14 ${
      (T + h - B) / 2
    }) rotate(-90)" text-anchor="middle" font-size="12">${esc(opts.yLabel)}</text>${lines}</svg>`;
}

/** A horizontal bar chart with a labelled value axis; each bar's value is printed beside it. */
export function barChart(
  opts: {
    title: string;
    valueLabel: string;
    bars: [string, number][];
    format: (v: number) => string;
  },
  w = 720,
): string {
  const bars = opts.bars.filter(([, v]) => Number.isFinite(v));
  if (bars.length === 0) return `<p>${esc(opts.title)}: no data</p>`;
  const max = Math.max(...bars.map((b) => b[1])) || 1;
  const rowH = 20, left = 270, right = 90, T = 30;
  const h = T + rowH * bars.length + 48;
  const sx = (v: number) => left + (v / max) * (w - left - right);
  const ticks = niceTicks(0, max, 4);
  const axisY = T + rowH * bars.length + 4;
  const rows = bars.map(([name, v], i) => {
    const y = T + i * rowH;
    return `<text x="${left - 6}" y="${y + 14}" text-anchor="end" font-size="11">${
      esc(name)
    }</text><rect x="${left}" y="${y + 3}" width="${(sx(v) - left).toFixed(1)}" height="${
      rowH - 6
    }" fill="#1f77b4"/><text x="${(sx(v) + 4).toFixed(1)}" y="${y + 14}" font-size="11">${
      esc(opts.format(v))
    }</text>`;
  }).join("");
  const axis = ticks.map((v) =>
    `<line x1="${sx(v).toFixed(1)}" x2="${sx(v).toFixed(1)}" y1="${axisY}" y2="${
      axisY + 5
    }" stroke="#555"/><text x="${sx(v).toFixed(1)}" y="${
      axisY + 18
    }" text-anchor="middle" font-size="11">${tickLabel(v)}</text>`
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${
    esc(opts.title)
  }"><text x="4" y="18" font-size="13" font-weight="bold">${esc(opts.title)}</text>${rows}` +
    `<line x1="${left}" y1="${axisY}" x2="${w - right}" y2="${axisY}" stroke="#555"/>${axis}` +
    `<text x="${(left + w - right) / 2}" y="${h - 6}" text-anchor="middle" font-size="12">${
      esc(opts.valueLabel)
    }</text></svg>`;
}
