/**
 * Locates files shipped inside npm packages of the workspace (`nodeModulesDir: "auto"`), so data
 * sets are read in place from `node_modules` and never copied into the repository.
 *
 * @module
 */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Absolute path of `relPath` inside the installed npm package `pkg` (resolved from this module).
 * Throws an `Error` naming the package and the install command if it cannot be found.
 */
export function packageFile(pkg: string, relPath: string): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  } catch (cause) {
    throw new Error(
      `npm package '${pkg}' is not installed (run 'deno install' at the workspace root)`,
      { cause },
    );
  }
  return join(dirname(manifest), relPath);
}
