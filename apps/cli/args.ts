/**
 * `node:util`'s `parseArgs` with one-line errors: its messages can span several lines (e.g.
 * `--budget -1`, where `-1` looks like a flag); every CLI error here is one line naming the flag.
 */
import { parseArgs as nodeParseArgs } from "node:util";

/** The message of a `parseArgs` error as one line, naming the flag and the fix. */
export function oneLineArgError(message: string): string {
  const ambiguous = /^Option '(-{1,2}[\w-]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous !== null) {
    const flag = ambiguous[1];
    return `${flag}: a value that starts with "-" must be written ${flag}=VALUE (e.g. ${flag}=-1)`;
  }
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** `parseArgs` of `node:util`, rethrowing its errors with a one-line message. */
export const parseArgs: typeof nodeParseArgs = ((config: Parameters<typeof nodeParseArgs>[0]) => {
  try {
    return nodeParseArgs(config);
  } catch (e) {
    throw new Error(oneLineArgError(e instanceof Error ? e.message : String(e)));
  }
}) as typeof nodeParseArgs;
