/** Reading the root README's runnable examples in tests: a section, and shell words of a command. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** The repository root (with a trailing slash). */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The README section `## <title>`, up to the next `## `. */
export async function readmeSection(title: string): Promise<string> {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const start = readme.indexOf(`## ${title}`);
  assert.ok(start >= 0, `README has "${title}"`);
  const end = readme.indexOf("\n## ", start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Splits a command line as a POSIX shell would for plain words and double quotes. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
  }
  return words;
}
