/**
 * Crash-safe checkpoint files: a checkpoint is written to a temporary file in the same directory,
 * flushed to disk, then atomically renamed over the previous one, so a crash leaves either the old
 * or the new complete file, never a partial one.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { parseExact, stringifyExact } from "./codec.ts";

/** A checkpoint file that cannot be read, parsed or used; the message names the file. */
export class CheckpointError extends Error {
  /** Path of the offending file. */
  readonly path: string;
  /** New error about checkpoint `path`. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`checkpoint '${path}': ${message}`, options);
    this.name = "CheckpointError";
    this.path = path;
  }
}

/** Writes `value` as exact JSON (see `stringifyExact`) to `path` atomically (temp file, fsync, rename). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const text = stringifyExact(value);
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(16);
  const tmp = join(dirname(path), `.${basename(path)}.${Deno.pid}.${rand}.tmp`);
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      const bytes = new TextEncoder().encode(text);
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/**
 * Reads exact JSON from `path`. Returns `undefined` when the file does not exist; throws
 * {@link CheckpointError} when it exists but cannot be read or parsed.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new CheckpointError(path, "cannot be read", { cause: err });
  }
  try {
    return parseExact(text);
  } catch (err) {
    throw new CheckpointError(path, "is corrupt (not valid JSON)", { cause: err });
  }
}
