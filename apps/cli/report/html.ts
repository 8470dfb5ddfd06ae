/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) rendered from
 * report.json: outcome, cost, privacy, configuration, the command to reproduce the run, versions.
 */
import type { TuneReport } from "./build.ts";
import { barChart, esc, lineChart } from "./svg.ts";
import {
  fmtBytes,
  fmtCount,
  fmtMetric,
  fmtPoints,
  fmtRounds,
  fmtSeconds,
  fmtWithInterval,
} from "./units.ts";

/** The HTML section ids, in page order. */
export const SECTIONS = [
  "outcome",
  "cost",
  "privacy",
  "configuration",
  "reproduce",
  "versions",
] as const;

/** A value formatted by its key's unit suffix (`bytes`, `_s`, `rounds`, `_ci95`, metrics). */
export function fmtByKey(key: string, v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (Array.isArray(v) && v.length === 2 && key.endsWith("ci95")) {
    return `[${fmtMetric(Number(v[0]))}, ${fmtMetric(Number(v[1]))}]`;
  }
  if (typeof v !== "number") return typeof v === "object" ? JSON.stringify(v) : String(v);
  if (/bytes/.test(key)) return fmtBytes(v);
  if (/(^|_)s($|_)/.test(key) || key.endsWith("_s")) return fmtSeconds(v);
  if (/rounds/.test(key)) return fmtRounds(v);
  if (/metric|accuracy|f1/.test(key)) return fmtMetric(v);
  return Number.isInteger(v) ? fmtCount(v) : String(+v.toPrecision(4));
}

const table = (head: string[], rows: string[][], cls = "") =>
  `<table${cls ? ` class="${cls}"` : ""}>${
    head.length ? `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>` : ""
  }<tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;

const keyTable = (o: Record<string, unknown>, name = (k: string) => k) =>
  table([], Object.entries(o).map(([k, v]) => [esc(name(k)), esc(fmtByKey(k, v))]), "kv");

const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function confusion(title: string, classes: string[], m: number[][]): string {
  const head = ["true \\ predicted", ...classes];
  const rows = m.map((row, i) => [
    esc(classes[i]),
    ...row.map((n, j) => (i === j ? `<b>${n}</b>` : String(n))),
  ]);
  return `<div class="cm"><h4>${esc(title)}</h4>${table(head, rows)}</div>`;
}

function outcome(r: TuneReport): string {
  const o = r.outcome;
  const name = o.metric === "f1" ? "F1" : "accuracy";
  const method = o.untuned.ci_method === "wilson"
    ? "Wilson score interval"
    : "percentile bootstrap";
  const gain = o.tuned.metric - o.untuned.metric;
  const dev = o.dev;
  return `<section id="outcome"><h2>Outcome</h2>
<p class="big">Test ${name} on ${o.test_texts} texts: untuned <b>${
    fmtWithInterval(o.untuned.metric, o.untuned.metric_ci95)
  }</b> → tuned <b>${fmtWithInterval(o.tuned.metric, o.tuned.metric_ci95)}</b> (${
    fmtPoints(gain)
  } points; brackets: 95 % ${method}).</p>
${
    o.metric === "f1"
      ? `<p>Accuracy: untuned ${
        fmtWithInterval(o.untuned.accuracy, o.untuned.accuracy_ci95)
      }, tuned ${fmtWithInterval(o.tuned.accuracy, o.tuned.accuracy_ci95)} (Wilson).</p>`
      : ""
  }
${o.notes.map((n) => `<p class="warn">Note: ${esc(n)}</p>`).join("")}
<p>Dev set: ${dev.texts} texts; dev ${name} of the selected prompt ${fmtMetric(dev.best_metric)}${
    dev.best_generation === null
      ? ""
      : dev.best_generation === 0
      ? " (the untuned prompt)"
      : ` (generation ${dev.best_generation})`
  }.${dev.note ? ` <span class="warn">Note: ${esc(dev.note)}.</span>` : ""}</p>
<div class="row">${confusion("untuned prompt", o.class_names, o.untuned.confusion)}${
    confusion("tuned prompt", o.class_names, o.tuned.confusion)
  }</div>
<div class="row">${
    lineChart({
      title: "train loss per generation",
      xLabel: "generation",
      yLabel: "cross-entropy loss",
      series: [
        {
          name: "best candidate",
          points: r.cost.per_generation.map((g) => [g.generation, g.train_loss_best]),
        },
        {
          name: "population mean",
          points: r.cost.per_generation.map((g) => [g.generation, g.train_loss_mean]),
        },
      ],
    })
  }${
    lineChart({
      title: `dev ${name} (${dev.texts} texts)`,
      xLabel: "generation",
      yLabel: `dev ${name}`,
      yLimits: [0, 1],
      xDomain: [1, Math.max(1, r.cost.per_generation.length)],
      series: [{
        name: "CMA-ES mean",
        points: r.cost.per_generation.filter((g) => g.dev_metric !== null).map((g) => [
          g.generation,
          g.dev_metric as number,
        ]),
      }],
    })
  }</div></section>`;
}

function cost(r: TuneReport): string {
  const c = r.cost;
  const m = c.mean_per_generation;
  const gens = table(
    [
      "generation",
      "session",
      "online sent (busiest party)",
      "offline",
      "rounds",
      "wall",
      "modelled LAN",
      "modelled WAN",
      "best loss",
      "dev",
    ],
    c.per_generation.map((g) => [
      String(g.generation),
      g.session === null ? "-" : String(g.session),
      fmtBytes(g.bytes_sent_online_busiest_party),
      fmtBytes(g.bytes_offline),
      fmtRounds(g.rounds_online),
      fmtSeconds(g.wall_s),
      fmtSeconds(g.lan_s),
      fmtSeconds(g.wan_s),
      g.train_loss_best.toFixed(4),
      fmtMetric(g.dev_metric),
    ]).concat([[
      "<b>mean</b>",
      "",
      fmtBytes(m.bytes_sent_online_busiest_party),
      fmtBytes(m.bytes_offline),
      fmtRounds(m.rounds_online),
      fmtSeconds(m.wall_s),
      fmtSeconds(m.lan_s),
      fmtSeconds(m.wan_s),
      "",
      "",
    ]]),
  );
  const sessions = c.sessions.length
    ? table(
      [
        "session",
        "status",
        "generations",
        "wall",
        "online sent (all parties)",
        "offline sent",
        "rounds (online)",
      ],
      c.sessions.map((s) => [
        String(s.session),
        esc(s.status + (s.error ? `: ${s.error}` : "")),
        s.generations_to >= s.generations_from
          ? `${s.generations_from}–${s.generations_to}`
          : "none",
        fmtSeconds(s.wall_s),
        fmtBytes(s.traffic.bytes_sent_online),
        fmtBytes(s.traffic.bytes_sent_offline),
        fmtRounds(s.traffic.rounds_online),
      ]).concat([[
        "<b>total</b>",
        "",
        "",
        fmtSeconds(c.total.wall_s),
        fmtBytes(c.total.bytes_sent_online),
        fmtBytes(c.total.bytes_sent_offline),
        fmtRounds(c.total.rounds_online),
      ]]),
    )
    : "<p>No secure session (plaintext backend): nothing was sent.</p>";
  const parties = c.total.per_party.length
    ? table(
      ["party", "role", "online sent", "offline sent", "messages"],
      c.total.per_party.map((p) => [
        String(p.party),
        esc(p.role),
        fmtBytes(p.bytes_sent_online),
        fmtBytes(p.bytes_sent_offline),
        fmtCount(p.messages),
      ]),
    )
    : "";
  const ops = c.by_op.slice(0, 20);
  return `<section id="cost"><h2>Cost</h2>
<p>Per generation (mean of ${c.per_generation.length}): <b>${
    fmtBytes(m.bytes_sent_online_busiest_party)
  }</b> sent online by the busiest party, ${fmtBytes(m.bytes_offline)} of offline material, ${
    fmtRounds(m.rounds_online)
  } dependent rounds, ${fmtSeconds(m.wall_s)} wall time here; modelled ${
    fmtSeconds(m.lan_s)
  } on a LAN and ${fmtSeconds(m.wan_s)} on a WAN. Whole job: ${
    fmtBytes(c.total.bytes_sent_online)
  } online and ${fmtBytes(c.total.bytes_sent_offline)} offline (all parties), ${
    fmtSeconds(c.total.wall_s)
  }.</p>
<h3>Per generation</h3>${gens}
${
    lineChart({
      title: "bytes sent per generation",
      xLabel: "generation",
      yLabel: "MB",
      series: [
        {
          name: "online (busiest)",
          points: c.per_generation.map((
            g,
          ) => [g.generation, g.bytes_sent_online_busiest_party / 1e6]),
        },
        {
          name: "offline",
          points: c.per_generation.map((g) => [g.generation, g.bytes_offline / 1e6]),
        },
      ],
    })
  }
<h3>Sessions (every session of the job, interrupted ones included)</h3>${sessions}
<h3>Per party (whole job)</h3>${parties}
<h3>By op (whole job, all parties, largest ${ops.length})</h3>
${
    ops.length
      ? table(
        ["op", "phase", "bytes sent", "messages"],
        ops.map((
          p,
        ) => [`<code>${esc(p.op)}</code>`, p.phase, fmtBytes(p.bytes_sent), fmtCount(p.messages)]),
      ) +
        barChart({
          title: "bytes sent by op (whole job, all parties)",
          valueLabel: "MB sent",
          bars: ops.map((p) => [`${p.op} (${p.phase})`, p.bytes_sent / 1e6]),
          format: (v) => fmtBytes(v * 1e6),
        })
      : "<p>No traffic.</p>"
  }</section>`;
}

function privacy(r: TuneReport): string {
  const p = r.privacy;
  const v = p.visible_to_computing_parties;
  const learned = p.learned.length
    ? table(
      ["party", "role", "learned"],
      p.learned.map((l) => [String(l.party), esc(l.role), esc(l.statement)]),
      "text",
    )
    : "<p>No openings (plaintext backend).</p>";
  const roles = Object.entries(p.roles);
  const silent = roles.filter(([id]) => !p.learned.some((l) => String(l.party) === id));
  const batches = table(
    ["batch", "texts", "tokens per text (min–max)", "token counts"],
    v.batches.map((b) => [
      esc(b.batch),
      String(b.texts),
      `${b.min_tokens}–${b.max_tokens}`,
      `<details><summary>all ${b.texts}</summary>${b.token_lengths.join(", ")}</details>`,
    ]),
  );
  return `<section id="privacy"><h2>Privacy</h2>
<p><b>Threat model.</b> ${esc(p.threat_model)}</p>
<h3>What each party learned (reveal log, every session)</h3>${learned}
${
    silent.length
      ? `<p>Opened nothing: ${
        silent.map(([id, role]) => `party ${id} (${esc(role)})`).join(", ")
      }.</p>`
      : ""
  }
<h3>What the computing parties see</h3>
<p>Array shapes and lengths, not values: prompts of shape [${
    v.prompt_shape.join(", ")
  }] (candidates, tokens, embedding width), ${v.classes} classes with label texts of ${
    v.label_token_lengths.join(", ")
  } tokens, and the token count of every text:</p>${batches}</section>`;
}

/** The whole page. */
export function reportHtml(r: TuneReport): string {
  const s = r.summary;
  const title = `secp-tuning: ${s.task} on ${s.backend}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222}
h2{border-bottom:2px solid #1f77b4;padding-bottom:2px;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}td{white-space:nowrap}
th:first-child,td:first-child{text-align:left}table.kv td,table.text td{text-align:left;white-space:normal}
.row{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}.big{font-size:1.15em}
.warn{color:#a15c00}code,pre{background:#f4f4f4}pre{padding:.6em;white-space:pre-wrap;word-break:break-all}
</style></head><body><h1>${esc(title)}</h1>
<p>${
    esc(String(s.metric))
  } on ${s.test_texts} test texts, ${s.generations} generations, attention ${
    esc(String(s.attention))
  }, ${s.sessions} session${s.sessions === 1 ? "" : "s"}. Sections: ${
    SECTIONS.map((id) => `<a href="#${id}">${id}</a>`).join(" · ")
  }.</p>
${outcome(r)}
${cost(r)}
${privacy(r)}
<section id="configuration"><h2>Configuration</h2><p>The flags of the run (defaults filled in; the seed as recorded in run.json):</p>${
    keyTable(r.configuration, flagName)
  }
<h3>Summary figures (report.json <code>summary</code>)</h3>${keyTable(r.summary)}</section>
<section id="reproduce"><h2>Reproduce</h2><p>From the project root, with a new <code>--out</code> folder:</p><pre>${
    esc(r.reproduce.command)
  }</pre></section>
<section id="versions"><h2>Versions</h2>${keyTable(r.versions)}</section>
</body></html>
`;
}
