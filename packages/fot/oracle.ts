/**
 * The fitness-oracle contract between the data owner (CMA-ES, plaintext) and the model (plaintext
 * reference or secure MPC evaluation elsewhere). The oracle only ever sees prompts and input texts
 * (or their shares); labels, losses and the optimiser state stay with the data owner.
 *
 * A batch of texts is announced once with `prepare`, so an implementation can cache everything
 * that does not depend on the prompt (tokenisation, secret-shared token embeddings, label-text
 * embeddings, ...). `evaluate` then scores a whole CMA-ES population on that batch in one call.
 *
 * @module
 */

/** The texts of one batch, already templated, plus the class label texts (verbalizer). */
export interface OracleBatch {
  /** T model input texts. */
  texts: string[];
  /** C class label texts; logits are returned per class in this order. */
  labelTexts: string[];
}

/** Handle of a prepared batch; implementations extend it with their cached state. */
export interface PreparedBatch {
  /** Number of texts T. */
  readonly size: number;
  /** Number of classes C. */
  readonly numClasses: number;
}

/**
 * Cost an oracle call reports, passed through to the per-generation record unchanged. All fields
 * optional; implementations may add more numeric fields.
 */
export interface OracleCost {
  /** Bytes sent by all parties in the online phase. */
  bytesSent?: number;
  /** Bytes of preprocessing (dealer / offline) material. */
  bytesOffline?: number;
  /** Dependent communication rounds. */
  rounds?: number;
  /** Messages sent. */
  messages?: number;
  /** Modelled time on a LAN profile, in ms. */
  lanMs?: number;
  /** Modelled time on a WAN profile, in ms. */
  wanMs?: number;
  /** Any other numeric cost field. */
  [key: string]: number | undefined;
}

/** Result of one oracle call. */
export interface OracleResult {
  /** Logits, P×T×C row-major: prompt p, text t, class c at `(p * T + t) * C + c`. */
  logits: Float64Array;
  /** Cost of this call, if the oracle measures it. */
  cost?: OracleCost;
}

/** A model evaluated as a black box on prompted inputs. */
export interface FitnessOracle<H extends PreparedBatch = PreparedBatch> {
  /** Number of prompt tokens L the model accepts. */
  readonly promptLength: number;
  /** Embedding width E. */
  readonly embedDim: number;
  /**
   * Set when the oracle also takes deep prompts (BBTv2-style, a prompt at the input of every
   * layer): the width of each layer's prompt rows, layer 0 (= E) first. A deep candidate holds
   * L·Σwidths numbers, layer-major (layer 0's L×E rows, then layer 1's, …); a candidate of L·E
   * numbers is a shallow prompt. One call may mix both.
   */
  readonly promptWidths?: readonly number[];
  /** Announces a batch once; the returned handle is reused for every generation. */
  prepare(batch: OracleBatch): Promise<H>;
  /**
   * Logits of P prompts (each L·E, row-major L×E; or deep, see {@link promptWidths}) on every
   * text of the prepared batch.
   */
  evaluate(prompts: Float64Array[], batch: H): Promise<OracleResult>;
  /** Frees cached state of a batch (optional). */
  release?(batch: H): Promise<void> | void;
}

/**
 * Checks an oracle result has exactly P·T·C finite logits; throws a `RangeError` naming the problem.
 */
export function checkOracleResult(result: OracleResult, P: number, T: number, C: number): void {
  if (!(result?.logits instanceof Float64Array)) {
    throw new RangeError("oracle result: logits must be a Float64Array");
  }
  if (result.logits.length !== P * T * C) {
    throw new RangeError(
      `oracle result: ${result.logits.length} logits, expected ${P}×${T}×${C} = ${P * T * C}`,
    );
  }
  for (let i = 0; i < result.logits.length; i++) {
    if (!Number.isFinite(result.logits[i])) {
      throw new RangeError(`oracle result: logit ${i} is ${result.logits[i]}`);
    }
  }
}
