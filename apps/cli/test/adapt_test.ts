import assert from "node:assert/strict";
import { DEFAULT_ADAPTED_CHECKPOINT, listAdaptedCheckpoints } from "@secp/transformer";
import { parseAdaptFlags } from "../adapt.ts";
import { loadModelFor, secureOps } from "@secp/transformer/oracle";

Deno.test("adapt flags: defaults, help and one-line errors", () => {
  const f = parseAdaptFlags([]);
  assert.notEqual(f, "help");
  if (f === "help") return;
  assert.equal(f.variant, "raw");
  assert.ok(
    f.out.endsWith(`packages/transformer/use_lite/checkpoints/use-lite-rfa-D${f.features}.json`),
  );
  assert.ok(
    f.report.endsWith(`packages/transformer/use_lite/checkpoints/adapt-report-D${f.features}.json`),
  );
  assert.equal(f.relationalWeight, 0);
  assert.equal(f.hiddenWeight, 0);
  assert.equal(f.stopAtStep, undefined);
  assert.equal(f.threads, 2);
  const stop = parseAdaptFlags(["--steps", "10", "--stop-at-step", "7"]);
  assert.ok(stop !== "help" && stop.stopAtStep === 7);
  assert.equal(f.anchorPhrases, 0);
  assert.deepEqual(f.evalRows, ["normalised", 32, 64, 128, 256]);
  const q = parseAdaptFlags([
    "--eval-rows",
    "128,normalised",
    "--relational-weight",
    "2.5",
    "--hidden-weight",
    "0.5",
  ]);
  const none = parseAdaptFlags(["--eval-rows="]);
  if (q === "help" || none === "help") throw new Error("unexpected help");
  assert.equal(q.relationalWeight, 2.5);
  assert.equal(q.hiddenWeight, 0.5);
  assert.deepEqual(q.evalRows, ["normalised", 128]);
  assert.deepEqual(none.evalRows, []);
  assert.equal(parseAdaptFlags(["--help"]), "help");
  const n = parseAdaptFlags(["--variant", "normalised", "--features", "32"]);
  assert.ok(n !== "help" && n.out.endsWith("use-lite-rfa-normalised-D32.json"));
  assert.ok(n.report.endsWith("adapt-report-normalised-D32.json"));
  for (
    const [args, msg] of [
      [["--features", "0"], /--features: expected an integer/],
      [["--features", "6.5"], /--features/],
      [["--steps", "-3"], /--steps/],
      [["--variant", "positive"], /--variant: expected raw or normalised/],
      [["--lr", "2"], /--lr/],
      [["--seed", " "], /--seed/],
      [["--eval-limit", "x"], /--eval-limit/],
      [["--groups", "qk,bogus"], /--groups/],
      [["--relational-weight", "-1"], /--relational-weight/],
      [["--relational-weight", "x"], /--relational-weight/],
      [["--hidden-weight", ""], /--hidden-weight: expected a number/],
      [["--hidden-weight", "-0.1"], /--hidden-weight/],
      [
        ["--steps", "10", "--stop-at-step", "11"],
        /--stop-at-step: expected an integer in \[1, 10\]/,
      ],
      [["--anchor-phrases", "99"], /--anchor-phrases/],
      [["--eval-rows", "48"], /--eval-rows: unknown row "48"/],
      [["--threads", "3"], /--threads: expected an integer in \[1, 2\]/],
      [["extra"], /unexpected argument/],
      [["--nope"], /nope/],
    ] as const
  ) {
    assert.throws(() => parseAdaptFlags([...args]), msg, args.join(" "));
  }
});

Deno.test("tune wiring: softmax model, rfa from the committed checkpoint, clear errors", async () => {
  const soft = await loadModelFor("softmax");
  assert.equal(soft.checkpoint, null);
  assert.equal(soft.attention.kind, "softmax");
  const flags = { attention: "rfa", cos: "exact", features: 64 } as const;
  assert.throws(() => secureOps(flags), /loadModelFor/);
  assert.throws(() => secureOps(flags, soft), /loadModelFor/);
  await assert.rejects(
    () => loadModelFor("rfa", 7),
    /--features 7: no RFA-adapted checkpoint .*use-lite-rfa-D7\.json.*available: --features/,
  );
  const available = listAdaptedCheckpoints().filter((c) => c.input === "raw");
  assert.ok(available.some((c) => c.url.href === DEFAULT_ADAPTED_CHECKPOINT.href));
  const rfa = await loadModelFor("rfa");
  const D = rfa.checkpoint!.numFeatures;
  assert.equal(rfa.attention.kind, "rfa");
  assert.equal(rfa.secure.kind, "rfa");
  assert.notEqual(rfa.weights.layers[0].qkvW, soft.weights.layers[0].qkvW);
  secureOps({ ...flags, features: D }, rfa);
  assert.throws(() => secureOps({ ...flags, features: D + 1 }, rfa), /has D = /);
});
