import assert from "node:assert/strict";
import { parseTuneFlags, type TuneFlags } from "../apps/cli/flags.ts";
import { runTune } from "../apps/cli/tune.ts";
import { tinyJobArgs } from "./testdata/tiny_job.ts";

for (const backend of ["2pc", "3pc"] as const) {
  Deno.test(`tune end to end: a tiny SecP-Tuning job under ${backend} writes honest reports`, async () => {
    const out = await Deno.makeTempDir();
    try {
      // Fixed seed: test only.
      const flags = parseTuneFlags([
        `--backend=${backend}`,
        ...tinyJobArgs({ seed: "e2e-test", budget: 2, evalEvery: 1 }),
        `--out=${out}/run`,
      ]) as TuneFlags;
      const report = await runTune(flags, () => {});
      const saved = JSON.parse(await Deno.readTextFile(`${out}/run/report.json`));
      assert.deepEqual(saved.summary, JSON.parse(JSON.stringify(report.summary)));
      assert.equal(saved.history.length, 2);
      for (const g of saved.history) {
        assert.ok(g.cost.bytesSent > 0 && g.cost.rounds > 0, "per-generation ledger cost recorded");
        assert.ok(g.cost.lanMs > 0 && g.cost.wanMs > g.cost.lanMs, "modelled LAN/WAN time");
      }
      // Under MPC the data owner receives nothing but the opened logits.
      const paths = saved.received_by_data_owner.map((e: { path: string }) => e.path);
      assert.ok(paths.length > 0);
      for (const p of paths) {
        assert.match(p, /^evaluate\/reveal\/open$/, `data owner received ${p}`);
      }
      const html = await Deno.readTextFile(`${out}/run/report.html`);
      assert.match(html, /<svg/);
      await assert.rejects(runTune({ ...flags, resume: false }, () => {}), /already holds a run/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
}

Deno.test("tune flags: bad values give one-line errors naming the flag", () => {
  assert.throws(
    () => parseTuneFlags(["--backend=4pc"]),
    /--backend: expected one of reference, plain, 2pc, 3pc/,
  );
  assert.throws(() => parseTuneFlags(["--task=sst2"]), /--task: unknown task "sst2"/);
  assert.throws(() => parseTuneFlags(["--shots=0"]), /--shots: expected an integer/);
  assert.throws(() => parseTuneFlags(["--bogus"]), /bogus/);
  assert.throws(
    () => parseTuneFlags(["--trunc=floor"]),
    /--trunc: expected one of exact, local, got "floor"/,
  );
  assert.equal((parseTuneFlags([]) as TuneFlags).trunc, "exact");
  // SecP-Tuning's attention is RFA (the adapted model); softmax is the baseline flag.
  assert.equal((parseTuneFlags([]) as TuneFlags).attention, "rfa");
  assert.equal((parseTuneFlags(["--attention=softmax"]) as TuneFlags).attention, "softmax");
  assert.equal((parseTuneFlags(["--trunc=local"]) as TuneFlags).trunc, "local");
});
