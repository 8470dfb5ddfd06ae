/** The grids and configurations on which every elementwise error contract is measured. */
import type { SecretBackend, Shared } from "@secp/sharing";
import type { ProtocolSpec } from "../common.ts";
import { clip, relu, reluSpec } from "../compare.ts";
import { cos, cosIterativeSpec, cosSpec, sin } from "../cos.ts";
import { exp, expSpec } from "../exp.ts";
import { gelu, geluSpec } from "../gelu.ts";
import { geluAccurate, geluAccurateSpec } from "../gelu_accurate.ts";
import { reciprocal, reciprocalNormalizedSpec, reciprocalSpec } from "../reciprocal.ts";
import { rsqrt, rsqrtNewtonSpec, rsqrtSpec } from "../rsqrt.ts";
import { tanh, tanhSpec } from "../tanh.ts";
import { grid } from "./helpers.ts";

/** One elementwise accuracy case. */
export interface Case {
  /** Name for test titles. */
  name: string;
  /** The contract checked. */
  spec: ProtocolSpec;
  /** Grid of inputs (multiples of 2^−16, so exactly representable). */
  xs: Float64Array;
  /** The protocol. */
  op: (be: SecretBackend, x: Shared) => Promise<Shared>;
  /** Float64 reference (default: spec.reference). */
  ref?: (x: number) => number;
}

/** Rounds to the fixed-point grid (f = 16). */
export function onGrid(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs, (v) => Math.round(v * 65536) / 65536);
}

/** Log-spaced points 2^lo … 2^hi (exclusive), on the fixed-point grid. */
function logGrid(lo: number, hi: number, n: number): Float64Array {
  return onGrid(Array.from({ length: n }, (_, i) => 2 ** (lo + ((hi - lo) * i) / n)));
}

const far = [1000.25, -1000.5, 12345.75, -20000];

/** Every elementwise case. */
export const CASES: Case[] = [
  {
    name: "cos (exact)",
    spec: cosSpec,
    xs: onGrid([...grid(-4, 4, 2 ** -8), 1000.3, -12345.6, 2 ** 20 + 0.125]),
    op: (be, x) => cos(be, x),
  },
  {
    name: "sin (exact)",
    spec: cosSpec,
    xs: onGrid([...grid(-4, 4, 2 ** -8), 1000.3, -12345.6]),
    op: (be, x) => sin(be, x),
    ref: (u) => Math.sin(2 * Math.PI * u),
  },
  {
    name: "cos (paper)",
    spec: cosSpec,
    xs: onGrid([...grid(-4, 4, 2 ** -8), 1000.3, -12345.6]),
    op: (be, x) => cos(be, x, { variant: "paper" }),
  },
  {
    name: "cos (iterative)",
    spec: cosIterativeSpec,
    xs: grid(-0.5, 0.5, 2 ** -10),
    op: (be, x) => cos(be, x, { variant: "iterative" }),
  },
  {
    name: "sin (iterative)",
    spec: cosIterativeSpec,
    xs: grid(-0.5, 0.5, 2 ** -10),
    op: (be, x) => sin(be, x, { variant: "iterative" }),
    ref: (u) => Math.sin(2 * Math.PI * u),
  },
  { name: "exp", spec: expSpec, xs: grid(-256, 0, 2 ** -6), op: (be, x) => exp(be, x) },
  {
    name: "reciprocal (newton)",
    spec: reciprocalSpec,
    xs: grid(1, 128, 2 ** -7),
    op: (be, x) => reciprocal(be, x),
  },
  {
    name: "reciprocal (normalized)",
    spec: reciprocalNormalizedSpec,
    xs: logGrid(-8, 16, 4096),
    op: (be, x) => reciprocal(be, x, { method: "normalized" }),
  },
  {
    name: "rsqrt (normalized)",
    spec: rsqrtSpec,
    xs: logGrid(-16, 16, 4096),
    op: (be, x) => rsqrt(be, x),
  },
  {
    name: "rsqrt (newton)",
    spec: rsqrtNewtonSpec,
    xs: grid(0.25, 4, 2 ** -10),
    op: (be, x) => rsqrt(be, x, { method: "newton" }),
  },
  {
    name: "gelu",
    spec: geluSpec,
    xs: onGrid([...grid(-8, 8, 2 ** -8), ...far]),
    op: (be, x) => gelu(be, x),
  },
  {
    name: "geluAccurate",
    spec: geluAccurateSpec,
    xs: onGrid([
      ...grid(-8, 8, 2 ** -8),
      ...logGrid(3, 20, 64),
      ...logGrid(3, 20, 64).map((v) => -v),
      ...far,
    ]),
    op: (be, x) => geluAccurate(be, x),
  },
  {
    name: "tanh",
    spec: tanhSpec,
    xs: onGrid([...grid(-8, 8, 2 ** -8), ...far]),
    op: (be, x) => tanh(be, x),
  },
  {
    name: "relu",
    spec: reluSpec,
    xs: onGrid([...grid(-8, 8, 2 ** -8), ...far]),
    op: (be, x) => relu(be, x),
  },
  {
    name: "clip [−1.5, 2]",
    spec: reluSpec,
    xs: onGrid([...grid(-8, 8, 2 ** -8), ...far]),
    op: (be, x) => clip(be, x, -1.5, 2),
    ref: (x) => Math.min(2, Math.max(-1.5, x)),
  },
];
