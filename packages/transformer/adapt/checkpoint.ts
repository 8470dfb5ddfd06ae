/**
 * Adapted checkpoints: the tensors the model owner's RFA adaptation changed, stored as float16
 * deltas against the npm base weights, plus the attention variant (RFA input, D, σ, feature seed,
 * per-head τ, denominator floor), a manifest of where everything comes from, and the metrics of the
 * run that produced it. {@link loadAdaptedUseLite} verifies the base weights' hash and every
 * payload's hash before applying anything.
 *
 * File format (JSON, {@link CHECKPOINT_FORMAT}, or {@link CHECKPOINT_FORMAT_LEARNED} when it
 * stores learned frequencies):
 *
 * ```text
 * { format, description, licence,
 *   base: { package, version, licence, weightsSha256, hashOf },
 *   attention: { kind: "rfa", input: "raw" | "normalised", numFeatures, sigma, seed,
 *                featureInit?: "gaussian" | "orthogonal", tau: number[][] | null,
 *                denominatorFloor },
 *   tensors: [ { name: "layers.1.qkvW", shape: [512, 1536], columns: [0, 1024],
 *                encoding: "float16-delta", sha256, data: base64 } ],
 *   frequencies?: [ { name: "layers.1.rfaW", shape: [H·D, headDim], encoding: "float16-delta",
 *                     sha256, data: base64 } ],
 *   training: { … }, metrics: { … }, reproduce: "deno task adapt …" }
 * ```
 *
 * A tensor entry holds `adapted − base` for the column block `columns` (default: all columns) of a
 * row-major `[rows, cols]` tensor (`[n]` for vectors), as IEEE binary16, little-endian, base64;
 * `sha256` is the hash of those bytes. Columns outside the block keep the base values.
 *
 * The RFA frequencies W[l][h] (D × headDim per layer and head) are public model structure, like
 * the seed they start from: the parties of the secure forward all hold them. Without `frequencies`
 * they are the seeded draw of `featureInit` (default "gaussian", i.i.d. N(0, σ²) rows, the
 * format-1 checkpoints); with it, the learned W is that draw plus the stored float16 deltas, one
 * entry per layer holding its heads' matrices stacked (`[H·D, headDim]`).
 *
 * @module
 */
import { type AttentionVariant, makeRfaFeatures, type RfaFeatures } from "../use_lite/attention.ts";
import { makeOrthogonalRfaFeatures } from "../use_lite/orthogonal_features.ts";
import type { UseLiteConfig } from "../use_lite/config.ts";
import { float16ToNumber, numberToFloat16 } from "../common/float16.ts";
import type { UseLiteLayerWeights, UseLiteWeights } from "../use_lite/weights.ts";

/** Format tag of adapted checkpoint files. */
export const CHECKPOINT_FORMAT = "secp-tuning/use-lite-adapted@1";

/** Format tag of checkpoints that store learned RFA frequencies (`frequencies`). */
export const CHECKPOINT_FORMAT_LEARNED = "secp-tuning/use-lite-adapted@2";

/** Folder of the committed adapted checkpoints (`packages/transformer/use_lite/checkpoints/`). */
export const ADAPTED_CHECKPOINT_DIR: URL = new URL("../use_lite/checkpoints/", import.meta.url);

/**
 * Feature count D of the committed default checkpoint: 128, the closest to the original model of
 * the committed ones (D = 64 is the cheaper one; see the adapt README).
 */
export const DEFAULT_ADAPTED_FEATURES = 128;

/**
 * File name of the adapted checkpoint for `numFeatures` and RFA input:
 * `use-lite-rfa-D<D>.json` (raw) or `use-lite-rfa-normalised-D<D>.json`.
 */
export function adaptedCheckpointName(
  numFeatures: number,
  input: "raw" | "normalised" = "raw",
): string {
  return input === "raw"
    ? `use-lite-rfa-D${numFeatures}.json`
    : `use-lite-rfa-normalised-D${numFeatures}.json`;
}

/** The committed checkpoint (RFA, raw input, D = {@link DEFAULT_ADAPTED_FEATURES}). */
export const DEFAULT_ADAPTED_CHECKPOINT: URL = new URL(
  adaptedCheckpointName(DEFAULT_ADAPTED_FEATURES),
  ADAPTED_CHECKPOINT_DIR,
);

/** An adapted checkpoint file found by {@link listAdaptedCheckpoints}. */
export interface AdaptedCheckpointFile {
  /** Where it is. */
  readonly url: URL;
  /** D, from the file name. */
  readonly numFeatures: number;
  /** RFA input, from the file name. */
  readonly input: "raw" | "normalised";
}

/**
 * The adapted checkpoints present in `dir` (default {@link ADAPTED_CHECKPOINT_DIR}), by file name
 * (contents are not read), sorted by input then D. A missing folder gives an empty list.
 */
export function listAdaptedCheckpoints(dir: URL = ADAPTED_CHECKPOINT_DIR): AdaptedCheckpointFile[] {
  const out: AdaptedCheckpointFile[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      const m = /^use-lite-rfa-(normalised-)?D(\d+)\.json$/.exec(e.name);
      if (!e.isFile || !m) continue;
      out.push({
        url: new URL(e.name, dir),
        numFeatures: Number(m[2]),
        input: m[1] ? "normalised" : "raw",
      });
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.input.localeCompare(b.input) || a.numFeatures - b.numFeatures);
}

/** What `base.hashOf` says the hash covers. */
export const BASE_HASH_OF: string =
  "SHA-256 of the little-endian float32 values of embeddings, invTimescales, each layer's " +
  "ln1Gamma, ln1Beta, qkvW, qkvB, outW, outB, residualW, residualB (if present), ln2Gamma, " +
  "ln2Beta, ffn1W, ffn1B, ffn2W, ffn2B, then poolW, poolB, concatenated in that order";

const LAYER_FIELDS = [
  "ln1Gamma",
  "ln1Beta",
  "qkvW",
  "qkvB",
  "outW",
  "outB",
  "residualW",
  "residualB",
  "ln2Gamma",
  "ln2Beta",
  "ffn1W",
  "ffn1B",
  "ffn2W",
  "ffn2B",
] as const satisfies readonly (keyof UseLiteLayerWeights)[];

/** The RFA variant a checkpoint was adapted to. */
export interface CheckpointAttention {
  /** Always "rfa". */
  readonly kind: "rfa";
  /** φ input: √scale·q ("raw") or √τ·q/‖q‖ ("normalised"). */
  readonly input: "raw" | "normalised";
  /** D. */
  readonly numFeatures: number;
  /** σ of the frequencies. */
  readonly sigma: number;
  /** Seed of the initial frequencies (`makeRfaFeatures` or `makeOrthogonalRfaFeatures`). */
  readonly seed: number | string;
  /** How the initial frequencies are drawn (default "gaussian": `makeRfaFeatures`). */
  readonly featureInit?: "gaussian" | "orthogonal";
  /** Per `[layer][head]` τ ("normalised"), else null. */
  readonly tau: number[][] | null;
  /** Denominator floor (the MPC guard ε). */
  readonly denominatorFloor: number;
}

/** One stored tensor delta. */
export interface CheckpointTensor {
  /** `layers.<l>.<field>`, `poolW` or `poolB`. */
  readonly name: string;
  /** Full shape: `[rows, cols]` or `[n]`. */
  readonly shape: number[];
  /** Column block `[c0, c1)` the delta covers (matrices only; default all). */
  readonly columns?: [number, number];
  /** Always "float16-delta". */
  readonly encoding: "float16-delta";
  /** Hex SHA-256 of the decoded payload bytes. */
  readonly sha256: string;
  /** Base64 binary16 little-endian deltas, row-major over the block. */
  readonly data: string;
}

/** A parsed adapted checkpoint. */
export interface AdaptedCheckpoint {
  /** {@link CHECKPOINT_FORMAT}. */
  readonly format: string;
  /** One line. */
  readonly description: string;
  /** Licence of the checkpoint (derived from the base model). */
  readonly licence: string;
  /** What it applies to. */
  readonly base: {
    readonly package: string;
    readonly version: string;
    readonly licence: string;
    readonly weightsSha256: string;
    readonly hashOf: string;
  };
  /** Attention variant. */
  readonly attention: CheckpointAttention;
  /** Changed tensors. */
  readonly tensors: CheckpointTensor[];
  /** Learned RFA frequencies as deltas against the initial draw (absent: the draw itself). */
  readonly frequencies?: CheckpointTensor[];
  /** Free-form training description (data, licence, optimiser, steps, time, seed …). */
  readonly training: Record<string, unknown>;
  /** Free-form final metrics. */
  readonly metrics: Record<string, unknown>;
  /** The command that reproduces the file. */
  readonly reproduce: string;
}

/** Raised for unreadable, corrupt or mismatched checkpoint files. */
export class AdaptedCheckpointError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AdaptedCheckpointError";
  }
}

const hex = (b: ArrayBuffer) =>
  [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/** The tensors covered by the base hash, in hash order (see {@link BASE_HASH_OF}). */
function hashedArrays(w: UseLiteWeights): Float64Array[] {
  const out = [w.embeddings, w.invTimescales];
  for (const l of w.layers) {
    for (const f of LAYER_FIELDS) {
      const a = l[f];
      if (a !== null) out.push(a);
    }
  }
  out.push(w.poolW, w.poolB);
  return out;
}

/** Hex SHA-256 of the weights as float32 (see {@link BASE_HASH_OF}). */
export async function useLiteWeightsSha256(weights: UseLiteWeights): Promise<string> {
  const arrays = hashedArrays(weights);
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const f32 = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    f32.set(a, o);
    o += a.length;
  }
  const bytes = new Uint8Array(f32.buffer);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  return await sha256Hex(bytes);
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Little-endian binary16 bytes of `values`. */
function float16Bytes(values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const h = numberToFloat16(values[i]);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

interface TensorRef {
  get(w: UseLiteWeights): Float64Array | null;
  set(
    layers: UseLiteLayerWeights[],
    pool: { poolW: Float64Array; poolB: Float64Array },
    v: Float64Array,
  ): void;
  shape(w: UseLiteWeights): number[];
}

/** Resolves a tensor name against a config; throws AdaptedCheckpointError for unknown names. */
function tensorRef(name: string, w: UseLiteWeights): TensorRef {
  const cfg = w.config;
  if (name === "poolW" || name === "poolB") {
    const last = cfg.layers.at(-1)?.modelDim ?? cfg.embedDim;
    return {
      get: (x) => x[name],
      set: (_l, p, v) => {
        p[name] = v;
      },
      shape: () => name === "poolW" ? [last, cfg.outputDim] : [cfg.outputDim],
    };
  }
  const m = /^layers\.(\d+)\.(\w+)$/.exec(name);
  const field = m?.[2] as (typeof LAYER_FIELDS)[number] | undefined;
  const l = Number(m?.[1]);
  if (!m || !LAYER_FIELDS.includes(field!) || !(l < cfg.layers.length)) {
    throw new AdaptedCheckpointError(`unknown tensor "${name}"`);
  }
  const lc = cfg.layers[l];
  const A = lc.heads * lc.headDim, I = lc.inputDim, M = lc.modelDim, F = lc.ffnDim;
  const shapes: Record<(typeof LAYER_FIELDS)[number], number[]> = {
    ln1Gamma: [I],
    ln1Beta: [I],
    qkvW: [I, 3 * A],
    qkvB: [3 * A],
    outW: [A, M],
    outB: [M],
    residualW: [I, M],
    residualB: [M],
    ln2Gamma: [M],
    ln2Beta: [M],
    ffn1W: [M, F],
    ffn1B: [F],
    ffn2W: [F, M],
    ffn2B: [M],
  };
  return {
    get: (x) => x.layers[l][field!],
    set: (layers, _p, v) => {
      layers[l] = { ...layers[l], [field!]: v };
    },
    shape: () => shapes[field!],
  };
}

/** Inputs of {@link encodeCheckpoint} besides the weights. */
export interface CheckpointMeta {
  /** One line. */
  readonly description: string;
  /** Base package name. */
  readonly basePackage: string;
  /** Base package version. */
  readonly baseVersion: string;
  /** Base licence. */
  readonly baseLicence: string;
  /** Checkpoint licence. */
  readonly licence: string;
  /** Attention variant. */
  readonly attention: CheckpointAttention;
  /** Training description. */
  readonly training: Record<string, unknown>;
  /** Metrics. */
  readonly metrics: Record<string, unknown>;
  /** Reproduce command. */
  readonly reproduce: string;
  /** Learned frequencies (same D as `attention`); absent: the initial draw of `attention`. */
  readonly features?: RfaFeatures;
}

/**
 * Builds a checkpoint holding every tensor of `adapted` that differs from `base` (as float16
 * deltas over the smallest column block containing all changed columns).
 */
export async function encodeCheckpoint(
  base: UseLiteWeights,
  adapted: UseLiteWeights,
  meta: CheckpointMeta,
): Promise<AdaptedCheckpoint> {
  const names = [
    ...base.config.layers.flatMap((_, l) => LAYER_FIELDS.map((f) => `layers.${l}.${f}`)),
    "poolW",
    "poolB",
  ];
  const tensors: CheckpointTensor[] = [];
  for (const name of names) {
    const ref = tensorRef(name, base);
    const b = ref.get(base), a = ref.get(adapted);
    if (b === null || a === null || a === b) continue;
    const shape = ref.shape(base);
    const rows = shape.length === 2 ? shape[0] : 1;
    const cols = shape.length === 2 ? shape[1] : shape[0];
    let c0 = cols, c1 = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if (a[r * cols + c] !== b[r * cols + c]) {
          if (c < c0) c0 = c;
          if (c + 1 > c1) c1 = c + 1;
        }
      }
    }
    if (c1 <= c0) continue;
    if (shape.length !== 2) [c0, c1] = [0, cols];
    const w = c1 - c0;
    const delta = new Float64Array(rows * w);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < w; c++) delta[r * w + c] = a[r * cols + c0 + c] - b[r * cols + c0 + c];
    }
    const bytes = float16Bytes(delta);
    tensors.push({
      name,
      shape,
      ...(shape.length === 2 && (c0 > 0 || c1 < cols)
        ? { columns: [c0, c1] as [number, number] }
        : {}),
      encoding: "float16-delta",
      sha256: await sha256Hex(bytes),
      data: toBase64(bytes),
    });
  }
  const frequencies = meta.features
    ? await encodeFrequencies(base.config, meta.attention, meta.features)
    : undefined;
  return {
    format: frequencies ? CHECKPOINT_FORMAT_LEARNED : CHECKPOINT_FORMAT,
    description: meta.description,
    licence: meta.licence,
    base: {
      package: meta.basePackage,
      version: meta.baseVersion,
      licence: meta.baseLicence,
      weightsSha256: await useLiteWeightsSha256(base),
      hashOf: BASE_HASH_OF,
    },
    attention: meta.attention,
    tensors,
    ...(frequencies ? { frequencies } : {}),
    training: meta.training,
    metrics: meta.metrics,
    reproduce: meta.reproduce,
  };
}

/** The initial (seeded) frequencies of a checkpoint's attention, optionally at another D. */
export function initialFeatures(
  config: UseLiteConfig,
  attention: CheckpointAttention,
  numFeatures = attention.numFeatures,
): RfaFeatures {
  const opts = { numFeatures, seed: attention.seed, sigma: attention.sigma };
  return attention.featureInit === "orthogonal"
    ? makeOrthogonalRfaFeatures(config, opts)
    : makeRfaFeatures(config, opts);
}

/** Learned frequencies as float16 deltas against the initial draw, one entry per layer. */
async function encodeFrequencies(
  config: UseLiteConfig,
  attention: CheckpointAttention,
  learned: RfaFeatures,
): Promise<CheckpointTensor[]> {
  const D = attention.numFeatures;
  if (learned.numFeatures !== D) {
    throw new RangeError(`learned frequencies have D = ${learned.numFeatures}, attention ${D}`);
  }
  const init = initialFeatures(config, attention);
  const out: CheckpointTensor[] = [];
  for (const [l, lc] of config.layers.entries()) {
    const n = D * lc.headDim;
    const delta = new Float64Array(lc.heads * n);
    for (let h = 0; h < lc.heads; h++) {
      const w = learned.matrices[l]?.[h];
      if (w === undefined || w.length !== n) {
        throw new RangeError(`learned frequencies have no ${D}×${lc.headDim} matrix at ${l}/${h}`);
      }
      for (let i = 0; i < n; i++) delta[h * n + i] = w[i] - init.matrices[l][h][i];
    }
    const bytes = float16Bytes(delta);
    out.push({
      name: `layers.${l}.rfaW`,
      shape: [lc.heads * D, lc.headDim],
      encoding: "float16-delta",
      sha256: await sha256Hex(bytes),
      data: toBase64(bytes),
    });
  }
  return out;
}

/** Decodes a checkpoint's frequencies (checked like tensors) on top of the initial draw. */
async function decodeFrequencies(
  config: UseLiteConfig,
  c: AdaptedCheckpoint,
  what: string,
): Promise<RfaFeatures> {
  const init = initialFeatures(config, c.attention);
  if (!c.frequencies) return init;
  const D = c.attention.numFeatures;
  const byName = new Map<string, CheckpointTensor>();
  for (const t of c.frequencies) {
    if (byName.has(t.name)) fail(what, `frequencies "${t.name}" appear twice`);
    byName.set(t.name, t);
  }
  if (byName.size !== config.layers.length) {
    fail(
      what,
      `frequencies has ${byName.size} entries, the model has ${config.layers.length} layers`,
    );
  }
  const matrices: Float64Array[][] = [];
  for (const [l, lc] of config.layers.entries()) {
    const t = byName.get(`layers.${l}.rfaW`) ??
      fail(what, `frequencies "layers.${l}.rfaW" missing`);
    if (t.shape?.length !== 2 || t.shape[0] !== lc.heads * D || t.shape[1] !== lc.headDim) {
      fail(
        what,
        `frequencies "${t.name}" have shape [${t.shape}], expected [${lc.heads * D},${lc.headDim}]`,
      );
    }
    const bytes = await payload(t, lc.heads * D * lc.headDim, what);
    const n = D * lc.headDim;
    matrices.push(Array.from({ length: lc.heads }, (_, h) => {
      const w = Float64Array.from(init.matrices[l][h]);
      for (let i = 0; i < n; i++) {
        const k = 2 * (h * n + i);
        const d = float16ToNumber(bytes[k] | (bytes[k + 1] << 8));
        if (!Number.isFinite(d)) fail(what, `frequencies "${t.name}": non-finite delta`);
        w[i] += d;
      }
      return w;
    }));
  }
  return { ...init, matrices };
}

/** The payload bytes of an entry, after checking base64, length and hash. */
async function payload(
  t: CheckpointTensor,
  values: number,
  what: string,
): Promise<Uint8Array<ArrayBuffer>> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64(t.data);
  } catch {
    fail(what, `tensor "${t.name}": payload is not valid base64`);
  }
  if (bytes.length !== values * 2) {
    fail(what, `tensor "${t.name}": payload has ${bytes.length} bytes, expected ${values * 2}`);
  }
  if (await sha256Hex(bytes) !== t.sha256) {
    fail(what, `tensor "${t.name}": payload sha256 mismatch (file corrupt or edited)`);
  }
  return bytes;
}

/**
 * The attention variant of a checkpoint for `config` with its initial (seeded) frequencies,
 * optionally at another D; {@link applyCheckpoint} returns the stored (learned) ones.
 */
export function checkpointAttention(
  weights: UseLiteWeights,
  attention: CheckpointAttention,
  numFeatures = attention.numFeatures,
  features: RfaFeatures = initialFeatures(weights.config, attention, numFeatures),
): Extract<AttentionVariant, { kind: "rfa" }> {
  return {
    kind: "rfa",
    features,
    input: attention.input,
    ...(attention.tau ? { tau: attention.tau } : {}),
    denominatorFloor: attention.denominatorFloor,
  };
}

function fail(what: string, message: string): never {
  throw new AdaptedCheckpointError(`${what}: ${message}`);
}

/** Checks the structure of parsed JSON; throws AdaptedCheckpointError naming the first problem. */
export function validateCheckpoint(value: unknown, what = "checkpoint"): AdaptedCheckpoint {
  const c = value as AdaptedCheckpoint;
  if (typeof c !== "object" || c === null) fail(what, "not a JSON object");
  if (c.format !== CHECKPOINT_FORMAT && c.format !== CHECKPOINT_FORMAT_LEARNED) {
    fail(
      what,
      `format is ${JSON.stringify(c.format)}, expected "${CHECKPOINT_FORMAT}" or ` +
        `"${CHECKPOINT_FORMAT_LEARNED}"`,
    );
  }
  if (typeof c.base?.weightsSha256 !== "string" || !/^[0-9a-f]{64}$/.test(c.base.weightsSha256)) {
    fail(what, "base.weightsSha256 is missing or not a hex SHA-256");
  }
  const a = c.attention;
  if (
    a?.kind !== "rfa" || (a.input !== "raw" && a.input !== "normalised") ||
    !Number.isInteger(a.numFeatures) || a.numFeatures <= 0 || !(a.sigma > 0) ||
    (typeof a.seed !== "number" && typeof a.seed !== "string") || !(a.denominatorFloor > 0)
  ) {
    fail(what, `invalid attention ${JSON.stringify(a)}`);
  }
  if (a.input === "normalised" && !Array.isArray(a.tau)) {
    fail(what, "attention.input is normalised but attention.tau is missing");
  }
  if (
    a.featureInit !== undefined && a.featureInit !== "gaussian" && a.featureInit !== "orthogonal"
  ) {
    fail(
      what,
      `attention.featureInit is ${JSON.stringify(a.featureInit)}, expected gaussian or orthogonal`,
    );
  }
  if ((c.frequencies !== undefined) !== (c.format === CHECKPOINT_FORMAT_LEARNED)) {
    fail(what, `format ${c.format} ${c.frequencies ? "must not have" : "needs"} frequencies`);
  }
  if (c.frequencies !== undefined && !Array.isArray(c.frequencies)) {
    fail(what, "frequencies is not an array");
  }
  if (!Array.isArray(c.tensors)) fail(what, "tensors is not an array");
  for (const t of [...c.tensors, ...(c.frequencies ?? [])]) {
    if (
      typeof t?.name !== "string" || t.encoding !== "float16-delta" ||
      typeof t.data !== "string" || typeof t.sha256 !== "string" || !Array.isArray(t.shape)
    ) {
      fail(what, `invalid tensor entry ${JSON.stringify(t?.name ?? t)}`);
    }
  }
  return c;
}

/**
 * Applies a parsed checkpoint to `base`: verifies the base hash and each payload's hash, shape and
 * length, and returns new weights (untouched tensors are shared with `base`) and the RFA variant.
 */
export async function applyCheckpoint(
  base: UseLiteWeights,
  checkpoint: AdaptedCheckpoint,
  what = "checkpoint",
): Promise<{ weights: UseLiteWeights; attention: Extract<AttentionVariant, { kind: "rfa" }> }> {
  const c = validateCheckpoint(checkpoint, what);
  const have = await useLiteWeightsSha256(base);
  if (have !== c.base.weightsSha256) {
    fail(
      what,
      `base weights mismatch: made for ${c.base.package}@${c.base.version} with weights sha256 ` +
        `${c.base.weightsSha256}, but the weights given hash to ${have}`,
    );
  }
  const layers = [...base.layers];
  const pool = { poolW: base.poolW, poolB: base.poolB };
  const seen = new Set<string>();
  for (const t of c.tensors) {
    if (seen.has(t.name)) fail(what, `tensor "${t.name}" appears twice`);
    seen.add(t.name);
    let ref: TensorRef;
    try {
      ref = tensorRef(t.name, base);
    } catch (e) {
      fail(what, (e as Error).message);
    }
    const shape = ref.shape(base);
    const b = ref.get(base);
    if (b === null) fail(what, `tensor "${t.name}" does not exist in this model`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(what, `tensor "${t.name}" has shape [${t.shape}], the model has [${shape}]`);
    }
    const rows = shape.length === 2 ? shape[0] : 1;
    const cols = shape.length === 2 ? shape[1] : shape[0];
    const [c0, c1] = t.columns ?? [0, cols];
    if (!(Number.isInteger(c0) && Number.isInteger(c1) && 0 <= c0 && c0 < c1 && c1 <= cols)) {
      fail(what, `tensor "${t.name}" has an invalid column block [${t.columns}]`);
    }
    const w = c1 - c0;
    const bytes = await payload(t, rows * w, what);
    const v = Float64Array.from(b);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < w; k++) {
        const i = 2 * (r * w + k);
        const d = float16ToNumber(bytes[i] | (bytes[i + 1] << 8));
        if (!Number.isFinite(d)) fail(what, `tensor "${t.name}": non-finite delta`);
        v[r * cols + c0 + k] += d;
      }
    }
    ref.set(layers, pool, v);
  }
  return {
    weights: { ...base, layers, poolW: pool.poolW, poolB: pool.poolB },
    attention: checkpointAttention(
      base,
      c.attention,
      c.attention.numFeatures,
      await decodeFrequencies(base.config, c, what),
    ),
  };
}

/** Reads and parses a checkpoint file (no verification against weights). */
export async function readCheckpoint(path: string | URL): Promise<AdaptedCheckpoint> {
  const what = String(path instanceof URL ? path.pathname : path);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new AdaptedCheckpointError(`${what}: cannot read (${(e as Error).message})`, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AdaptedCheckpointError(`${what}: not valid JSON (${(e as Error).message})`, {
      cause: e,
    });
  }
  return validateCheckpoint(json, what);
}

/**
 * Loads an adapted checkpoint (default: {@link DEFAULT_ADAPTED_CHECKPOINT}) on top of the npm base
 * weights: verifies the base hash and the payloads, applies the deltas, and returns the weights and
 * the RFA attention variant to run them with.
 */
export async function loadAdaptedUseLite(
  baseWeights: UseLiteWeights,
  path: string | URL = DEFAULT_ADAPTED_CHECKPOINT,
): Promise<{
  weights: UseLiteWeights;
  attention: Extract<AttentionVariant, { kind: "rfa" }>;
  checkpoint: AdaptedCheckpoint;
}> {
  const checkpoint = await readCheckpoint(path);
  const what = String(path instanceof URL ? path.pathname : path);
  return { ...(await applyCheckpoint(baseWeights, checkpoint, what)), checkpoint };
}
