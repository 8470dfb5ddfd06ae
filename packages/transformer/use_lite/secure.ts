/**
 * USE-lite written once against `SecretBackend`: the same code runs on `plain` (float64 or ring),
 * `2pc` and `3pc`. Layer by layer it mirrors the float64 reference (`reference.ts`): pre-LayerNorm
 * attention and ReLU FFN blocks, masked mean pooling, a tanh dense layer and L2 normalisation.
 *
 * Layout: a batch is `[B, S]` token positions padded to a common length S, with a public 0/1
 * mask of real positions (the number of tokens of each text is visible to the computing parties,
 * as array shapes are in CrypTen, SPU and MP-SPDZ). Per-token layers (LayerNorm, dense, ReLU) run
 * on the packed real rows only; attention unpacks to `[B, S]` and never lets a padding key
 * contribute; pooling averages real positions only.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import type { FixedOperand, SecretBackend, Shared } from "@secp/sharing";
import { timingSignal } from "./timing.ts";
import type { UseLiteWeights } from "./weights.ts";
import { attentionDim, type UseLiteConfig, type UseLiteLayerConfig } from "./config.ts";
import type { ModelOps } from "./ops.ts";
import { denseForward, type SecureDense } from "../common/layers.ts";
import { type BatchLayout, maskOf, meanRows, packRows, unpackRows } from "../common/packing.ts";
import { replacePackedPromptRows } from "../common/prompt_rows.ts";

/** Shared parameters of one layer. */
export interface SecureLayer {
  /** Attention pre-LayerNorm scale and shift. */
  readonly ln1: { gamma: Shared; beta: Shared };
  /** Fused q|k|v projection. */
  readonly qkv: SecureDense;
  /** Attention output projection. */
  readonly out: SecureDense;
  /** Residual projection when the width changes (layer 0). */
  readonly residual: SecureDense | null;
  /** FFN pre-LayerNorm. */
  readonly ln2: { gamma: Shared; beta: Shared };
  /** FFN first dense (ReLU after). */
  readonly ffn1: SecureDense;
  /** FFN second dense. */
  readonly ffn2: SecureDense;
}

/** The model as held by one party: shares of every weight (phantoms on non-computing parties). */
export interface SecureUseLite {
  /** Shapes and constants (public). */
  readonly config: UseLiteConfig;
  /** Token-embedding table `[vocabRows, embedDim]`, prepared for the one-hot product. */
  readonly embeddings: FixedOperand;
  /** Layers. */
  readonly layers: readonly SecureLayer[];
  /** Pooling dense (tanh after). */
  readonly pool: SecureDense;
  /** Public timing-signal inverse timescales. */
  readonly invTimescales: Float64Array;
}

/**
 * Secret-shares the model owner's weights (only the model owner passes `weights`; every party
 * passes the public `config` and `invTimescales`) and prepares every matrix for repeated products.
 */
export async function shareUseLite(
  be: SecretBackend,
  config: UseLiteConfig,
  invTimescales: Float64Array,
  weights: UseLiteWeights | undefined,
): Promise<SecureUseLite> {
  return await be.scope("weights", async () => {
    const mine = be.is("modelOwner");
    if (mine && !weights) throw new Error("shareUseLite: the model owner must pass the weights");
    const vec = (v: Float64Array | undefined | null, n: number) =>
      be.input("modelOwner", mine ? new FloatTensor(v!, [n]) : undefined, [n]);
    const dense = async (
      w: Float64Array | undefined | null,
      b: Float64Array | undefined | null,
      i: number,
      o: number,
    ) => ({
      w: await be.fixed(
        await be.input("modelOwner", mine ? new FloatTensor(w!, [i, o]) : undefined, [i, o]),
      ),
      b: await vec(b, o),
    });
    const layers: SecureLayer[] = [];
    for (const [l, lc] of config.layers.entries()) {
      const lw = weights?.layers[l];
      const a = attentionDim(lc);
      layers.push(
        await be.scope(`layer${l}`, async () => ({
          ln1: {
            gamma: await vec(lw?.ln1Gamma, lc.inputDim),
            beta: await vec(lw?.ln1Beta, lc.inputDim),
          },
          qkv: await dense(lw?.qkvW, lw?.qkvB, lc.inputDim, 3 * a),
          out: await dense(lw?.outW, lw?.outB, a, lc.modelDim),
          residual: lc.inputDim === lc.modelDim
            ? null
            : await dense(lw?.residualW, lw?.residualB, lc.inputDim, lc.modelDim),
          ln2: {
            gamma: await vec(lw?.ln2Gamma, lc.modelDim),
            beta: await vec(lw?.ln2Beta, lc.modelDim),
          },
          ffn1: await dense(lw?.ffn1W, lw?.ffn1B, lc.modelDim, lc.ffnDim),
          ffn2: await dense(lw?.ffn2W, lw?.ffn2B, lc.ffnDim, lc.modelDim),
        })),
      );
    }
    const last = config.layers.at(-1)?.modelDim ?? config.embedDim;
    const table = await be.input(
      "modelOwner",
      mine ? new FloatTensor(weights!.embeddings, [config.vocabRows, config.embedDim]) : undefined,
      [config.vocabRows, config.embedDim],
    );
    return {
      config,
      embeddings: await be.scope("embeddings", () => be.fixed(table)),
      layers,
      pool: await be.scope(
        "pool",
        () => dense(weights?.poolW, weights?.poolB, last, config.outputDim),
      ),
      invTimescales,
    };
  });
}

/**
 * Secure token embeddings `2·E[id]` for `[B, S]` token ids held by the data owner (pad with −1):
 * the data owner shares a one-hot matrix scaled by 2 and the parties multiply it with the shared
 * table, so neither the ids nor the table are revealed. Cost grows with the vocabulary
 * (`B·S·vocabRows` shared elements). Returns `[B, S, embedDim]`.
 */
export async function embedTokens(
  be: SecretBackend,
  model: SecureUseLite,
  ids: readonly (readonly number[])[] | undefined,
  shape: [number, number],
): Promise<Shared> {
  return await be.scope("embed", async () => {
    const [B, S] = shape;
    const V = model.config.vocabRows;
    let onehot: FloatTensor | undefined;
    if (be.is("dataOwner")) {
      if (!ids || ids.length !== B) throw new RangeError(`embedTokens: expected ${B} id rows`);
      const d = new Float64Array(B * S * V);
      ids.forEach((row, b) => {
        if (row.length > S) {
          throw new RangeError(`embedTokens: text ${b} has ${row.length} > ${S} tokens`);
        }
        row.forEach((id, s) => {
          if (id < 0) return;
          if (!Number.isInteger(id) || id >= V) {
            throw new RangeError(`embedTokens: token id ${id} outside [0, ${V})`);
          }
          d[(b * S + s) * V + id] = 2;
        });
      });
      onehot = new FloatTensor(d, [B * S, V]);
    }
    const oh = await be.input("dataOwner", onehot, [B * S, V]);
    const rows = await be.matmulFixed(oh, model.embeddings);
    return be.reshape(rows, [B, S, model.config.embedDim]);
  });
}

/**
 * Encoder forward from layer-0 token terms `x0` `[B, S, embedDim]` (prompt rows and `2·E[id]`
 * rows, zeros at padding) to L2-normalised sentence embeddings `[B, outputDim]`. With
 * `layerPrompts` (a deep prompt: entry l−1 `[B, L, inputDim_l]`), layer l ≥ 1's rows replace the
 * hidden states of each sequence's first L positions at that layer's input.
 */
export async function encode(
  be: SecretBackend,
  model: SecureUseLite,
  x0: Shared,
  layout: BatchLayout,
  ops: ModelOps,
  layerPrompts?: readonly Shared[],
): Promise<Shared> {
  const S = layout.seq;
  const cfg = model.config;
  const timing = new FloatTensor(timingSignal(S, model.invTimescales), [S, cfg.embedDim]);
  // Per-token layers run on the N real rows only (see packing.ts); attention unpacks.
  let h = packRows(be, be.addPublic(x0, timing), layout);
  if (layerPrompts && layerPrompts.length !== model.layers.length - 1) {
    throw new RangeError(
      `encode: ${layerPrompts.length} layer prompts, expected ${model.layers.length - 1}`,
    );
  }
  for (const [l, layer] of model.layers.entries()) {
    if (l > 0 && layerPrompts) h = replacePackedPromptRows(be, h, layerPrompts[l - 1], layout);
    h = await be.scope(
      `layer${l}`,
      () => encoderLayer(be, h, layer, cfg.layers[l], l, layout, cfg, ops),
    );
  }
  return await be.scope("pool", async () => {
    const pooled = await meanRows(be, h, layout);
    const dense = await denseForward(be, pooled, model.pool);
    const t = await be.scope("tanh", () => ops.tanh(be, dense));
    return await be.scope("l2norm", () => ops.l2normalize(be, t, cfg.l2Eps));
  });
}

/**
 * One pre-LayerNorm transformer layer (attention block, then ReLU FFN block) on the packed real
 * rows `h` `[N, width]` of a batch with `layout`; returns `[N, modelDim]`.
 */
export async function encoderLayer(
  be: SecretBackend,
  h: Shared,
  layer: SecureLayer,
  lc: UseLiteLayerConfig,
  index: number,
  layout: BatchLayout,
  cfg: UseLiteConfig,
  ops: ModelOps,
): Promise<Shared> {
  const { batch: B, seq: S } = layout;
  const { heads: H, headDim: dh } = lc;
  const a = await be.scope(
    "ln1",
    () => ops.layerNorm(be, h, layer.ln1.gamma, layer.ln1.beta, cfg.layerNormEps),
  );
  const qkv = await be.scope("qkv", () => denseForward(be, a, layer.qkv));
  // [N, 3·H·dh] → padded [B, S, 3·H·dh] → three [B, H, S, dh].
  const padded = unpackRows(be, qkv, layout);
  const split = be.transpose(be.reshape(padded, [B, S, 3, H, dh]), [2, 0, 3, 1, 4]);
  const part = (i: number) => be.reshape(be.slice(split, 0, i, i + 1), [B, H, S, dh]);
  const att = await be.scope(
    "attn",
    () => ops.attention(be, part(0), part(1), part(2), maskOf(layout), index, lc),
  );
  const merged = packRows(be, be.reshape(be.transpose(att, [0, 2, 1, 3]), [B, S, H * dh]), layout);
  const o = await be.scope("out", () => denseForward(be, merged, layer.out));
  const res = layer.residual
    ? await be.scope("residual", () => denseForward(be, h, layer.residual!))
    : h;
  const h1 = be.add(res, o);
  const f0 = await be.scope(
    "ln2",
    () => ops.layerNorm(be, h1, layer.ln2.gamma, layer.ln2.beta, cfg.layerNormEps),
  );
  const f1 = await be.scope("ffn1", () => denseForward(be, f0, layer.ffn1));
  const r = await be.scope("relu", () => ops.relu(be, f1));
  const f2 = await be.scope("ffn2", () => denseForward(be, r, layer.ffn2));
  return be.add(h1, f2);
}
