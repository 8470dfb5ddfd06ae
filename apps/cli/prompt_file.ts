/**
 * The tuned-prompt file `tune` writes and `predict` reads: the data owner's soft prompt (L×E
 * floats) with what is needed to use it again — the task's label texts and the model settings it
 * was tuned under. It stays on the data owner's machine; under MPC it is only ever input as shares.
 */
import type { AttentionKind } from "@secp/transformer";

/** Current format tag. */
export const PROMPT_FORMAT = "secp-tuning/prompt@1";

/** Contents of `prompt.json`. */
export interface PromptFile {
  format: typeof PROMPT_FORMAT;
  /** Task the prompt was tuned on. */
  task: string;
  /** Class names, in logit order. */
  classNames: string[];
  /** Label texts (verbalizer), in logit order. */
  labelTexts: string[];
  /** The task's input template with {text}, if it had one (applied by predict). */
  template?: string;
  /** Prompt tokens L. */
  promptLen: number;
  /** Embedding width E. */
  embedDim: number;
  /** The model (`use-lite` or the HF checkpoint folder it was tuned on); absent: use-lite. */
  model?: string;
  /** Attention the prompt was tuned with. */
  attention: AttentionKind;
  /** RFA features (meaningful for `rfa`). */
  features: number;
  /** Text clip length used in tuning (0: the model's limit). */
  maxTokens: number;
  /** Where it came from: run directory, generation and dev metric. */
  source: { run: string; bestGeneration: number | null; bestDevMetric: number | null };
  /**
   * Set for a deep prompt (BBTv2-style, `tune --deep`): the width of each layer's rows, layer 0
   * (= embedDim) first; `prompt` then holds promptLen·Σwidths numbers, layer-major. Absent: a
   * shallow prompt.
   */
  promptWidths?: number[];
  /** The prompt, L·E numbers, row-major (layer-major L·ΣW for a deep prompt). */
  prompt: number[];
}

/** Writes `file` to `path` (inside a run directory the caller owns). */
export async function writePromptFile(path: string, file: PromptFile): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(file));
}

/** Reads and validates a prompt file; every problem is an Error naming the file and the field. */
export async function readPromptFile(path: string): Promise<PromptFile & { values: Float64Array }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`prompt file ${path}: cannot read (${e instanceof Error ? e.message : e})`);
  }
  let f: PromptFile;
  try {
    f = JSON.parse(text);
  } catch {
    throw new Error(`prompt file ${path}: not valid JSON (corrupt or truncated)`);
  }
  const bad = (what: string) => new Error(`prompt file ${path}: ${what}`);
  if (f === null || typeof f !== "object") throw bad("not a JSON object");
  if (f.format !== PROMPT_FORMAT) {
    throw bad(`format ${JSON.stringify(f.format)}, expected ${PROMPT_FORMAT}`);
  }
  for (const k of ["promptLen", "embedDim", "features", "maxTokens"] as const) {
    if (!Number.isInteger(f[k]) || f[k] < 0) throw bad(`${k} must be a non-negative integer`);
  }
  if (f.attention !== "softmax" && f.attention !== "rfa") {
    throw bad("attention must be softmax|rfa");
  }
  if (
    !Array.isArray(f.labelTexts) || f.labelTexts.length < 2 ||
    f.labelTexts.some((t) => typeof t !== "string")
  ) throw bad("labelTexts must list at least two strings");
  if (
    f.template !== undefined && (typeof f.template !== "string" || !f.template.includes("{text}"))
  ) {
    throw bad("template must be a string containing {text}");
  }
  if (!Array.isArray(f.classNames) || f.classNames.length !== f.labelTexts.length) {
    throw bad("classNames must match labelTexts in length");
  }
  const widths = f.promptWidths;
  if (widths !== undefined) {
    if (
      !Array.isArray(widths) || widths.length < 2 || widths[0] !== f.embedDim ||
      !widths.every((w) => Number.isInteger(w) && w > 0)
    ) {
      throw bad("promptWidths must list ≥ 2 positive layer widths, the first equal to embedDim");
    }
  }
  const width = widths === undefined ? f.embedDim : widths.reduce((a, w) => a + w, 0);
  if (!Array.isArray(f.prompt) || f.prompt.length !== f.promptLen * width) {
    throw bad(
      `prompt must hold promptLen·${widths ? "Σ promptWidths" : "embedDim"} = ${
        f.promptLen * width
      } numbers`,
    );
  }
  // Each entry must be a finite JSON number: `null` (what JSON.stringify makes of NaN) would
  // otherwise be read as 0.
  const at = f.prompt.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (at >= 0) {
    throw bad(`prompt[${at}] is ${JSON.stringify(f.prompt[at])}, not a finite number`);
  }
  const values = Float64Array.from(f.prompt);
  return { ...f, values };
}
