/**
 * Opening a fitness oracle in one call: the model of the chosen attention (the npm USE-lite for
 * softmax, the model owner's RFA-adapted checkpoint for rfa), run by the float64 reference
 * (`reference`), or by the secure job on a backend (`plain`, `2pc`, `3pc`) with every party in
 * this process or deployed. `tune`, `predict`, `compare` and a library user build their oracle
 * here, so all of them score prompts the same way.
 *
 * @module
 */
import type { FitnessOracle } from "@secp/fot";
import type { BackendKind, NetworkProfile, TruncMode } from "@secp/sharing";
import { LocalSession, RemoteSession, type SecureSession } from "@secp/sharing/run";
import type { BatchInputs, BatchSpec } from "../secure/steps.ts";
import { loadModelFor, type ModelChoice, type ModelFor, secureOps } from "./models.ts";
import { ReferenceOracle } from "./reference.ts";
import { SecureOracle } from "./secure.ts";
import { announceModel, partySetup, useLiteSetup } from "./setup.ts";

/** Who evaluates: the float64 reference model, or the secure job on a backend. */
export type OracleBackend = "reference" | BackendKind;

/** Options of {@link openOracle}. */
export interface OracleOptions extends Partial<ModelChoice> {
  /** `reference` (float64, in the clear), `plain` (the secure code, cleartext), `2pc` or `3pc`. */
  backend: OracleBackend;
  /** Soft-prompt tokens L. */
  promptLength: number;
  /** Clip texts to this many tokens (0 or absent: only the model's limit). */
  maxTokens?: number;
  /** Truncation of the secure backend (default exact). */
  trunc?: TruncMode;
  /** Delay in-process links per a network profile. */
  profile?: NetworkProfile;
  /**
   * A deployment config (JSON text, `deno task keys`): the other parties run `serveParty` in their
   * own processes or hosts; its kind must equal `backend`.
   */
  deployment?: string;
  /** Progress lines of a deployed session. */
  log?: (line: string) => void;
  /** Deterministic seeds: **tests only**. */
  insecureSeed?: string;
}

/** An oracle, its model and, for secure backends, the session behind it (close it when done). */
export interface OpenedOracle {
  /** The fitness oracle. */
  oracle: FitnessOracle<any>;
  /** The model the oracle evaluates (weights, tokenizer, attention, checkpoint provenance). */
  model: ModelFor;
  /** The secure session, if any. */
  session?: SecureSession<BatchSpec, BatchInputs>;
  /** Closes the session, if any. */
  close(): Promise<void>;
}

/**
 * Loads the model of `o.attention` (default rfa: the committed checkpoint for `o.features`, hashes
 * verified) and builds the oracle for it: the same weights and attention on every backend.
 */
export async function openOracle(o: OracleOptions): Promise<OpenedOracle> {
  const choice: ModelChoice = {
    attention: o.attention ?? "rfa",
    features: o.features ?? (await import("../adapt/checkpoint.ts")).DEFAULT_ADAPTED_FEATURES,
    cos: o.cos ?? "exact",
  };
  const model = await loadModelFor(choice.attention, choice.features, choice.cos);
  const { weights, tokenizer } = model;
  const common = { tokenizer, promptLength: o.promptLength, maxTokens: o.maxTokens };
  if (o.backend === "reference") {
    const oracle = new ReferenceOracle({ weights, attention: model.attention, ...common });
    return { oracle, model, close: () => Promise.resolve() };
  }
  const ops = secureOps(choice, model);
  const announce = announceModel(choice);
  let session: SecureSession<BatchSpec, BatchInputs>;
  if (o.deployment !== undefined) {
    session = await RemoteSession.connect<BatchSpec, BatchInputs>({
      config: o.deployment,
      // The data owner is not the model owner: it only needs the protocols of the announced job.
      setup: (a, role) =>
        role.modelOwner ? useLiteSetup({ ...model, ops })(a, role) : partySetup(a, role),
      announce,
      trunc: o.trunc,
      insecureSeed: o.insecureSeed,
      log: o.log,
    });
  } else {
    session = await LocalSession.start<BatchSpec, BatchInputs>({
      kind: o.backend,
      setup: useLiteSetup({ ...model, ops }),
      announce,
      trunc: o.trunc,
      profile: o.profile,
      insecureSeed: o.insecureSeed,
    });
  }
  const oracle = new SecureOracle({ session, config: weights.config, ...common });
  return { oracle, model, session, close: () => session.close() };
}
