/**
 * Few-shot splits. The test split is a fixed, seed-independent half of the data chosen by a hash
 * of each text, so every seed and every run is scored on the same held-out examples; it is listed in
 * a fixed hash order, so any prefix of it (`--test-size N`) is a seed-independent random sample
 * rather than the corpus' first files (which, in SpamAssassin, are all ham). The k-shot train and
 * dev sets are drawn (per class, BBT-style) from the other half with a seeded shuffle.
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { Rng, type Seed } from "./rng.ts";
import type { Example, Task } from "./types.ts";

/** Train, dev and test examples of one task. */
export interface Split {
  /** k examples per class (shuffled). */
  train: Example[];
  /** devShots examples per class (shuffled), disjoint from train. */
  dev: Example[];
  /** The fixed held-out half (deduplicated, in {@link testOrderKey} order: any prefix is a random sample). */
  test: Example[];
}

/** Options of {@link fewShotSplit}. */
export interface SplitOptions {
  /** Training examples per class (k, e.g. 16). */
  shots: number;
  /** Dev examples per class (default `shots`). */
  devShots?: number;
  /** Seed of the train/dev draw (does not affect the test split). */
  seed: Seed;
}

/** A class has fewer examples than the requested train + dev shots. */
export class ShotsError extends RangeError {
  /** Name of the class. */
  readonly className: string;
  /** Distinct examples of the class available for train and dev. */
  readonly available: number;
  /** Train + dev shots requested. */
  readonly needed: number;
  /** `message` names the task, the class and the counts. */
  constructor(task: string, className: string, available: number, shots: number, devShots: number) {
    super(
      `task '${task}': class '${className}' has ${available} non-test examples, but ${shots} ` +
        `train + ${devShots} dev shots were requested`,
    );
    this.name = "ShotsError";
    this.className = className;
    this.available = available;
    this.needed = shots + devShots;
  }
}

/** True when `text` belongs to the fixed test half: first byte of SHA-256("secp-fot/test/v1" ‖ text) < 128. */
export function isTestText(text: string): boolean {
  const h = sha256(new TextEncoder().encode(`secp-fot/test/v1\u0000${text}`));
  return h[0] < 128;
}

/** Sort key of a test text: the first 6 bytes of SHA-256("secp-fot/test-order/v1" ‖ text) as a number. */
export function testOrderKey(text: string): number {
  const h = sha256(new TextEncoder().encode(`secp-fot/test-order/v1\u0000${text}`));
  return h[0] * 2 ** 40 + h[1] * 2 ** 32 + ((h[2] << 24 | h[3] << 16 | h[4] << 8 | h[5]) >>> 0);
}

/**
 * Splits `task.examples` (deduplicated by text, first occurrence wins) into a fixed test half and a
 * seeded k-shot train/dev draw from the rest. With a separate `task.test`, that is the test set
 * (deduplicated, in {@link testOrderKey} order) and train/dev are drawn from all of
 * `task.examples` whose text is not in it. Throws {@link ShotsError} (a `RangeError`) when some class has fewer than
 * `shots + devShots` non-test examples.
 */
export function fewShotSplit(
  task: Pick<Task, "name" | "classNames" | "examples" | "test">,
  options: SplitOptions,
): Split {
  const k = options.shots;
  const kd = options.devShots ?? k;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`shots must be a positive integer, got ${k}`);
  }
  if (!Number.isInteger(kd) || kd < 0) throw new RangeError(`devShots must be ≥ 0, got ${kd}`);
  const C = task.classNames.length;
  const seen = new Set<string>();
  const test: Example[] = [];
  const pool: Example[] = [];
  const checkLabel = (e: Example) => {
    if (!Number.isInteger(e.label) || e.label < 0 || e.label >= C) {
      throw new RangeError(`task '${task.name}': label ${e.label} outside [0, ${C})`);
    }
  };
  for (const e of task.test ?? []) {
    if (seen.has(e.text)) continue;
    seen.add(e.text);
    checkLabel(e);
    test.push(e);
  }
  for (const e of task.examples) {
    if (seen.has(e.text)) continue;
    seen.add(e.text);
    checkLabel(e);
    (task.test === undefined && isTestText(e.text) ? test : pool).push(e);
  }
  const key = new Map(test.map((e) => [e.text, testOrderKey(e.text)]));
  test.sort((a, b) => key.get(a.text)! - key.get(b.text)!);
  const available = new Array(C).fill(0);
  for (const e of pool) available[e.label]++;
  for (let c = 0; c < C; c++) {
    if (available[c] < k + kd) {
      throw new ShotsError(task.name, task.classNames[c], available[c], k, kd);
    }
  }
  const order = Rng.fromSeed(options.seed, "split").shuffle(pool.map((_, i) => i));
  const nTrain = new Array(C).fill(0);
  const nDev = new Array(C).fill(0);
  const train: Example[] = [];
  const dev: Example[] = [];
  for (const i of order) {
    const e = pool[i];
    if (nTrain[e.label] < k) {
      train.push(e);
      nTrain[e.label]++;
    } else if (nDev[e.label] < kd) {
      dev.push(e);
      nDev[e.label]++;
    }
  }
  return { train, dev, test };
}
