/**
 * The data owner's own labelled texts: CSV, TSV or JSON Lines files read into rows of (text, label
 * name, line). CSV and TSV go through `csv-parse` (quotes, embedded newlines, BOM); JSON Lines are
 * one JSON object per line. Every problem is a {@link DataError} whose one-line message names the
 * file, the line and the column (or the flag) at fault.
 *
 * @module
 */

import { parse as parseCsv } from "csv-parse/sync";

/** A bad input: `message` is one line naming the file, line and column, or the flag. */
export class DataError extends Error {
  /** `message` must be a single line saying where and what. */
  constructor(message: string) {
    super(message.replace(/[\r\n]+/g, " "));
    this.name = "DataError";
  }
}

/** File formats {@link readLabelledFile} reads. */
export const DATA_FORMATS = ["csv", "tsv", "jsonl"] as const;

/** One of {@link DATA_FORMATS}. */
export type DataFormat = typeof DATA_FORMATS[number];

/** One row of a data file. */
export interface LabelledRow {
  /** The text as stored (not trimmed or normalised). */
  text: string;
  /** The label as a string (JSON numbers are converted with `String`); `undefined` when not read. */
  label?: string;
  /** 1-based line where the row starts. */
  line: number;
}

/** Options of {@link readLabelledFile}. */
export interface ReadFileOptions {
  /** Format; default from the extension (`.csv`, `.tsv`/`.tab`, `.jsonl`/`.ndjson`). */
  format?: DataFormat;
  /** Column (CSV/TSV header) or key (JSONL) of the text (default `text`). */
  textColumn?: string;
  /** Column or key of the label (default `label`); `null`: labels are not read (texts only). */
  labelColumn?: string | null;
  /** Flag names used in messages (default `--text-column`, `--label-column`, `--format`). */
  flags?: { textColumn?: string; labelColumn?: string; format?: string };
}

/** Rows of a file, with the format used. */
export interface LabelledFile {
  /** The path as given. */
  path: string;
  /** Format actually read. */
  format: DataFormat;
  /** Rows in file order. */
  rows: LabelledRow[];
}

/** The format of `path` by its extension, or `undefined` when the extension is not known. */
export function formatFromExtension(path: string): DataFormat | undefined {
  const ext = path.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === "csv") return "csv";
  if (ext === "tsv" || ext === "tab") return "tsv";
  if (ext === "jsonl" || ext === "ndjson") return "jsonl";
  return undefined;
}

/** 1-based line of byte `offset` in `bytes`. */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, bytes.length); i++) if (bytes[i] === 10) line++;
  return line;
}

/** Decodes strict UTF-8; on invalid bytes throws naming the line and column of the first one. */
export function decodeUtf8(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Find the first offending byte: decode growing prefixes that end on a line break.
    let start = 0;
    let line = 1;
    const strict = new TextDecoder("utf-8", { fatal: true });
    while (start < bytes.length) {
      let end = bytes.indexOf(10, start);
      end = end < 0 ? bytes.length : end;
      try {
        strict.decode(bytes.subarray(start, end));
      } catch {
        let col = 1;
        for (let i = start + 1; i <= end; i++) {
          try {
            strict.decode(bytes.subarray(start, i));
            col = new TextDecoder().decode(bytes.subarray(start, i)).length + 1;
          } catch {
            const bad = bytes[i - 1];
            throw new DataError(
              `${path}:${line}:${col}: invalid UTF-8 (byte 0x${
                bad.toString(16).padStart(2, "0")
              }); save the file as UTF-8`,
            );
          }
        }
        // A sequence cut at the line end.
        throw new DataError(`${path}:${line}:${col}: invalid UTF-8 (truncated sequence)`);
      }
      start = end + 1;
      line++;
    }
    throw new DataError(`${path}: invalid UTF-8`);
  }
}

function closeMatch(name: string, columns: string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, "");
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i][j] = Math.min(
          d[i - 1][j] + 1,
          d[i][j - 1] + 1,
          d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
    }
    return d[a.length][b.length];
  };
  const near = columns.find((c) => norm(c) === norm(name)) ??
    columns.find((c) => dist(norm(c), norm(name)) <= 2);
  return near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
}

function missingColumn(
  where: string,
  kind: "text" | "label",
  name: string,
  columns: string[],
  flag: string,
): DataError {
  return new DataError(
    `${where}: no ${kind} column ${JSON.stringify(name)} (columns: ${
      columns.map((c) => JSON.stringify(c)).join(", ") || "none"
    })${closeMatch(name, columns)} (set ${flag})`,
  );
}

interface CsvErr {
  code?: string;
  message: string;
  bytes?: number;
  lines?: number;
  column?: number;
}

function readDelimited(
  path: string,
  text: string,
  delimiter: string,
  opts: Required<Pick<ReadFileOptions, "textColumn">> & ReadFileOptions,
): LabelledRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_quotes: false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const err = e as CsvErr;
    const kind = delimiter === "\t" ? "TSV" : "CSV";
    if (err.code === "CSV_QUOTE_NOT_CLOSED") {
      const line = lineOfByte(new TextEncoder().encode(text), err.bytes ?? 0);
      throw new DataError(
        `${path}:${line}: broken ${kind} quote: a quoted field opened in the record starting ` +
          `here is never closed`,
      );
    }
    if (err.code === "CSV_INVALID_CLOSING_QUOTE") {
      // err.bytes is where the record being parsed starts; err.lines where the parser failed.
      const start = lineOfByte(new TextEncoder().encode(text), err.bytes ?? 0);
      throw new DataError(
        start !== err.lines && err.lines !== undefined
          ? `${path}:${start}: broken ${kind} quote: the quoted field opened in this record runs ` +
            `on to line ${err.lines} (a quote never closed, or a quote inside a field not doubled as "")`
          : `${path}:${err.lines}: broken ${kind} quote: text after a closing quote (double a ` +
            `quote inside a quoted field: "")`,
      );
    }
    if (err.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") {
      const m = /expect (\d+), got (\d+)/.exec(err.message);
      throw new DataError(
        `${path}:${err.lines}: ${m ? `${m[2]} fields, the header has ${m[1]}` : err.message}` +
          ` (quote fields that contain ${delimiter === "\t" ? "tabs" : "commas"})`,
      );
    }
    throw new DataError(`${path}:${err.lines ?? "?"}: ${kind} error: ${err.message}`);
  }
  if (records.length === 0) throw new DataError(`${path}: empty file (no header, no rows)`);
  const header = records[0].record.map((h) => h.trim());
  const flags = opts.flags ?? {};
  const ti = header.indexOf(opts.textColumn);
  if (ti < 0) {
    throw missingColumn(
      `${path}:1`,
      "text",
      opts.textColumn,
      header,
      flags.textColumn ?? "--text-column",
    );
  }
  const labelName = opts.labelColumn === undefined ? "label" : opts.labelColumn;
  const li = labelName === null ? -1 : header.indexOf(labelName);
  if (labelName !== null && li < 0) {
    throw missingColumn(
      `${path}:1`,
      "label",
      labelName,
      header,
      flags.labelColumn ?? "--label-column",
    );
  }
  if (records.length === 1) throw new DataError(`${path}: empty file (a header, no rows)`);
  return records.slice(1).map(({ record, info }) => {
    // info.lines is the record's last line; embedded newlines move its start up.
    const inner = record.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    return {
      text: record[ti],
      ...(li < 0 ? {} : { label: record[li] }),
      line: info.lines - inner,
    };
  });
}

function readJsonLines(
  path: string,
  text: string,
  opts: Required<Pick<ReadFileOptions, "textColumn">> & ReadFileOptions,
): LabelledRow[] {
  const rows: LabelledRow[] = [];
  const lines = text.split(/\r?\n/);
  const labelKey = opts.labelColumn === undefined ? "label" : opts.labelColumn;
  const flags = opts.flags ?? {};
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      throw new DataError(
        `${path}:${line}: not valid JSON (${e instanceof Error ? e.message : e})`,
      );
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw new DataError(`${path}:${line}: expected a JSON object per line`);
    }
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (!(opts.textColumn in rec)) {
      throw missingColumn(
        `${path}:${line}`,
        "text",
        opts.textColumn,
        keys,
        flags.textColumn ?? "--text-column",
      );
    }
    const t = rec[opts.textColumn];
    if (typeof t !== "string") {
      throw new DataError(
        `${path}:${line}: column ${JSON.stringify(opts.textColumn)}: expected a string, got ${
          t === null ? "null" : typeof t
        }`,
      );
    }
    const row: LabelledRow = { text: t, line };
    if (labelKey !== null) {
      if (!(labelKey in rec)) {
        throw missingColumn(
          `${path}:${line}`,
          "label",
          labelKey,
          keys,
          flags.labelColumn ?? "--label-column",
        );
      }
      const l = rec[labelKey];
      if (typeof l === "string") row.label = l;
      else if (typeof l === "number" && Number.isFinite(l)) row.label = String(l);
      else {
        throw new DataError(
          `${path}:${line}: column ${JSON.stringify(labelKey)}: expected a string or number, got ${
            l === null ? "null" : typeof l
          }`,
        );
      }
    }
    rows.push(row);
  });
  if (rows.length === 0) throw new DataError(`${path}: empty file (no rows)`);
  return rows;
}

/**
 * Reads a CSV/TSV (header row) or JSON Lines file. Checks: readable, valid UTF-8 (a BOM is
 * dropped), well-formed quoting, the text and label columns exist, at least one row, no empty text
 * and no empty label. Throws {@link DataError}.
 */
export async function readLabelledFile(
  path: string,
  options: ReadFileOptions = {},
): Promise<LabelledFile> {
  const flags = options.flags ?? {};
  const format = options.format ?? formatFromExtension(path);
  if (format === undefined) {
    throw new DataError(
      `${path}: unknown data format (extension not .csv, .tsv or .jsonl); set ${
        flags.format ?? "--format"
      } csv|tsv|jsonl`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new DataError(
      `${path}: cannot read (${e instanceof Deno.errors.NotFound ? "no such file" : String(e)})`,
    );
  }
  const text = decodeUtf8(path, bytes); // drops a UTF-8 BOM
  if (text.trim() === "") throw new DataError(`${path}: empty file`);
  const opts = { ...options, textColumn: options.textColumn ?? "text" };
  const rows = format === "jsonl"
    ? readJsonLines(path, text, opts)
    : readDelimited(path, text, format === "tsv" ? "\t" : ",", opts);
  const labelCol = options.labelColumn === undefined ? "label" : options.labelColumn;
  for (const r of rows) {
    if (r.text.trim() === "") {
      throw new DataError(
        `${path}:${r.line}: empty text in column ${JSON.stringify(opts.textColumn)}`,
      );
    }
    if (labelCol !== null && (r.label ?? "").trim() === "") {
      throw new DataError(`${path}:${r.line}: empty label in column ${JSON.stringify(labelCol)}`);
    }
  }
  return { path, format, rows };
}
