/**
 * Opening a fitness oracle in one call: the bundled USE-lite (softmax: the npm model; rfa: the
 * model owner's RFA-adapted checkpoint) or the model owner's HF BERT/RoBERTa checkpoint folder
 * (MLM head at the mask, restricted to the verbalizer), run by the float64 reference
 * (`reference`), or by the secure job on a backend (`plain`, `2pc`, `3pc`) with every party in
 * this process or deployed. `tune`, `predict`, `compare` and a library user build their oracle
 * here, so all of them score prompts the same way.
 *
 * @module
 */
import type { FitnessOracle } from "@secp/fot";
import type { BackendKind, NetworkProfile, TruncMode } from "@secp/sharing";
import {
  type JobSetup,
  type PartiesIn,
  RemoteSession,
  type SecureSession,
  startSession,
} from "@secp/sharing/run";
import { DEFAULT_ADAPTED_FEATURES } from "../adapt/checkpoint.ts";
import { loadHfCheckpoint } from "../hf/checkpoint.ts";
import { readHfConfig } from "../hf/config.ts";
import { hfEmbeddingStd, hfJobSetup, parseHfPublicModel } from "../hf/job.ts";
import { encodeMasked, maskedLength } from "../hf/readout.ts";
import { HfTokenizer } from "../hf/tokenizer.ts";
import { promptFromTokenIds, tokenTermStd } from "../use_lite/reference.ts";
import { HfReferenceOracle, HfSecureOracle } from "./hf.ts";
import { loadModelFor, type ModelChoice, type ModelFor, secureOps } from "./models.ts";
import { ReferenceOracle } from "./reference.ts";
import { tokenize } from "./tokens.ts";
import { SecureOracle } from "./secure.ts";
import {
  announceModel,
  hfAttentionOf,
  partySetup,
  partyWorkerSetup,
  useLiteSetup,
} from "./setup.ts";

/** Who evaluates: the float64 reference model, or the secure job on a backend. */
export type OracleBackend = "reference" | BackendKind;

/** Options of {@link openOracle}. */
export interface OracleOptions extends Partial<ModelChoice> {
  /** `reference` (float64, in the clear), `plain` (the secure code, cleartext), `2pc` or `3pc`. */
  backend: OracleBackend;
  /**
   * `use-lite` (default, bundled) or the path of a HF BERT/RoBERTa checkpoint folder
   * (`config.json`, `model.safetensors`, `tokenizer.json`). Deployed, only the model owner's
   * process reads the weights; the data owner reads `config.json` and `tokenizer.json`.
   */
  model?: string;
  /** Soft-prompt tokens L. */
  promptLength: number;
  /** Clip texts to this many tokens (0 or absent: only the model's limit). */
  maxTokens?: number;
  /** Truncation of the secure backend (default exact). */
  trunc?: TruncMode;
  /** Delay in-process links per a network profile (parties in one thread only). */
  profile?: NetworkProfile;
  /**
   * In process, where the parties run: `thread` (default: all on this thread) or `workers` (one
   * Worker thread per party, using every core; the same logits, ledger and reveals).
   */
  partiesIn?: PartiesIn;
  /**
   * Offline ahead of online (parties in workers or deployed; see `startSession`): every step's
   * preprocessing (the dealer's material, the computing parties' offline pass) runs before its
   * online phase, whose time the session's `lastStep` reports.
   */
  offlineAhead?: boolean;
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

/** What the model is, for reports (no absolute paths). */
export interface OracleModelInfo {
  /** `use-lite` or `hf`. */
  family: "use-lite" | "hf";
  /** e.g. `USE-lite (npm)` or the HF architecture and folder name. */
  name: string;
  /** The RFA-adapted checkpoint's file name (USE-lite rfa), else null. */
  checkpoint: string | null;
}

/** An oracle, what the data owner needs to start tuning, and the session behind it. */
export interface OpenedOracle {
  /** The fitness oracle. */
  oracle: FitnessOracle<any>;
  /** The model, for reports. */
  info: OracleModelInfo;
  /** The initial soft prompt (L × E) the projection is centred on. */
  init: Float64Array;
  /** Standard deviation of the embedding rows a prompt row replaces (scales the projection). */
  embeddingStd: number;
  /** Tokens of a (templated) text before clipping, as the model's tokenizer counts them. */
  tokenCount(text: string): number;
  /** Positions the model takes (prompt, text and special tokens). */
  maxSeqLen: number;
  /**
   * Positions a (templated) text occupies in a batch, after clipping: the per-text length the
   * computing parties see.
   */
  textLength(text: string): number;
  /** Positions of each label readout the parties see (label sentences; 1 per label word). */
  labelLengths(labelTexts: readonly string[]): number[];
  /** USE-lite: the loaded model (weights, tokenizer, attention); HF: undefined. */
  model?: ModelFor;
  /** The secure session, if any. */
  session?: SecureSession<any, any>;
  /** Closes the session, if any. */
  close(): Promise<void>;
}

/** The model choice of `o` with its defaults. */
function choiceOf(o: OracleOptions): ModelChoice {
  const hf = o.model !== undefined && o.model !== "use-lite";
  return {
    attention: o.attention ?? (hf ? "softmax" : "rfa"),
    features: o.features ?? DEFAULT_ADAPTED_FEATURES,
    cos: o.cos ?? "exact",
  };
}

/** Starts the session of `setup` (in this process, or with the deployment's parties). */
async function openSession<S, I>(
  o: OracleOptions,
  kind: BackendKind,
  setup: JobSetup<S, I>,
  remoteSetup: JobSetup<S, I>,
  announce: unknown,
): Promise<SecureSession<S, I>> {
  const common = {
    announce,
    trunc: o.trunc,
    insecureSeed: o.insecureSeed,
    offlineAhead: o.offlineAhead,
  };
  if (o.deployment !== undefined) {
    return await RemoteSession.connect<S, I>({
      ...common,
      config: o.deployment,
      setup: remoteSetup,
      log: o.log,
    });
  }
  // In workers, each party builds its side as a deployed party does (the model owner loads the
  // weights in its own thread).
  const modelDir = o.model !== undefined && o.model !== "use-lite" ? o.model : undefined;
  return await startSession<S, I>({
    ...common,
    kind,
    setup,
    profile: o.profile,
    partiesIn: o.partiesIn,
    workerSetup: partyWorkerSetup({ modelDir }),
  });
}

/**
 * Loads the model (USE-lite of `o.attention`, default rfa with its committed checkpoint, hashes
 * verified; or the HF checkpoint `o.model`, default softmax) and builds the oracle for it: the same
 * weights and attention on every backend.
 */
export async function openOracle(o: OracleOptions): Promise<OpenedOracle> {
  const choice = choiceOf(o);
  if (o.model !== undefined && o.model !== "use-lite") return await openHfOracle(o, choice);
  const model = await loadModelFor(choice.attention, choice.features, choice.cos);
  const { weights, tokenizer } = model;
  const common = { tokenizer, promptLength: o.promptLength, maxTokens: o.maxTokens };
  const initIds = tokenizer.encode("the following text");
  const base = {
    model,
    info: {
      family: "use-lite" as const,
      name: `USE-lite (npm)${choice.attention === "rfa" ? ", RFA-adapted" : ""}`,
      checkpoint: model.checkpoint?.file ?? null,
    },
    init: promptFromTokenIds(
      weights,
      Array.from({ length: o.promptLength }, (_, i) => initIds[i % initIds.length]),
    ),
    embeddingStd: tokenTermStd(weights),
    tokenCount: (t: string) => tokenizer.encode(t).length,
    maxSeqLen: weights.config.maxSeqLen,
    textLength: (t: string) =>
      tokenize(tokenizer, [t], weights.config, o.promptLength, o.maxTokens)[0].length,
    labelLengths: (ls: readonly string[]) =>
      tokenize(tokenizer, ls, weights.config, 0).map((r) => r.length),
  };
  if (o.backend === "reference") {
    const oracle = new ReferenceOracle({ weights, attention: model.attention, ...common });
    return { ...base, oracle, close: () => Promise.resolve() };
  }
  const ops = secureOps(choice, model);
  const setup = useLiteSetup({ ...model, ops });
  const session = await openSession(
    o,
    o.backend,
    setup,
    // Deployed, the data owner is not the model owner: it only needs the announced protocols.
    (a, role) => role.modelOwner ? setup(a, role) : partySetup(a, role),
    announceModel(choice),
  );
  const oracle = new SecureOracle({ session, config: weights.config, ...common });
  return { ...base, oracle, session, close: () => session.close() };
}

/** The HF masked-LM oracle of `o.model` (a checkpoint folder). */
async function openHfOracle(o: OracleOptions, choice: ModelChoice): Promise<OpenedOracle> {
  const dir = o.model!;
  const deployed = o.deployment !== undefined;
  // Deployed, the data owner holds only the config and the tokenizer, never the weights.
  const ck = deployed ? undefined : await loadHfCheckpoint(dir);
  const config = ck?.config ?? await readHfConfig(`${dir}/config.json`);
  const tokenizer = ck ? ck.tokenizer : await HfTokenizer.load(dir);
  if (!tokenizer) throw new Error(`--model ${dir}: no tokenizer.json in the checkpoint folder`);
  const name = `${config.sourceModelType} (${dir.split("/").filter(Boolean).pop()})`;
  const info = { family: "hf" as const, name, checkpoint: null };
  const counts = {
    tokenCount: (t: string) => maskedLength(tokenizer, t),
    maxSeqLen: config.maxPositionEmbeddings - (config.modelType === "roberta" ? 2 : 0),
    textLength: (t: string) =>
      encodeMasked(tokenizer, config, t, o.promptLength, o.maxTokens).ids.length,
    // The verbalizer's token ids are public to the computing parties (one per class).
    labelLengths: (ls: readonly string[]) => ls.map(() => 1),
  };
  // BBT's default: the projection centred on a zero prompt, scaled by the embedding table's std.
  const init = new Float64Array(o.promptLength * config.hiddenSize);
  const common = { tokenizer, config, promptLength: o.promptLength, maxTokens: o.maxTokens };
  if (o.backend === "reference") {
    const oracle = new HfReferenceOracle({ ...common, weights: ck!.weights });
    const embeddingStd = hfEmbeddingStd(ck!.weights);
    return { oracle, info, init, embeddingStd, ...counts, close: () => Promise.resolve() };
  }
  const attention = hfAttentionOf(choice);
  const session = await openSession(
    o,
    o.backend,
    hfJobSetup(attention, ck?.weights),
    hfJobSetup(attention),
    announceModel(choice, "hf"),
  );
  const { embeddingStd } = parseHfPublicModel(session.publicModel);
  const oracle = new HfSecureOracle({ ...common, session });
  return { oracle, info, init, embeddingStd, ...counts, session, close: () => session.close() };
}
