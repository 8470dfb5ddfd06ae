/**
 * Opening the fitness oracle a CLI command asked for: the plaintext reference model for
 * `--backend plain`, else a secure session (all parties in this process) and its oracle. The one
 * place tune, predict and compare build their model, so all three score prompts the same way.
 */
import type { FitnessOracle } from "@secp/fot";
import { getProfile } from "@secp/transport";
import {
  LocalSession,
  type SecureSession,
  type UseLiteWeights,
  type UseTokenizer,
} from "@secp/transformer";
import { connectParties } from "../deploy/connect.ts";
import type { TuneFlags } from "../flags.ts";
import { secureOps } from "./ops.ts";
import { PlainOracle } from "./plain.ts";
import { SecureOracle } from "./secure.ts";

/** The flags that decide how prompts are scored. */
export type OracleFlags = Pick<
  TuneFlags,
  | "backend"
  | "attention"
  | "features"
  | "cos"
  | "trunc"
  | "net"
  | "maxTokens"
  | "promptLen"
  | "parties"
>;

/** An oracle and, for secure backends, the session behind it (close it when done). */
export interface OpenedOracle {
  oracle: FitnessOracle<any>;
  session?: SecureSession;
  /** Closes the session, if any. */
  close(): Promise<void>;
}

/** Builds the oracle for `flags` on the model owner's `weights`. */
export async function openOracle(
  flags: OracleFlags,
  weights: UseLiteWeights,
  tokenizer: UseTokenizer,
): Promise<OpenedOracle> {
  const common = { tokenizer, promptLength: flags.promptLen, maxTokens: flags.maxTokens };
  if (flags.backend === "plain") {
    const oracle = new PlainOracle({ weights, ...common });
    return { oracle, close: () => Promise.resolve() };
  }
  const session: SecureSession = flags.parties
    ? await connectParties(flags, secureOps(flags))
    : await LocalSession.start({
      kind: flags.backend,
      weights,
      ops: secureOps(flags),
      trunc: flags.trunc,
      profile: flags.net === "none" ? undefined : getProfile(flags.net),
    });
  const oracle = new SecureOracle({ session, config: weights.config, ...common });
  return { oracle, session, close: () => session.close() };
}
