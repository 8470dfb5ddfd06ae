/**
 * Test helper: runs the shipped USE-lite tfjs graph (tfjs-core + converter + CPU backend) on token
 * ids, feeding the sparse `indices` [N, 2] / `values` [N] inputs exactly like
 * `@tensorflow-models/universal-sentence-encoder`'s `embed`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import type { TfjsModelJson } from "../use_lite/tfjs.ts";

/** Selects the CPU backend and silences tfjs' "use tfjs-node" banner (IS_TEST mutes tfjs warnings). */
export async function readyTfjsCpu(): Promise<void> {
  tf.env().set("IS_TEST", true);
  await tf.setBackend("cpu");
  await tf.ready();
}

/** Loads the graph from in-memory model.json + shards (no file or network access by tfjs). */
export async function loadTfjsGraph(
  modelJson: TfjsModelJson,
  shards: ReadonlyMap<string, Uint8Array>,
): Promise<GraphModel> {
  await readyTfjsCpu();
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const parts = modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => shards.get(p)!));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts["modelTopology"],
      weightSpecs: weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: data.buffer,
    }),
  );
}

/** Graph input names and shapes, from the model's signature. */
export function graphInputs(
  model: GraphModel,
): { name: string; shape?: number[]; dtype?: string }[] {
  return model.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.dtype }));
}

/** Embeds each id list with the graph (one executeAsync per batch); returns [B][512] float32. */
export async function tfjsEmbed(
  model: GraphModel,
  tokenIds: readonly (readonly number[])[],
): Promise<Float32Array[]> {
  const indices: number[][] = [];
  const values: number[] = [];
  tokenIds.forEach((ids, b) =>
    ids.forEach((id, t) => {
      indices.push([b, t]);
      values.push(id);
    })
  );
  const iT = tf.tensor2d(indices, [indices.length, 2], "int32");
  const vT = tf.tensor1d(values, "int32");
  const out = await model.executeAsync({ indices: iT, values: vT }) as tf.Tensor;
  const flat = await out.data() as Float32Array;
  const [rows, width] = out.shape;
  iT.dispose();
  vT.dispose();
  out.dispose();
  return Array.from({ length: rows }, (_, r) => flat.slice(r * width!, (r + 1) * width!));
}
