/**
 * Opening the fitness oracle a CLI command asked for: the model of `--attention` (the npm USE-lite
 * for softmax, the model owner's RFA-adapted checkpoint for rfa), run by the plaintext reference
 * for `--backend plain`, else by a secure session (all parties in this process, or deployed ones)
 * and its oracle. The one place tune, predict and compare build their model, so all three score
 * prompts the same way.
 */
import type { FitnessOracle } from "@secp/fot";
import { getProfile } from "@secp/transport";
import { LocalSession, type SecureSession } from "@secp/transformer";
import { connectParties } from "../deploy/connect.ts";
import type { TuneFlags } from "../flags.ts";
import { loadModelFor, type ModelFor, secureOps } from "./ops.ts";
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

/** An oracle, its model and, for secure backends, the session behind it (close it when done). */
export interface OpenedOracle {
  oracle: FitnessOracle<any>;
  /** The model the oracle evaluates (weights, tokenizer, attention, checkpoint provenance). */
  model: ModelFor;
  session?: SecureSession;
  /** Closes the session, if any. */
  close(): Promise<void>;
}

/**
 * Loads the model of `flags.attention` (rfa: the committed checkpoint for `flags.features`, hashes
 * verified) and builds the oracle for it: the same weights and attention on every backend.
 */
export async function openOracle(flags: OracleFlags): Promise<OpenedOracle> {
  const model = await loadModelFor(flags.attention, flags.features, flags.cos);
  const { weights, tokenizer } = model;
  const common = { tokenizer, promptLength: flags.promptLen, maxTokens: flags.maxTokens };
  if (flags.backend === "plain") {
    const oracle = new PlainOracle({ weights, attention: model.attention, ...common });
    return { oracle, model, close: () => Promise.resolve() };
  }
  const ops = secureOps(flags, model);
  const session: SecureSession = flags.parties
    ? await connectParties(flags, ops)
    : await LocalSession.start({
      kind: flags.backend,
      weights,
      ops,
      trunc: flags.trunc,
      profile: flags.net === "none" ? undefined : getProfile(flags.net),
    });
  const oracle = new SecureOracle({ session, config: weights.config, ...common });
  return { oracle, model, session, close: () => session.close() };
}
