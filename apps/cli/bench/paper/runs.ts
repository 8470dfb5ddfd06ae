/**
 * The workloads of `deno task bench paper`, each a real secure run measured by phases: one
 * RoBERTa-style layer forward per attention variant (forward-only tuning), the training pass of one
 * layer (gradient baselines), the classification head, and Adam on a chunk of parameters.
 *
 * @module
 */
import { FloatTensor } from "@secp/field";
import { gelu, layerNorm } from "@secp/protocols";
import type { BackendKind, SecretBackend, Shared } from "@secp/sharing";
import {
  denseLinear,
  type LayerAttention,
  randomRobertaLayerWeights,
  type RobertaLayerConfig,
  robertaLayerForward,
  shareRobertaLayer,
} from "@secp/transformer";
import {
  adamInit,
  adamStep,
  crossEntropyGrad,
  denseBackward,
  geluBackward,
  geluTrain,
  layerNormBackward,
  layerNormTrain,
  prepareDense,
  type PreparedRobertaLayer,
  prepareRobertaLayer,
  robertaLayerBackward,
  robertaLayerTrainForward,
  type TrainDense,
} from "@secp/transformer/baselines";
import {
  type MeasureOptions,
  measurePhases,
  type PartyMarks,
  type PhaseCost,
  runPhases,
} from "./measure.ts";

/** Attention variants of forward-only tuning measured by the suite. */
export const FOT_VARIANTS = {
  "fot-softmax": { kind: "softmax" },
  "fot-rfa-exact": { kind: "rfa", variant: "exact" },
  "fot-rfa-paper": { kind: "rfa", variant: "paper" },
  "fot-rfa-iterative": { kind: "rfa", variant: "iterative" },
} as const satisfies Record<string, LayerAttention>;

/** Name of a forward-only variant. */
export type FotVariant = keyof typeof FOT_VARIANTS;

function gaussian(n: number, seed: number, std: number): Float64Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Float64Array.from(
    { length: n },
    () => std * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
  );
}

/** Layer input: the data owner's hidden states x ~ N(0, 1) (what a LayerNorm output looks like). */
async function layerInput(be: SecretBackend, B: number, S: number, d: number): Promise<Shared> {
  const v = be.is("dataOwner") ? new FloatTensor(gaussian(B * S * d, 1, 1), [B, S, d]) : undefined;
  return await be.input("dataOwner", v, [B, S, d]);
}

async function sharedLayer(
  be: SecretBackend,
  c: RobertaLayerConfig,
): Promise<PreparedRobertaLayer> {
  const w = be.is("modelOwner") ? randomRobertaLayerWeights(c, 1) : undefined;
  return await prepareRobertaLayer(be, await shareRobertaLayer(be, c, w));
}

/** The MLM-style classification head: dense d→d, GELU, LayerNorm, decoder d→C. */
interface Head {
  dense: TrainDense;
  dec: TrainDense;
  gamma: Shared;
  beta: Shared;
}

async function sharedHead(be: SecretBackend, d: number, C: number): Promise<Head> {
  const mine = be.is("modelOwner");
  const inp = (v: () => Float64Array, shape: number[]) =>
    be.input("modelOwner", mine ? new FloatTensor(v(), shape) : undefined, shape);
  const dense = await prepareDense(
    be,
    await inp(() => gaussian(d * d, 7, 0.02), [d, d]),
    await inp(() => gaussian(d, 8, 0.02), [d]),
  );
  const dec = await prepareDense(
    be,
    await inp(() => gaussian(d * C, 9, 0.02), [d, C]),
    await inp(() => gaussian(C, 10, 0.02), [C]),
  );
  return {
    dense,
    dec,
    gamma: await inp(() => new Float64Array(d).fill(1), [d]),
    beta: await inp(() => new Float64Array(d), [d]),
  };
}

/** Parameters of the head (trained by SFT). */
export function headParamCount(d: number, C: number): number {
  return d * d + d + 2 * d + d * C + C;
}

/** Arguments of {@link forwardProgram}. */
export interface ForwardArgs {
  /** Layer shape. */
  c: RobertaLayerConfig;
  /** Sequences. */
  B: number;
  /** Sequence length. */
  S: number;
  /** Attention variants, one phase each. */
  variants: readonly FotVariant[];
  /** Classes of the head. */
  C: number;
}

/** The phases of {@link forwardProgram}, in order. */
const forwardPhases = (a: ForwardArgs) => [...a.variants.map((v) => `fwd-${v}`), "head-fwd"];

/** The SPMD program of {@link measureForward} (a worker loads it by name). */
export async function forwardProgram(be: SecretBackend, a: ForwardArgs): Promise<PartyMarks> {
  const { c, B, S, C } = a;
  const d = c.hidden;
  type St = { layer: PreparedRobertaLayer; head: Head; x: Shared; h: Shared };
  return await runPhases<St>(be, async (be) => ({
    layer: await sharedLayer(be, c),
    head: await sharedHead(be, d, C),
    x: await layerInput(be, B, S, d),
    h: await be.input(
      "dataOwner",
      be.is("dataOwner") ? new FloatTensor(gaussian(B * d, 2, 1), [B, d]) : undefined,
      [B, d],
    ),
  }), [
    ...a.variants.map((v) => ({
      name: `fwd-${v}`,
      run: (be: SecretBackend, s: St) => robertaLayerForward(be, s.x, s.layer, c, FOT_VARIANTS[v]),
    })),
    {
      name: "head-fwd",
      run: async (be: SecretBackend, s: St) => {
        const a = await be.scope("dense", () => denseLinear(be, s.h, s.head.dense));
        const g = await be.scope("gelu", () => gelu(be, a));
        const n = await be.scope("ln", () => layerNorm(be, g, s.head.gamma, s.head.beta));
        const z = await be.scope("decoder", () => denseLinear(be, n, s.head.dec));
        return await be.scope("open-logits", () => be.reveal(z, "dataOwner"));
      },
    },
  ]);
}

/**
 * Forward-only tuning: one layer forward per attention variant on `[B, S, d]`, plus the head on
 * the B mask rows with the C logits opened to the data owner. Weights are shared and prepared once
 * (untimed: amortised over all CMA-ES generations). Phases `fwd-<variant>` and `head-fwd`.
 */
export async function measureForward(
  kind: BackendKind,
  c: RobertaLayerConfig,
  B: number,
  S: number,
  variants: readonly FotVariant[],
  opts: MeasureOptions & { classes?: number } = {},
): Promise<Record<string, PhaseCost>> {
  const args: ForwardArgs = { c, B, S, variants, C: opts.classes ?? 2 };
  const ref = { module: import.meta.url, name: "forwardProgram", args };
  return await measurePhases(kind, ref, forwardPhases(args), opts);
}

/** Arguments of {@link trainingProgram}. */
export interface TrainingArgs {
  /** Layer shape. */
  c: RobertaLayerConfig;
  /** Sequences. */
  B: number;
  /** Sequence length. */
  S: number;
  /** Classes of the head. */
  C: number;
}

/** The phases of {@link trainingProgram}, in order. */
const TRAINING_PHASES = ["prepare", "train-fwd", "bwd-act", "bwd-sft", "head-train"];

/** The SPMD program of {@link measureTraining} (a worker loads it by name). */
export async function trainingProgram(be: SecretBackend, a: TrainingArgs): Promise<PartyMarks> {
  const { c, B, S, C } = a;
  const d = c.hidden;
  type St = {
    shared: Awaited<ReturnType<typeof shareRobertaLayer>>;
    layer?: PreparedRobertaLayer;
    fwd?: Awaited<ReturnType<typeof robertaLayerTrainForward>>;
    dy: Shared;
    x: Shared;
    head: Head;
    h: Shared;
    labels: Shared;
  };
  return await runPhases<St>(be, async (be) => {
    const w = be.is("modelOwner") ? randomRobertaLayerWeights(c, 1) : undefined;
    const lab = new Float64Array(B * C);
    for (let b = 0; b < B; b++) lab[b * C + (b % C)] = 1;
    return {
      shared: await shareRobertaLayer(be, c, w),
      x: await layerInput(be, B, S, d),
      dy: await be.input(
        "dataOwner",
        be.is("dataOwner") ? new FloatTensor(gaussian(B * S * d, 3, 0.05), [B, S, d]) : undefined,
        [B, S, d],
      ),
      head: await sharedHead(be, d, C),
      h: await be.input(
        "dataOwner",
        be.is("dataOwner") ? new FloatTensor(gaussian(B * d, 2, 1), [B, d]) : undefined,
        [B, d],
      ),
      labels: await be.input(
        "dataOwner",
        be.is("dataOwner") ? new FloatTensor(lab, [B, C]) : undefined,
        [B, C],
      ),
    };
  }, [
    { name: "prepare", run: async (be, s) => (s.layer = await prepareRobertaLayer(be, s.shared)) },
    {
      name: "train-fwd",
      run: async (be, s) => (s.fwd = await robertaLayerTrainForward(be, s.x, s.layer!, c)),
    },
    {
      name: "bwd-act",
      run: (be, s) => robertaLayerBackward(be, s.dy, s.fwd!.cache, s.layer!, c),
    },
    {
      name: "bwd-sft",
      run: (be, s) =>
        robertaLayerBackward(be, s.dy, s.fwd!.cache, s.layer!, c, { weightGrads: true }),
    },
    {
      name: "head-train",
      run: async (be, s) => {
        const hd = s.head;
        const a = await be.scope("dense", () => denseLinear(be, s.h, hd.dense));
        const g = await be.scope("gelu", () => geluTrain(be, a));
        const n = await be.scope("ln", () => layerNormTrain(be, g.y, hd.gamma, hd.beta));
        const z = await be.scope("decoder", () => denseLinear(be, n.y, hd.dec));
        const dz = await be.scope("ce-grad", () => crossEntropyGrad(be, z, s.labels));
        const dn = await be.scope(
          "decoder",
          () => denseBackward(be, n.y, dz, hd.dec, { weightGrads: true }),
        );
        const dg = await be.scope("ln", () => layerNormBackward(be, dn.dx, n.cache));
        const da = await be.scope("gelu", () => geluBackward(be, dg.dx, g.dy));
        return await be.scope(
          "dense",
          () => denseBackward(be, s.h, da, hd.dense, { weightGrads: true }),
        );
      },
    },
  ]);
}

/**
 * The gradient baselines on one layer: phases `prepare` (opening W and Wᵀ masks: SFT pays it every
 * iteration, prompt tuning once), `train-fwd`, `bwd-act` (backward w.r.t. activations only:
 * gradient prompt tuning), `bwd-sft` (with every weight gradient), and `head-train` (head forward,
 * cross-entropy gradient against the data owner's labels, head backward with weight gradients).
 */
export async function measureTraining(
  kind: BackendKind,
  c: RobertaLayerConfig,
  B: number,
  S: number,
  opts: MeasureOptions & { classes?: number } = {},
): Promise<Record<string, PhaseCost>> {
  const args: TrainingArgs = { c, B, S, C: opts.classes ?? 2 };
  const ref = { module: import.meta.url, name: "trainingProgram", args };
  return await measurePhases(kind, ref, TRAINING_PHASES, opts);
}

/** The SPMD program of {@link measureAdam} (a worker loads it by name). */
export async function adamProgram(be: SecretBackend, a: { n: number }): Promise<PartyMarks> {
  const n = a.n;
  return await runPhases(
    be,
    async (be) => {
      const w = await be.input(
        "modelOwner",
        be.is("modelOwner") ? new FloatTensor(gaussian(n, 4, 0.02), [n]) : undefined,
        [n],
      );
      const g = await be.input(
        "dataOwner",
        be.is("dataOwner") ? new FloatTensor(gaussian(n, 5, 0.1), [n]) : undefined,
        [n],
      );
      return { w, g };
    },
    [{ name: "adam", run: (be, s) => adamStep(be, s.w, s.g, adamInit(be, s.w)) }],
  );
}

/** One Adam step on n parameters (phase `adam`); the cost is linear in n (elementwise). */
export async function measureAdam(
  kind: BackendKind,
  n: number,
  opts: MeasureOptions = {},
): Promise<PhaseCost> {
  const ref = { module: import.meta.url, name: "adamProgram", args: { n } };
  return (await measurePhases(kind, ref, ["adam"], opts)).adam;
}
