/**
 * Fitness oracles on a Hugging Face BERT/RoBERTa masked LM with BBT's readout: each templated text
 * gets the soft prompt after its first token, and its logits are the MLM head's at the mask,
 * restricted to the verbalizer's label words (one token per class). `HfReferenceOracle` runs the
 * exact float64 model (it needs the weights); `HfSecureOracle` is the data owner's side of an HF
 * job session (it needs only the config and the tokenizer).
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import type { FitnessOracle, OracleBatch, OracleResult, PreparedBatch } from "@secp/fot";
import { costSince, type SecureSession } from "@secp/sharing/run";
import type { HfConfig } from "../hf/config.ts";
import { hfForward, hfMlmLogits } from "../hf/reference.ts";
import { encodeMasked, type MaskedText, verbalizerIds } from "../hf/readout.ts";
import type { HfBatchInputs, HfBatchSpec } from "../hf/steps.ts";
import type { HfTokenizer } from "../hf/tokenizer.ts";
import type { HfWeights } from "../hf/weights.ts";
import { groupByDepth, positionMajor, splitDeepPrompt } from "./deep.ts";

/** A prepared batch of templated texts. */
export interface HfBatch extends PreparedBatch {
  /** Token ids and mask slot per text. */
  readonly texts: readonly MaskedText[];
  /** Verbalizer token ids, one per class. */
  readonly verbalizer: readonly number[];
  /** The session's batch id (secure oracle). */
  readonly id?: number;
  /** The same texts announced for deep prompts (secure oracle; prepared on the first deep call). */
  deepId?: Promise<number>;
}

/** What both HF oracles share. */
export interface HfOracleOptions {
  /** The tokenizer (the data owner's copy of the model owner's). */
  tokenizer: HfTokenizer;
  /** The architecture. */
  config: HfConfig;
  /** Soft-prompt tokens L. */
  promptLength: number;
  /** Clip each text to this many tokens (0 or absent: only the model's limit). */
  maxTokens?: number;
}

/** What both HF oracles share: tokenising templated texts and the verbalizer. */
export abstract class HfOracleBase {
  /** Soft-prompt tokens L. */
  readonly promptLength: number;
  /** Hidden size d. */
  readonly embedDim: number;
  /** Widths of a deep prompt's rows per layer: d for each layer (see `FitnessOracle`). */
  readonly promptWidths: readonly number[];
  /** Texts clipped to fit so far (reported by the caller). */
  clippedTexts = 0;
  /** The options it was built with. */
  protected readonly o: HfOracleOptions;

  /** An oracle of `o`. */
  constructor(o: HfOracleOptions) {
    this.o = o;
    this.promptLength = o.promptLength;
    this.embedDim = o.config.hiddenSize;
    this.promptWidths = Array(o.config.numLayers).fill(o.config.hiddenSize);
  }

  /** Tokenises templated texts (mask slot, clipping) and maps the label words to token ids. */
  protected encode(batch: OracleBatch): HfBatch {
    const { tokenizer, config, maxTokens } = this.o;
    const texts = batch.texts.map((t) =>
      encodeMasked(tokenizer, config, t, this.promptLength, maxTokens)
    );
    this.clippedTexts += texts.filter((t) => t.clipped).length;
    const verbalizer = verbalizerIds(tokenizer, batch.labelTexts);
    return { texts, verbalizer, size: texts.length, numClasses: verbalizer.length };
  }
}

/** The exact float64 masked LM (config's GELU, exact softmax), run by whoever holds the weights. */
export class HfReferenceOracle extends HfOracleBase implements FitnessOracle<HfBatch> {
  readonly #w: HfWeights;

  /** An oracle over `weights`. */
  constructor(o: Omit<HfOracleOptions, "config"> & { weights: HfWeights }) {
    super({ ...o, config: o.weights.config });
    this.#w = o.weights;
  }

  /** Tokenises the templated texts and the label words. */
  prepare(batch: OracleBatch): Promise<HfBatch> {
    try {
      return Promise.resolve(this.encode(batch));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** MLM logits at each mask, restricted to the verbalizer. */
  evaluate(prompts: Float64Array[], batch: HfBatch): Promise<OracleResult> {
    const w = this.#w, d = this.embedDim, L = this.promptLength;
    const C = batch.numClasses, T = batch.size;
    const logits = new Float64Array(prompts.length * T * C);
    const ids = batch.texts.map((t) => t.ids);
    prompts.forEach((prompt, p) => {
      const layers = L > 0 ? splitDeepPrompt(prompt, L, this.promptWidths) : null;
      const ref = hfForward(
        w,
        ids,
        L === 0 ? {} : layers ? { prompt: layers[0], layerPrompts: layers.slice(1) } : { prompt },
      );
      batch.texts.forEach((t, i) => {
        const at = t.maskAt >= 1 ? t.maskAt + L : t.maskAt;
        const row = ref.hidden[i].subarray(at * d, (at + 1) * d);
        logits.set(hfMlmLogits(w, row, batch.verbalizer), (p * T + i) * C);
      });
    });
    return Promise.resolve({ logits });
  }
}

/** The data owner's side of an HF job session: only the verbalizer logits are opened, to it. */
export class HfSecureOracle extends HfOracleBase implements FitnessOracle<HfBatch> {
  readonly #session: SecureSession<HfBatchSpec, HfBatchInputs>;

  /** An oracle on `session` (serving the HF job). */
  constructor(o: HfOracleOptions & { session: SecureSession<HfBatchSpec, HfBatchInputs> }) {
    super(o);
    this.#session = o.session;
  }

  /** Tokenises at the data owner and prepares the batch in the session. */
  async prepare(batch: OracleBatch): Promise<HfBatch> {
    const b = this.encode(batch);
    const id = await this.#session.prepare(this.#spec(b, false), {
      textIds: b.texts.map((t) => t.ids),
    });
    return { ...b, id };
  }

  #spec(b: HfBatch, deep: boolean): HfBatchSpec {
    const textLengths = b.texts.map((t) => t.ids.length);
    return {
      texts: b.size,
      textSeq: Math.max(1, ...textLengths),
      textLengths,
      head: { kind: "mlm", maskAt: b.texts.map((t) => t.maskAt), verbalizer: [...b.verbalizer] },
      ...(deep ? { deep: true } : {}),
    };
  }

  /**
   * The whole population in one secure pass (two when it mixes shallow and deep prompts: each
   * kind has its own announced batch); the cost is measured from the session's ledger.
   */
  async evaluate(prompts: Float64Array[], batch: HfBatch): Promise<OracleResult> {
    const L = this.promptLength, d = this.embedDim, T = batch.size, C = batch.numClasses;
    const groups = groupByDepth(prompts, L, this.promptWidths);
    const before = this.#session.ledger.snapshot();
    const t0 = performance.now();
    const logits = new Float64Array(prompts.length * T * C);
    for (const [deep, idx] of [[false, groups.shallow], [true, groups.deep]] as const) {
      if (idx.length === 0) continue;
      const W = deep ? this.promptWidths.length * d : d;
      const flat = new Float64Array(idx.length * L * W);
      idx.forEach((i, j) => {
        const p = deep
          ? positionMajor(splitDeepPrompt(prompts[i], L, this.promptWidths)!, L)
          : prompts[i];
        if (p.length !== L * W) throw new RangeError(`prompt ${i}: ${p.length} ≠ ${L}×${W}`);
        flat.set(p, j * L * W);
      });
      if (deep) {
        batch.deepId ??= this.#session.prepare(this.#spec(batch, true), {
          textIds: batch.texts.map((t) => t.ids),
        });
      }
      const id = deep ? await batch.deepId! : batch.id!;
      const out = await this.#session.evaluate(id, new FloatTensor(flat, [idx.length, L, W]));
      idx.forEach((i, j) => logits.set(out.data.subarray(j * T * C, (j + 1) * T * C), i * T * C));
    }
    const ms = performance.now() - t0;
    return { logits, cost: { ...costSince(this.#session.ledger, before, ms) } };
  }
}
