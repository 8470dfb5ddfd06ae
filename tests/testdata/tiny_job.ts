/**
 * The smallest real tuning job the end-to-end tests run: one shot per class, 2 prompts of 1 token
 * in a 4-dimensional z, 2 test texts of at most 6 tokens. The seed is fixed: tests only.
 */
export function tinyJobArgs(
  opts: { seed: string; budget: number; evalEvery: number },
): string[] {
  return [
    "--shots=1",
    "--popsize=2",
    "--dim=4",
    "--prompt-len=1",
    `--budget=${opts.budget}`,
    "--test-size=2",
    "--max-tokens=6",
    `--eval-every=${opts.evalEvery}`,
    `--seed=${opts.seed}`,
  ];
}
