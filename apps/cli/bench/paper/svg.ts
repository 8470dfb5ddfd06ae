/**
 * Small self-contained SVG charts for the paper report: lines on a log-y axis (cost vs sequence
 * length) and stacked horizontal bars (bytes per op).
 *
 * @module
 */

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
  "#86bcb6",
  "#d37295",
];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Human-readable bytes (decimal units). */
export function fmtBytes(b: number): string {
  const u = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (Math.abs(b) >= 1000 && i < u.length - 1) {
    b /= 1000;
    i++;
  }
  return `${b.toPrecision(3)} ${u[i]}`;
}

/** One line of a {@link lineChart}. */
export interface Series {
  /** Legend label. */
  name: string;
  /** Points (x, y > 0). */
  points: [number, number][];
}

/** Lines on log2-x / log10-y axes. */
export function lineChart(
  title: string,
  yLabel: string,
  series: readonly Series[],
  fmt: (y: number) => string = (y) => y.toPrecision(3),
): string {
  const W = 640, H = 360, l = 80, r = 170, t = 36, b = 48;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const [x0, x1] = [Math.log2(Math.min(...xs)), Math.log2(Math.max(...xs))];
  let [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
  if (y1 === y0) y1 = y0 + 1;
  const X = (x: number) => l + ((Math.log2(x) - x0) / Math.max(x1 - x0, 1e-9)) * (W - l - r);
  const Y = (y: number) => H - b - ((Math.log10(y) - y0) / (y1 - y0)) * (H - t - b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = Y(10 ** e);
    out.push(
      `<line x1="${l}" x2="${W - r}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${l - 6}" y="${y + 4}" text-anchor="end">${esc(fmt(10 ** e))}</text>`,
    );
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(
      `<line x1="${X(x)}" x2="${X(x)}" y1="${t}" y2="${H - b}" stroke="#eee"/>`,
      `<text x="${X(x)}" y="${H - b + 16}" text-anchor="middle">${x}</text>`,
    );
  }
  out.push(
    `<text x="${(l + W - r) / 2}" y="${H - 10}" text-anchor="middle">sequence length</text>`,
    `<text x="16" y="${(t + H - b) / 2}" text-anchor="middle" transform="rotate(-90 16 ${
      (t + H - b) / 2
    })">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const pts = s.points.filter((p) => p[1] > 0).sort((a, b) => a[0] - b[0]);
    out.push(
      `<polyline fill="none" stroke="${c}" stroke-width="2" points="${
        pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" ")
      }"/>`,
    );
    for (const p of pts) {
      out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${c}"/>`);
    }
    const ly = t + 16 + i * 18;
    out.push(
      `<rect x="${W - r + 12}" y="${ly - 9}" width="12" height="12" fill="${c}"/>`,
      `<text x="${W - r + 30}" y="${ly + 1}">${esc(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/** One bar of a {@link stackedBars} chart: segments by name. */
export interface Bar {
  /** Bar label. */
  label: string;
  /** Value per segment. */
  parts: Record<string, number>;
}

/** Horizontal stacked bars (linear axis), one colour per segment name. */
export function stackedBars(
  title: string,
  bars: readonly Bar[],
  fmt: (v: number) => string = fmtBytes,
): string {
  const names = [...new Set(bars.flatMap((b) => Object.keys(b.parts)))];
  const W = 760, l = 150, r = 20, t = 36, bh = 24, gap = 10;
  const legendRows = Math.ceil(names.length / 5);
  const H = t + bars.length * (bh + gap) + 30 + legendRows * 18 + 10;
  const max = Math.max(...bars.map((b) => Object.values(b.parts).reduce((a, v) => a + v, 0)), 1);
  const X = (v: number) => (v / max) * (W - l - r - 90);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  bars.forEach((bar, i) => {
    const y = t + i * (bh + gap);
    out.push(`<text x="${l - 6}" y="${y + bh / 2 + 4}" text-anchor="end">${esc(bar.label)}</text>`);
    let x = l;
    let total = 0;
    names.forEach((n, j) => {
      const v = bar.parts[n] ?? 0;
      if (v <= 0) return;
      const w = X(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${bh}" fill="${
          PALETTE[j % PALETTE.length]
        }"><title>${esc(`${n}: ${fmt(v)}`)}</title></rect>`,
      );
      x += w;
      total += v;
    });
    out.push(`<text x="${x + 6}" y="${y + bh / 2 + 4}">${esc(fmt(total))}</text>`);
  });
  const ly0 = t + bars.length * (bh + gap) + 16;
  names.forEach((n, j) => {
    const x = l + (j % 5) * 120, y = ly0 + Math.floor(j / 5) * 18;
    out.push(
      `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${PALETTE[j % PALETTE.length]}"/>`,
      `<text x="${x + 16}" y="${y + 1}">${esc(n)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}
