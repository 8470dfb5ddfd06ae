/**
 * The oracle a CLI command asked for: `openOracle` (`@secp/transformer/oracle`) with the tune
 * flags, so tune, predict and compare score prompts the same way.
 */
import { getProfile } from "@secp/transport";
import { HfTokenizer, verbalizerIds } from "@secp/transformer";
import { type OpenedOracle, openOracle } from "@secp/transformer/oracle";
import { deploymentFor } from "./deploy/connect.ts";
import type { TuneFlags } from "./flags.ts";

/** The flags that decide how prompts are scored. */
export type OracleFlags = Pick<
  TuneFlags,
  | "backend"
  | "model"
  | "attention"
  | "features"
  | "cos"
  | "trunc"
  | "net"
  | "maxTokens"
  | "promptLen"
  | "parties"
  | "partiesIn"
>;

/** Opens the oracle of `flags` (deployed parties with `--parties`). */
export async function openFlagsOracle(
  flags: OracleFlags,
  log: (line: string) => void = (l) => console.error(l),
): Promise<OpenedOracle> {
  return await openOracle({
    backend: flags.backend,
    model: flags.model,
    attention: flags.attention,
    features: flags.features,
    cos: flags.cos,
    trunc: flags.trunc,
    promptLength: flags.promptLen,
    maxTokens: flags.maxTokens,
    profile: flags.net === "none" ? undefined : getProfile(flags.net),
    partiesIn: flags.partiesIn,
    deployment: flags.parties === undefined ? undefined : await deploymentFor(flags),
    log,
  });
}

/**
 * Checks, before a session starts, that a HF model's tokenizer (read from the checkpoint folder;
 * the data owner has it) takes every label word as one token; the error names the word.
 */
export async function checkModelVerbalizer(dir: string, labelTexts: string[]): Promise<void> {
  const tokenizer = await HfTokenizer.load(dir).catch((e) => {
    throw new Error(`--model ${dir}: ${e instanceof Error ? e.message : e}`);
  });
  try {
    verbalizerIds(tokenizer, labelTexts);
  } catch (e) {
    throw new Error(`--model ${dir}: ${e instanceof Error ? e.message : e}`);
  }
}
