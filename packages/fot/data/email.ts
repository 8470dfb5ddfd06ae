/**
 * Minimal RFC 822/MIME reader for turning a raw email into short classifier input: the Subject
 * header plus the first words of the first text part, with headers, MIME structure, transfer
 * encodings and HTML markup removed. Good enough for the SpamAssassin corpus, not a full MIME parser.
 *
 * @module
 */

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitHeaders(raw: string): Part {
  const text = raw.replace(/\r\n?/g, "\n");
  const cut = text.indexOf("\n\n");
  const head = cut < 0 ? text : text.slice(0, cut);
  const body = cut < 0 ? "" : text.slice(cut + 2);
  const headers = new Map<string, string>();
  let last = "";
  for (const line of head.split("\n")) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, headers.get(last) + " " + line.trim());
      continue;
    }
    const m = /^([!-9;-~]+):\s?(.*)$/.exec(line);
    if (!m) continue;
    last = m[1].toLowerCase();
    if (!headers.has(last)) headers.set(last, m[2].trim());
  }
  return { headers, body };
}

function decodeBytes(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("latin1").decode(bytes);
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

function decodeBase64Loose(s: string): Uint8Array {
  let clean = s.replace(/[^A-Za-z0-9+/]/g, "");
  if (clean.length % 4 === 1) clean = clean.slice(0, -1);
  clean += "=".repeat((4 - (clean.length % 4)) % 4);
  let bin = "";
  try {
    bin = atob(clean);
  } catch {
    return new Uint8Array(0);
  }
  return latin1Bytes(bin);
}

function decodeQuotedPrintable(s: string): Uint8Array {
  const joined = s.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i];
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(joined.charCodeAt(i) & 255);
  }
  return new Uint8Array(bytes);
}

/** Decodes RFC 2047 encoded words (`=?charset?B|Q?...?=`) in a header value. */
export function decodeHeaderWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset, enc, data) => {
    const bytes = enc.toUpperCase() === "B"
      ? decodeBase64Loose(data)
      : decodeQuotedPrintable(data.replace(/_/g, " "));
    return decodeBytes(bytes, charset);
  });
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

const ENTITIES: Record<string, string> = {
  nbsp: " ",
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  copy: "©",
  reg: "®",
};

/** Strips HTML markup (dropping style/script/head content) and decodes common entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(style|script|head|title)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>/gi, "\n")
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === "#") {
        const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1));
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : " ";
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

/** First readable text of a MIME entity: prefers text/plain, falls back to text/html. */
function bodyText(part: Part, depth = 0): string {
  const ctype = (part.headers.get("content-type") ?? "text/plain").toLowerCase();
  if (ctype.startsWith("multipart/") && depth < 5) {
    const boundary = param(part.headers.get("content-type") ?? "", "boundary");
    if (boundary) {
      const pieces = part.body.split(`--${boundary}`).slice(1);
      const parts = pieces.filter((p) => !p.startsWith("--")).map((p) =>
        splitHeaders(p.replace(/^[ \t]*\n/, ""))
      );
      const pick = (kind: string) =>
        parts.find((p) =>
          (p.headers.get("content-type") ?? "text/plain").toLowerCase().includes(kind)
        );
      const chosen = pick("text/plain") ?? pick("text/html") ?? pick("multipart/");
      return chosen ? bodyText(chosen, depth + 1) : "";
    }
  }
  if (!ctype.startsWith("text/") && !ctype.startsWith("multipart/")) return "";
  const charset = param(ctype, "charset") ?? "utf-8";
  const cte = (part.headers.get("content-transfer-encoding") ?? "").toLowerCase();
  let text = part.body;
  if (cte.includes("base64")) text = decodeBytes(decodeBase64Loose(text), charset);
  else if (cte.includes("quoted-printable")) {
    text = decodeBytes(decodeQuotedPrintable(text), charset);
  }
  return ctype.includes("html") ? htmlToText(text) : text;
}

/**
 * Classifier text for a raw email: `"<subject>. <body words>"`, whitespace-normalised and cut to
 * `maxWords` words in total (subject included).
 */
export function emailToText(raw: string, maxWords = 64): string {
  const root = splitHeaders(raw);
  const subject = decodeHeaderWords(root.headers.get("subject") ?? "").replace(/\s+/g, " ").trim();
  const body = bodyText(root).replace(/\s+/g, " ").trim();
  const words = (subject ? `${subject}. ${body}` : body).split(" ").filter((w) => w !== "");
  return words.slice(0, maxWords).join(" ");
}
