/**
 * Texts from input files echoed to a terminal: control characters (C0, DEL, C1) and bidirectional
 * overrides are shown escaped, so a text cannot move the cursor, clear the screen, recolour the
 * output or reorder what follows it.
 */

// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every control or bidi-override character written as `\xNN` or `\uNNNN`. */
export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16)}`;
  });
}
