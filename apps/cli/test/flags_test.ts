import assert from "node:assert/strict";
import { parseTuneFlags, PRESETS, type TuneFlags } from "../flags.ts";

Deno.test("tune flags: --protocol paper sets BBT-like defaults, explicit flags win", () => {
  const def = parseTuneFlags([]) as TuneFlags;
  assert.equal(def.protocol, "default");
  assert.deepEqual(
    [def.shots, def.popsize, def.dim, def.budget, def.evalEvery],
    [4, 6, 100, 6, 3],
  );
  assert.equal(def.selection, "dev-loss");
  assert.equal(def.loss, "hinge");
  assert.equal(def.alpha, 1);
  assert.equal(def.devShots, 4, "dev takes --shots by default");
  assert.equal((parseTuneFlags(["--shots=2", "--dev-shots=8"]) as TuneFlags).devShots, 8);
  assert.throws(() => parseTuneFlags(["--dev-shots=0"]), /--dev-shots: expected an integer/);
  const paper = parseTuneFlags(["--protocol", "paper"]) as TuneFlags;
  const p = PRESETS.paper;
  assert.deepEqual(
    [paper.shots, paper.popsize, paper.dim, paper.budget, paper.evalEvery],
    [p.shots, p.popsize, p.dim, p.budget, p.evalEvery],
  );
  assert.deepEqual([p.shots, p.popsize, p.dim], [16, 20, 500], "BBT's shots, popsize and d");
  assert.equal(paper.loss, "ce");
  assert.equal((parseTuneFlags(["--attention=softmax"]) as TuneFlags).loss, "ce");
  assert.equal(
    (parseTuneFlags(["--attention=softmax", "--loss=hinge"]) as TuneFlags).loss,
    "hinge",
  );
  const mixed = parseTuneFlags(["--protocol=paper", "--budget=3", "--shots=8"]) as TuneFlags;
  assert.deepEqual([mixed.budget, mixed.shots, mixed.popsize], [3, 8, 20]);
});

Deno.test("tune flags: --selection, --loss, --alpha and --protocol reject bad values", () => {
  assert.equal((parseTuneFlags(["--selection=all-loss"]) as TuneFlags).selection, "all-loss");
  assert.equal((parseTuneFlags(["--loss=hinge"]) as TuneFlags).loss, "hinge");
  assert.equal((parseTuneFlags(["--alpha=0.5"]) as TuneFlags).alpha, 0.5);
  assert.throws(
    () => parseTuneFlags(["--selection=dev"]),
    /--selection: expected one of dev-metric/,
  );
  assert.throws(() => parseTuneFlags(["--loss=mse"]), /--loss: expected one of ce, hinge/);
  assert.throws(() => parseTuneFlags(["--alpha=0"]), /--alpha: expected a positive number/);
  assert.throws(() => parseTuneFlags(["--alpha=x"]), /--alpha: expected a positive number/);
  assert.throws(() => parseTuneFlags(["--protocol=bbt"]), /--protocol: expected one of default/);
});

Deno.test("tune flags: --projection and --class-prior default, parse and reject bad values", () => {
  const def = parseTuneFlags([]) as TuneFlags;
  assert.deepEqual([def.projection, def.classPrior], ["normal", "data"]);
  const paper = parseTuneFlags(["--protocol=paper"]) as TuneFlags;
  assert.equal(paper.classPrior, "data", "the paper preset with rfa, as measured on spam");
  const paperSoftmax = parseTuneFlags(["--protocol=paper", "--attention=softmax"]) as TuneFlags;
  assert.equal(paperSoftmax.classPrior, "balanced", "the paper preset with softmax as measured");
  const softmax = parseTuneFlags(["--attention=softmax"]) as TuneFlags;
  assert.equal(softmax.classPrior, "balanced", "softmax as measured");
  const set = parseTuneFlags(["--projection=uniform", "--class-prior", "balanced"]) as TuneFlags;
  assert.deepEqual([set.projection, set.classPrior], ["uniform", "balanced"]);
  assert.throws(
    () => parseTuneFlags(["--projection=he"]),
    /^Error: --projection: expected one of normal, uniform, got "he"$/,
  );
  assert.throws(
    () => parseTuneFlags(["--class-prior=test"]),
    /^Error: --class-prior: expected one of balanced, data, got "test"$/,
  );
});

Deno.test("tune flags: --parties-in defaults to workers, to thread with --net, and rejects the rest", () => {
  assert.equal((parseTuneFlags([]) as TuneFlags).partiesIn, "workers");
  assert.equal((parseTuneFlags(["--parties-in=thread"]) as TuneFlags).partiesIn, "thread");
  assert.equal((parseTuneFlags(["--net=lan"]) as TuneFlags).partiesIn, "thread");
  assert.throws(
    () => parseTuneFlags(["--net=wan", "--parties-in=workers"]),
    /--net simulates links between parties on one thread: use --parties-in thread/,
  );
  assert.throws(() => parseTuneFlags(["--parties-in=process"]), /--parties-in: expected one of/);
});
