/**
 * The oracle a CLI command asked for: `openOracle` (`@secp/transformer/oracle`) with the tune
 * flags, so tune, predict and compare score prompts the same way.
 */
import { getProfile } from "@secp/transport";
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
    deployment: flags.parties === undefined ? undefined : await deploymentFor(flags),
    log,
  });
}
