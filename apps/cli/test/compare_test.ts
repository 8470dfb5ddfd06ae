import assert from "node:assert/strict";
import {
  COMPARE_DEFAULTS,
  COMPARE_HELP,
  maxAbsDiff,
  minRankGap,
  parseCompareArgs,
  ranking,
} from "../compare.ts";
import { parseTuneFlags, PRESETS, type TuneFlags } from "../flags.ts";

function flagsOf(args: string[]): TuneFlags {
  const parsed = parseCompareArgs(args);
  assert.notEqual(parsed, "help");
  return (parsed as { flags: TuneFlags }).flags;
}

const sizes = (f: TuneFlags) => ({
  shots: f.shots,
  devShots: f.devShots,
  popsize: f.popsize,
  dim: f.dim,
  budget: f.budget,
  evalEvery: f.evalEvery,
  testSize: f.testSize,
  maxTokens: f.maxTokens,
  loss: f.loss,
  classPrior: f.classPrior,
});

Deno.test("compare flags: without --protocol, compare's small job", () => {
  const f = flagsOf([]);
  assert.equal(f.protocol, "default");
  assert.deepEqual(sizes(f), sizes(parseTuneFlags(COMPARE_DEFAULTS) as TuneFlags));
  assert.deepEqual([f.shots, f.popsize, f.budget, f.testSize, f.maxTokens], [2, 4, 2, 16, 16]);
  // --protocol default is the same as no --protocol.
  assert.deepEqual(sizes(flagsOf(["--protocol", "default"])), sizes(f));
});

Deno.test("compare flags: --protocol paper gets the preset's settings, not compare's small ones", () => {
  const p = PRESETS.paper;
  for (const args of [["--protocol", "paper"], ["--protocol=paper"]]) {
    const f = flagsOf(args);
    assert.equal(f.protocol, "paper");
    // The same job `tune --protocol paper` runs (tune's defaults for the rest).
    assert.deepEqual(sizes(f), sizes(parseTuneFlags(["--protocol", "paper"]) as TuneFlags));
    assert.deepEqual(
      [f.shots, f.devShots, f.popsize, f.dim, f.budget, f.evalEvery, f.loss, f.classPrior],
      [p.shots, p.shots, p.popsize, p.dim, p.budget, p.evalEvery, p.loss, p.classPrior],
    );
    assert.deepEqual([f.shots, f.popsize, f.dim, f.budget], [16, 20, 500, 12]);
  }
});

Deno.test("compare flags: explicit flags win over both compare's defaults and the preset", () => {
  const small = flagsOf(["--shots", "3", "--test-size=5", "--backends", "2pc"]);
  assert.deepEqual([small.shots, small.popsize, small.testSize], [3, 4, 5]);
  const paper = flagsOf([
    "--budget",
    "1",
    "--protocol",
    "paper",
    "--test-size",
    "300",
    "--popsize=8",
  ]);
  assert.deepEqual(
    [paper.shots, paper.popsize, paper.dim, paper.budget, paper.evalEvery, paper.testSize],
    [16, 8, 500, 1, 2, 300],
  );
  assert.throws(() => parseCompareArgs(["--protocol", "bbt"]), /--protocol: expected one of/);
});

Deno.test("compare --help says what --protocol paper does to compare's defaults", () => {
  assert.equal(parseCompareArgs(["--protocol", "paper", "--help"]), "help");
  assert.match(COMPARE_HELP, /with --protocol paper, none of these/);
  assert.match(COMPARE_HELP, /given explicitly\s+win in both cases/);
});

Deno.test("compare: ranking, rank gap and differences that judge whether two runs took one path", () => {
  assert.deepEqual(ranking([0.5, 0.2, 0.9, 0.2]), [1, 3, 0, 2]);
  assert.deepEqual(ranking([]), []);
  assert.equal(minRankGap([0.5, 0.2, 0.9, 0.25]), 0.04999999999999999);
  assert.equal(minRankGap([0.5]), Infinity);
  assert.equal(minRankGap([0.3, 0.3]), 0);
  assert.equal(maxAbsDiff([1, 2, 3], [1, 2.5, 2]), 1);
  assert.equal(maxAbsDiff(new Float64Array([1]), [1]), 0);
  assert.equal(maxAbsDiff([1, 2], [1]), Infinity, "different lengths are not equal");
});
