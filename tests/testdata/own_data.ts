/**
 * A data owner's own files for the `--data` / task-file tests, written by the tests themselves (no
 * npm data sets): short sentiment reviews (2 classes) and news-like headlines (4 classes), as CSV
 * (with quotes, an embedded newline and a BOM), TSV and JSON Lines. Deterministic: tests only.
 */

const POS = ["great", "lovely", "wonderful", "superb", "delightful", "excellent"];
const NEG = ["awful", "boring", "terrible", "dull", "horrible", "bad"];
const THINGS = ["film", "meal", "service", "plot", "book", "hotel", "phone", "song"];

/** `n` reviews per class, label names `negative` / `positive`. */
export function reviews(n: number): { text: string; label: string }[] {
  const out: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    const t = THINGS[i % THINGS.length];
    out.push({
      text: `The ${t} was ${POS[i % 6]}, really "${POS[(i + 1) % 6]}" (#${i}).`,
      label: "positive",
    });
    out.push({
      text: `The ${t} was ${NEG[i % 6]}; sadly ${NEG[(i + 2) % 6]} (#${i}).`,
      label: "negative",
    });
  }
  return out;
}

const TOPICS: Record<string, string[]> = {
  business: ["shares", "profits", "the market", "the bank", "investors", "earnings"],
  science: ["the telescope", "researchers", "the genome", "the vaccine", "physicists", "the rover"],
  sports: ["the team", "the striker", "the coach", "the league", "the match", "the champion"],
  world: ["the president", "the parliament", "diplomats", "the election", "the treaty", "the army"],
};

/** `n` headlines per class of 4 topics. */
export function headlines(n: number): { text: string; label: string }[] {
  const out: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    for (const [label, words] of Object.entries(TOPICS)) {
      out.push({
        text: `News ${i}: ${words[i % 6]} and ${words[(i + 3) % 6]} made headlines.`,
        label,
      });
    }
  }
  return out;
}

/** RFC 4180 CSV of rows (every text quoted, quotes doubled), optional BOM. */
export function toCsv(rows: { text: string; label: string }[], bom = false): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return (bom ? "\uFEFF" : "") + "text,label\n" +
    rows.map((r) => `${q(r.text)},${r.label}\n`).join("");
}

/** JSON Lines of rows, with the given keys. */
export function toJsonl(
  rows: { text: string; label: string }[],
  textKey = "text",
  labelKey = "label",
): string {
  return rows.map((r) => JSON.stringify({ [textKey]: r.text, [labelKey]: r.label, id: 1 }) + "\n")
    .join("");
}
