/**
 * Registers tfjs-core's own gradient definitions.
 *
 * `@tensorflow/tfjs-core`'s Node entry point (`dist/tf-core.node.js`, what Deno loads for the npm
 * specifier) ships every op and the tape/backprop machinery, but not the per-kernel gradient
 * functions: those live only as ES modules in `dist/gradients/*_grad.js`, registered by
 * `dist/register_all_gradients.js`, which the `@tensorflow/tfjs` umbrella package imports. They use
 * extension-less relative imports (`'../ops/mul'`), which Deno's Node resolver refuses, and the
 * umbrella package is not a dependency of this workspace.
 *
 * So this module reads those files from the installed tfjs-core package and evaluates them
 * unchanged except for their module syntax: `import {x} from '../ops/x'` / `import * as util from
 * '../util'` become bindings to the same functions of the loaded tfjs-core (`tf.x`, `tf.util`,
 * `tf.broadcast_util`, `tf.backend_util` …), `export const` becomes a returned value, and each config
 * goes to `tf.registerGradient`. No gradient formula is written here; tfjs-core 4.22.0's are used.
 * Files whose imports have no public counterpart (a few conv/pool gradients) are skipped and
 * listed; {@link registerTfjsGradients} checks that every kernel the adaptation uses was registered.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRequire } from "node:module";

/** Kernels the adaptation model differentiates through (checked after registration). */
export const REQUIRED_GRADIENTS: readonly string[] = [
  tf.Add,
  tf.Sub,
  tf.Multiply,
  tf.RealDiv,
  tf.BatchMatMul,
  tf.Reshape,
  tf.Transpose,
  tf.Sum,
  tf.Mean,
  tf.Square,
  tf.Rsqrt,
  tf.Sqrt,
  tf.Exp,
  tf.Sin,
  tf.Cos,
  tf.Concat,
  tf.Maximum,
  tf.Relu,
  tf.Tanh,
  tf.Cast,
  tf.Identity,
];

/** Outcome of {@link registerTfjsGradients}. */
export interface GradientRegistration {
  /** Kernel names whose gradient was registered. */
  readonly registered: readonly string[];
  /** Gradient files skipped, with the reason. */
  readonly skipped: readonly string[];
}

type Namespace = Record<string, unknown>;

const tfns = tf as unknown as Namespace;

/** Public namespace standing in for an internal tfjs-core module path. */
function moduleNamespace(path: string, local: Map<string, Namespace>): Namespace | undefined {
  if (path.startsWith("./")) return local.get(path.slice(2));
  switch (path) {
    case "../util":
      return tfns.util as Namespace;
    case "../ops/broadcast_util":
      return tfns.broadcast_util as Namespace;
    case "../ops/slice_util":
      return tfns.slice_util as Namespace;
    case "../ops/axis_util":
    case "../ops/conv_util":
    case "../ops/selu_util":
      return tfns.backend_util as Namespace;
    case "../engine":
      return { ENGINE: tf.engine() };
    default:
      return tfns; // kernel_names, ops/*, base
  }
}

/**
 * Evaluates one ES-module gradient file against the public tfjs-core namespace; returns its
 * exports, or throws naming the first import that has no public counterpart.
 */
function evaluateModule(source: string, local: Map<string, Namespace>): Namespace {
  const names: string[] = [];
  const values: unknown[] = [];
  const exported: string[] = [];
  const body = source.replace(
    /^import\s+(?:\{([^}]*)\}|\*\s+as\s+(\w+))\s+from\s+'([^']+)';\s*$/gm,
    (_m, named: string | undefined, star: string | undefined, path: string) => {
      const ns = moduleNamespace(path, local);
      if (ns === undefined) throw new Error(`no module for '${path}'`);
      if (star !== undefined) {
        names.push(star);
        values.push(ns);
      } else {
        for (const part of named!.split(",").map((s) => s.trim()).filter(Boolean)) {
          const [orig, alias] = part.split(/\s+as\s+/);
          if (!(orig in ns) || ns[orig] === undefined) {
            throw new Error(`'${orig}' from '${path}' is not public in tfjs-core`);
          }
          names.push(alias ?? orig);
          values.push(ns[orig]);
        }
      }
      return "";
    },
  ).replace(/^export\s+(const|function)\s+(\w+)/gm, (_m, kind: string, name: string) => {
    exported.push(name);
    return `${kind} ${name}`;
  });
  if (/^\s*(import|export)\b/m.test(body)) throw new Error("unsupported module syntax");
  const fn = new Function(...names, `"use strict";\n${body}\nreturn { ${exported.join(", ")} };`);
  return fn(...values) as Namespace;
}

let done: GradientRegistration | null = null;

/**
 * Registers every gradient of the installed tfjs-core that can be evaluated (once per process) and
 * checks that {@link REQUIRED_GRADIENTS} are all present.
 */
export async function registerTfjsGradients(): Promise<GradientRegistration> {
  if (done) return done;
  const main = createRequire(import.meta.url).resolve("@tensorflow/tfjs-core");
  const dist = main.slice(0, main.lastIndexOf("/"));
  const index = await Deno.readTextFile(`${dist}/register_all_gradients.js`);
  const files = [...index.matchAll(/from '\.\/gradients\/(\w+)'/g)].map((m) => m[1]);
  if (files.length === 0) throw new Error(`${dist}/register_all_gradients.js lists no gradients`);
  const local = new Map<string, Namespace>();
  const registered: string[] = [];
  const skipped: string[] = [];
  const load = async (name: string): Promise<Namespace | undefined> => {
    if (local.has(name)) return local.get(name);
    const src = await Deno.readTextFile(`${dist}/gradients/${name}.js`);
    // Local helper modules ('./min_max_grad_util', './Abs_grad') are loaded first.
    for (const m of src.matchAll(/from '\.\/(\w+)'/g)) await load(m[1]);
    try {
      const ns = evaluateModule(src, local);
      local.set(name, ns);
      return ns;
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
      return undefined;
    }
  };
  for (const f of files) {
    const ns = await load(f);
    if (!ns) continue;
    for (const v of Object.values(ns)) {
      const cfg = v as tf.GradConfig;
      if (cfg && typeof cfg === "object" && typeof cfg.kernelName === "string") {
        if (tf.getGradient(cfg.kernelName) === undefined) tf.registerGradient(cfg);
        registered.push(cfg.kernelName);
      }
    }
  }
  const missing = REQUIRED_GRADIENTS.filter((k) => tf.getGradient(k) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `tfjs-core gradients missing for ${missing.join(", ")} (skipped: ${skipped.join("; ")})`,
    );
  }
  done = { registered, skipped };
  return done;
}
