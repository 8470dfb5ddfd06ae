/**
 * `deno task bench paper` end to end on a tiny layer (d 16): every table is produced, Table A is
 * composed consistently from the measured phases (24 × layer + head, batch scaling), the measured
 * phases equal the closed-form costs, and the report files are written.
 */
import assert from "node:assert/strict";
import { costOf } from "@secp/protocols";
import { type RobertaLayerConfig, robertaLayerForwardPlan } from "@secp/transformer";
import {
  robertaLayerBackwardPlan,
  robertaLayerTrainForwardPlan,
} from "@secp/transformer/baselines";
import { type PaperOptions, parsePaperArgs, runPaper } from "../bench/paper.ts";
import { composeTableA, maxSent, part, repeat, widen } from "../bench/paper/compose.ts";
import { measureForward, measureTraining } from "../bench/paper/runs.ts";

const layer: RobertaLayerConfig = { hidden: 16, heads: 2, ffn: 32, eps: 1e-5 };

Deno.test("bench paper: measured layer phases equal the closed-form costs (2pc)", async () => {
  const B = 1, S = 6;
  const f = await measureForward("2pc", layer, B, S, ["fot-softmax", "fot-rfa-exact"], {
    insecureSeed: "paper-test",
  });
  const t = await measureTraining("2pc", layer, B, S, { insecureSeed: "paper-test" });
  const want = (plan: Parameters<typeof costOf>[2]) => costOf("2pc", {}, plan);
  const check = (name: string, got: (typeof f)[string], c: ReturnType<typeof want>) => {
    assert.equal(got.rounds, c.rounds, `${name} rounds`);
    assert.deepEqual(got.bytesByParty, c.bytes, `${name} bytes`);
    assert.equal(got.offlineBytes, c.offlineBytes, `${name} offline`);
    assert.ok(got.seconds > 0);
  };
  check(
    "fwd softmax",
    f["fwd-fot-softmax"],
    want((m) => robertaLayerForwardPlan(m, layer, B, S, { kind: "softmax" })),
  );
  check(
    "fwd rfa",
    f["fwd-fot-rfa-exact"],
    want((m) => robertaLayerForwardPlan(m, layer, B, S, { kind: "rfa" })),
  );
  check("train-fwd", t["train-fwd"], want((m) => robertaLayerTrainForwardPlan(m, layer, B, S)));
  check("bwd-act", t["bwd-act"], want((m) => robertaLayerBackwardPlan(m, layer, B, S)));
  check(
    "bwd-sft",
    t["bwd-sft"],
    want((m) => robertaLayerBackwardPlan(m, layer, B, S, { weightGrads: true })),
  );
});

for (const kind of ["2pc", "3pc"] as const) {
  Deno.test(`bench paper: parties in workers measure the bytes and rounds of one thread (${kind})`, async () => {
    const B = 1, S = 4;
    const vs = ["fot-softmax", "fot-rfa-exact"] as const;
    const seed = { insecureSeed: "paper-test" };
    const costs = async (partiesIn: "thread" | "workers") => ({
      ...await measureForward(kind, layer, B, S, vs, { ...seed, partiesIn }),
      ...await measureTraining(kind, layer, B, S, { ...seed, partiesIn }),
    });
    const one = await costs("thread");
    const many = await costs("workers");
    assert.deepEqual(Object.keys(many), Object.keys(one));
    for (const [name, c] of Object.entries(one)) {
      const { seconds: s1, ...rest1 } = c;
      const { seconds: s2, ...rest2 } = many[name];
      assert.deepEqual(rest2, rest1, name);
      assert.ok(s1 > 0 && s2 > 0, `${name} seconds`);
      // (3PC's `prepare` is free: replicated shares need no weight masks opened)
      if (kind === "2pc" || name !== "prepare") {
        assert.ok(c.rounds > 0 && c.bytesSent > 0, `${name} is a secure phase`);
      }
    }
  });
}

Deno.test("bench paper: tiny end-to-end run writes every table and composes Table A", async () => {
  const out = await Deno.makeTempDir();
  try {
    const parsed = parsePaperArgs([
      "--hidden=16",
      "--heads=2",
      "--ffn=32",
      "--seq=8",
      "--seqs=4,8",
      "--backend-seq=4",
      "--adam-chunk=64",
      `--out=${out}`,
    ]);
    assert.notEqual(parsed, "help");
    const o: PaperOptions = {
      ...(parsed as PaperOptions),
      print: false,
      verbose: false,
      insecureSeed: "paper-test",
    };
    const r = await runPaper(o);
    assert.deepEqual(r.tableA.map((l) => l.method), [
      "sft",
      "gradient-pt",
      "fot-softmax",
      "fot-rfa-exact",
      "fot-rfa-paper",
    ]);
    for (const l of r.tableA) {
      for (const k of ["fwd_s", "bwd_s", "total_s", "bytes_sent", "rounds", "lan_s", "wan_s"]) {
        assert.equal(typeof l[k], "number", `${l.method} ${k}`);
      }
      assert.ok((l.lan_s as number) >= (l.total_s as number));
      assert.ok((l.wan_s as number) > (l.lan_s as number));
    }
    assert.equal(r.ablation.length, 2 * 4);
    assert.equal(r.backends.length, 2 * 5);
    assert.equal(r.targets.length, 4);
    const files = r.files.map((f) => f.split("/").at(-1)!);
    assert.ok(files.some((f) => f.endsWith(".md")) && files.some((f) => f.endsWith(".json")));
    assert.equal(files.filter((f) => f.endsWith(".svg")).length, 5);
    for (const f of r.files.filter((f) => f.endsWith(".json") || f.endsWith(".md"))) {
      assert.ok(!(await Deno.readTextFile(f)).includes(out), `${f} holds the output directory`);
    }
    for (const f of r.files.filter((f) => f.endsWith(".svg"))) {
      assert.match(await Deno.readTextFile(f), /^<svg [^]*<\/svg>$/);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("bench paper: composition repeats layers and widens batches", async () => {
  const f = await measureForward("2pc", layer, 1, 4, [
    "fot-softmax",
    "fot-rfa-exact",
    "fot-rfa-paper",
  ], {
    insecureSeed: "paper-test",
  });
  const t = await measureTraining("2pc", layer, 1, 4, { insecureSeed: "paper-test" });
  const adam = t["bwd-act"]; // any phase stands in for the Adam chunk here
  const cfg = { kind: "2pc" as const, layer, layers: 3, sftParams: 100, promptParams: 10 };
  const one = composeTableA({ forward: f, training: t, adam, adamChunk: 50 }, { ...cfg, batch: 1 });
  const two = composeTableA({ forward: f, training: t, adam, adamChunk: 50 }, { ...cfg, batch: 2 });
  const fot = one.find((r) => r.method === "fot-rfa-exact")!;
  const layerPart = part(f["fwd-fot-rfa-exact"]);
  assert.equal(fot.total.rounds, 3 * layerPart.rounds + f["head-fwd"].rounds);
  assert.equal(maxSent(fot.total), maxSent(repeat(layerPart, 3)) + f["head-fwd"].bytesSent);
  const fot2 = two.find((r) => r.method === "fot-rfa-exact")!;
  assert.equal(fot2.total.rounds, fot.total.rounds);
  assert.equal(maxSent(fot2.total), 2 * maxSent(fot.total));
  // SFT: weight-mask openings and Adam do not grow with the batch.
  const sft1 = one.find((r) => r.method === "sft")!, sft2 = two.find((r) => r.method === "sft")!;
  assert.equal(maxSent(sft1.opt), maxSent(widen(part(adam), 2)));
  assert.equal(maxSent(sft2.opt), maxSent(sft1.opt));
  assert.ok(maxSent(sft2.total) < 2 * maxSent(sft1.total));
});
