/**
 * The secure fitness oracle: the data owner's side of a USE-lite session of the runtime (all
 * parties in this process, or deployed). Texts and prompts are secret-shared by the data owner,
 * weights by the model owner; only the C cosine logits of each (prompt, text) are opened, to the
 * data owner.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import type { FitnessOracle, OracleBatch, OracleResult, PreparedBatch } from "@secp/fot";
import { costSince, type SecureSession } from "@secp/sharing/run";
import type { BatchInputs, BatchSpec } from "../use_lite/steps.ts";
import type { UseTokenizer } from "../use_lite/tokenizer.ts";
import type { UseLiteConfig } from "../use_lite/config.ts";
import { useLitePromptWidths } from "../use_lite/steps.ts";
import { groupByDepth, positionMajor, splitDeepPrompt } from "./deep.ts";
import { LOGIT_SCALE, tokenize } from "./tokens.ts";

/** A prepared batch: its id in the session. */
export interface SecureBatch extends PreparedBatch {
  /** The session's batch id. */
  id: number;
  /** The same texts announced for deep prompts (prepared on the first deep call). */
  deepId?: Promise<number>;
  /** The spec and inputs, kept to prepare the deep twin. */
  announced: { spec: BatchSpec; inputs: BatchInputs };
}

/** Options of {@link SecureOracle}. */
export interface SecureOracleOptions {
  /** A session serving the USE-lite job. */
  session: SecureSession<BatchSpec, BatchInputs>;
  /** The data owner's tokenizer. */
  tokenizer: UseTokenizer;
  /** The public model config. */
  config: UseLiteConfig;
  /** Soft-prompt tokens L. */
  promptLength: number;
  /** Clip texts to this many tokens (0: only the model's limit). */
  maxTokens?: number;
  /** Scale of the cosine logits (default {@link LOGIT_SCALE}). */
  logitScale?: number;
}

/** Padded length and real lengths of token rows. */
function layoutOf(ids: number[][]): { seq: number; lengths: number[] } {
  const lengths = ids.map((r) => r.length);
  return { seq: Math.max(1, ...lengths), lengths };
}

/** Logits = scale · cos(secure embedding of the prompted text, secure label embedding). */
export class SecureOracle implements FitnessOracle<SecureBatch> {
  /** Soft-prompt tokens L. */
  readonly promptLength: number;
  /** Embedding width E. */
  readonly embedDim: number;
  /** Widths of a deep prompt's rows per layer (see `FitnessOracle.promptWidths`). */
  readonly promptWidths: readonly number[];
  readonly #o: SecureOracleOptions;

  /** An oracle on `o.session`. */
  constructor(o: SecureOracleOptions) {
    this.#o = o;
    this.promptLength = o.promptLength;
    this.embedDim = o.config.embedDim;
    this.promptWidths = useLitePromptWidths(o.config);
  }

  /** Tokenises at the data owner and prepares the batch in the session. */
  async prepare(batch: OracleBatch): Promise<SecureBatch> {
    const { tokenizer, config, session } = this.#o;
    const textIds = tokenize(tokenizer, batch.texts, config, this.promptLength, this.#o.maxTokens);
    const labelIds = tokenize(tokenizer, batch.labelTexts, config, 0);
    const t = layoutOf(textIds), l = layoutOf(labelIds);
    const spec: BatchSpec = {
      texts: textIds.length,
      textSeq: t.seq,
      textLengths: t.lengths,
      classes: labelIds.length,
      labelSeq: l.seq,
      labelLengths: l.lengths,
    };
    const inputs = { textIds, labelIds };
    const id = await session.prepare(spec, inputs);
    return { id, size: textIds.length, numClasses: labelIds.length, announced: { spec, inputs } };
  }

  /**
   * The whole population in one secure pass (two when it mixes shallow and deep prompts: each
   * kind has its own announced batch); the cost is measured from the session's ledger.
   */
  async evaluate(prompts: Float64Array[], batch: SecureBatch): Promise<OracleResult> {
    const { session } = this.#o;
    const L = this.promptLength, E = this.embedDim, T = batch.size, C = batch.numClasses;
    const groups = groupByDepth(prompts, L, this.promptWidths);
    const before = session.ledger.snapshot();
    const t0 = performance.now();
    const out = new Float64Array(prompts.length * T * C);
    for (const [deep, idx] of [[false, groups.shallow], [true, groups.deep]] as const) {
      if (idx.length === 0) continue;
      const rows = idx.map((i) =>
        deep ? positionMajor(splitDeepPrompt(prompts[i], L, this.promptWidths)!, L) : prompts[i]
      );
      const W = deep ? this.promptWidths.reduce((a, w) => a + w, 0) : E;
      const flat = new Float64Array(idx.length * L * W);
      rows.forEach((p, j) => {
        if (p.length !== L * W) throw new RangeError(`prompt ${idx[j]}: ${p.length} ≠ ${L}×${W}`);
        flat.set(p, j * L * W);
      });
      if (deep) {
        batch.deepId ??= session.prepare(
          { ...batch.announced.spec, deep: true },
          batch.announced.inputs,
        );
      }
      const id = deep ? await batch.deepId! : batch.id;
      const cos = await session.evaluate(id, new FloatTensor(flat, [idx.length, L, W]));
      idx.forEach((i, j) => out.set(cos.data.subarray(j * T * C, (j + 1) * T * C), i * T * C));
    }
    const ms = performance.now() - t0;
    const scale = this.#o.logitScale ?? LOGIT_SCALE;
    return {
      logits: out.map((v) => v * scale),
      cost: { ...costSince(session.ledger, before, ms) },
    };
  }
}
