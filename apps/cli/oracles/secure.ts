/**
 * The secure fitness oracle: the data owner's side of a `LocalSession` (all parties in this
 * process). Texts and prompts are secret-shared by the data owner, weights by the model owner;
 * only the C cosine logits of each (prompt, text) are opened, to the data owner.
 */
import { FloatTensor } from "@secp/field";
import type {
  FitnessOracle,
  OracleBatch,
  OracleCost,
  OracleResult,
  PreparedBatch,
} from "@secp/fot";
import { LAN, type Ledger, modelTime, WAN, WAN200 } from "@secp/transport";
import type { SecureSession, UseLiteConfig, UseTokenizer } from "@secp/transformer";
import { LOGIT_SCALE, tokenize } from "./tokens.ts";

interface SecureBatch extends PreparedBatch {
  id: number;
}

/** Options of {@link SecureOracle}. */
export interface SecureOracleOptions {
  session: SecureSession;
  tokenizer: UseTokenizer;
  config: UseLiteConfig;
  promptLength: number;
  /** Clip texts to this many tokens (0: only the model's limit). */
  maxTokens?: number;
  logitScale?: number;
}

/** Padded length and real lengths of token rows. */
function layoutOf(ids: number[][]): { seq: number; lengths: number[] } {
  const lengths = ids.map((r) => r.length);
  return { seq: Math.max(1, ...lengths), lengths };
}

/** Online/offline cost of the traffic since `before`, with modelled network time. */
export function costSince(ledger: Ledger, before: Ledger, computeMs: number): OracleCost {
  const d = ledger.since(before);
  const s = d.summary();
  const model = (p: typeof LAN) => 1000 * modelTime(d, p, computeMs / 1000);
  return {
    bytesSent: s.maxBytesSent.online,
    bytesOffline: s.total.offline.bytes,
    rounds: s.rounds.online,
    messages: s.total.online.messages,
    lanMs: model(LAN),
    wanMs: model(WAN),
    wan200Ms: model(WAN200),
  };
}

/** Logits = scale · cos(secure embedding of the prompted text, secure label embedding). */
export class SecureOracle implements FitnessOracle<SecureBatch> {
  readonly promptLength: number;
  readonly embedDim: number;
  readonly #o: SecureOracleOptions;

  constructor(o: SecureOracleOptions) {
    this.#o = o;
    this.promptLength = o.promptLength;
    this.embedDim = o.config.embedDim;
  }

  async prepare(batch: OracleBatch): Promise<SecureBatch> {
    const { tokenizer, config, session } = this.#o;
    const textIds = tokenize(tokenizer, batch.texts, config, this.promptLength, this.#o.maxTokens);
    const labelIds = tokenize(tokenizer, batch.labelTexts, config, 0);
    const t = layoutOf(textIds), l = layoutOf(labelIds);
    const id = await session.prepare({
      texts: textIds.length,
      textSeq: t.seq,
      textLengths: t.lengths,
      classes: labelIds.length,
      labelSeq: l.seq,
      labelLengths: l.lengths,
    }, { textIds, labelIds });
    return { id, size: textIds.length, numClasses: labelIds.length };
  }

  async evaluate(prompts: Float64Array[], batch: SecureBatch): Promise<OracleResult> {
    const { session } = this.#o;
    const L = this.promptLength, E = this.embedDim;
    const flat = new Float64Array(prompts.length * L * E);
    prompts.forEach((p, i) => flat.set(p, i * L * E));
    const before = session.ledger.snapshot();
    const t0 = performance.now();
    const cos = await session.evaluate(batch.id, new FloatTensor(flat, [prompts.length, L, E]));
    const ms = performance.now() - t0;
    const scale = this.#o.logitScale ?? LOGIT_SCALE;
    return { logits: cos.data.map((v) => v * scale), cost: costSince(session.ledger, before, ms) };
  }
}
