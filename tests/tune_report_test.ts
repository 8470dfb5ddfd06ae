import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { SECTIONS } from "../apps/cli/report/html.ts";
import { checkReport, schemaMarkdown } from "../apps/cli/report/schema.ts";
import { pngSize, renderPage } from "./testdata/chromium.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const tuneCli = new URL("../apps/cli/tune.ts", import.meta.url).pathname;

/** Runs the tune CLI in `cwd` (outside the project) like a user would; returns its output. */
async function tuneIn(cwd: string, args: string[]) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--frozen",
      "--v8-flags=--no-maglev",
      `--config=${ROOT}deno.json`,
      tuneCli,
      ...args,
    ],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: o.code, stdout: dec(o.stdout), stderr: dec(o.stderr) };
}

/** Absolute paths: a `/` path of two or more segments after a quote, space, bracket or `=`. */
const ABSOLUTE = /(^|[\s"'(>=])\/[\w.-]+\/[\w.-]/;

Deno.test("tune report: the console ends naming the report, report.html has every section, no absolute path, renders in Chromium", async (t) => {
  const cwd = await Deno.makeTempDir();
  try {
    // Fixed seed: test only.
    const r = await tuneIn(cwd, [
      "--backend=2pc",
      ...tinyJobArgs({ seed: "report-test", budget: 2, evalEvery: 1 }),
      "--out=run",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split("\n");
    const last = out.at(-1)!;

    await t.step(
      "console: results on stdout, progress on stderr, the last line names the report",
      () => {
        const m = last.match(/^report: (\S+)\s+checkpoint: (\S+)$/);
        assert.ok(m, `last line: ${last}`);
        assert.equal(m[1], "run/report.html");
        assert.ok(existsSync(`${cwd}/${m[1]}`), `${m[1]} exists`);
        assert.ok(existsSync(`${cwd}/${m[2]}`), `${m[2]} exists`);
        assert.match(r.stderr, /gen 1\/2 .*gen 2\/2/s, "progress on stderr");
        assert.doesNotMatch(r.stdout, /gen \d\/2/, "no progress on stdout");
        // The metric once, with its interval and the test-set size; the dev set with its size.
        assert.match(
          out[0],
          /^test accuracy on 2 texts: untuned \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] -> tuned \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/,
        );
        assert.equal(out[0].match(/accuracy/g)?.length, 1, "the metric is named once");
        assert.match(out[1], /^dev accuracy on 2 texts: .*too few to select/);
        // Human units: no long floats, no raw byte counts.
        for (const line of out) {
          assert.doesNotMatch(line, /\d\.\d{5,}/, `unformatted float in: ${line}`);
          assert.doesNotMatch(line, /\d{7,}/, `raw count in: ${line}`);
        }
        assert.match(out.join("\n"), /\d+\.\d (MB|kB|GB) online/);
      },
    );

    const html = await Deno.readTextFile(`${cwd}/run/report.html`);
    await t.step("report.html: every section, self-contained, no absolute path", () => {
      for (const id of SECTIONS) assert.match(html, new RegExp(`<section id="${id}">`), id);
      let at = -1;
      for (const id of SECTIONS) {
        const i = html.indexOf(`<section id="${id}">`);
        assert.ok(i > at, `${id} in order`);
        at = i;
      }
      assert.doesNotMatch(
        html,
        /<script|<link|<img|<iframe|@import|url\(|src=/i,
        "no script, no fetch",
      );
      for (const [, href] of html.matchAll(/href="([^"]*)"/g)) assert.match(href, /^#/);
      const abs = html.match(ABSOLUTE);
      assert.equal(
        abs,
        null,
        `absolute path near: ${abs && html.slice(abs.index! - 40, abs.index! + 60)}`,
      );
      assert.ok(
        !html.includes(cwd) && !html.includes(ROOT),
        "neither the run's nor the project's folder",
      );
      // Outcome: the intervals and a confusion matrix per prompt; privacy: the data owner's logits.
      assert.match(html, /untuned <b>\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]<\/b> → tuned/);
      assert.equal(html.match(/true \\ predicted/g)?.length, 2);
      assert.match(
        html,
        /data owner<\/td><td>2 logits × (22|24) \(prompt, text\) queries in the clear \(evaluate\/reveal\/open\): 2 untuned test \+ 2 generations × 4 train \(2 prompts × 2 texts\) \+ 2 × 2 dev \+ the final selection \(3 candidates × 2 train \+ 2 dev\)( \+ 2 tuned test)?, nothing else/,
      );
      assert.match(html, /Semi-honest 2PC with a dealer/);
      assert.match(html, /\.\/denow task tune --backend 2pc .*--seed report-test/);
      assert.match(html, /project_commit/);
      // Plots have labelled axes with ticks.
      const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
      assert.ok(svgs.length >= 4, `${svgs.length} plots`);
      for (const s of svgs) {
        assert.ok((s.match(/<text/g) ?? []).length >= 6, "axis labels and ticks");
      }
    });

    await t.step("report.json conforms to the schema documented in the README", async () => {
      const json = JSON.parse(await Deno.readTextFile(`${cwd}/run/report.json`));
      assert.deepEqual(checkReport(json), []);
      assert.doesNotMatch(JSON.stringify(json), ABSOLUTE);
      assert.ok(checkReport({ ...json, summary: { ...json.summary, wall_s: "1" } }).length > 0);
      assert.ok(checkReport({ ...json, extra: 1 }).some((e) => /extra: not documented/.test(e)));
    });

    await t.step("report.html renders in headless Chromium without a page error", async () => {
      const png = `${cwd}/report.png`;
      const page = await renderPage(`${cwd}/run/report.html`, png);
      assert.equal(page.code, 0, "chromium exit code");
      assert.deepEqual(page.console, [], "page errors");
      for (const id of SECTIONS) assert.match(page.dom, new RegExp(`<section id="${id}">`), id);
      const bytes = await Deno.readFile(png);
      assert.deepEqual(pngSize(bytes), { width: 1200, height: 2400 });
      assert.ok(bytes.length > 50_000, `a rendered page, not a blank one (${bytes.length} bytes)`);
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("tune --json: stdout is one machine-readable summary line", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const r = await tuneIn(cwd, [
      "--backend=plain",
      ...tinyJobArgs({ seed: "json-test", budget: 1, evalEvery: 1 }),
      "--out=run",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 1, r.stdout);
    const s = JSON.parse(lines[0]);
    assert.equal(s.backend, "plain");
    assert.equal(s.test_texts, 2);
    assert.ok(s.untuned_test_metric_ci95[0] <= s.untuned_test_metric);
    assert.ok(existsSync(`${cwd}/${s.report_html}`) && existsSync(`${cwd}/${s.checkpoint}`));
    assert.match(r.stderr, /^report: run\/report.html/m, "the human lines went to stderr");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("README documents report.json exactly as apps/cli/report/schema.ts", async () => {
  // deno fmt pads markdown tables: compare with the padding removed.
  const norm = (s: string) => s.replace(/[ \t]*\|[ \t]*/g, "|").replace(/-{3,}/g, "---");
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  assert.ok(
    norm(readme).includes(norm(schemaMarkdown())),
    "README's report.json table is out of date: paste the output of `./denow run apps/cli/report/schema.ts`",
  );
});
