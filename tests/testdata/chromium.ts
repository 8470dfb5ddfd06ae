/**
 * Headless Chromium (Debian's `chromium` package) for tests that render report.html: renders a
 * page to a PNG and returns what the browser logged and the rendered DOM.
 */

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome"];

/** The first Chromium on PATH; throws a one-line error saying how to install it when none is. */
export async function findChromium(): Promise<string> {
  for (const name of CANDIDATES) {
    try {
      const o = await new Deno.Command(name, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      })
        .output();
      if (o.success) return name;
    } catch {
      // not installed under this name
    }
  }
  throw new Error(
    `no headless Chromium on PATH (tried ${CANDIDATES.join(", ")}): install Debian's package ` +
      "with 'apt-get install -y chromium' (.ci/run does)",
  );
}

/** Width and height from a PNG's IHDR chunk; throws if `bytes` is not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) throw new Error("not a PNG");
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/**
 * Renders `file` (a local HTML file) to `png` at `width`×`height` with network lookups disabled;
 * returns the exit code, the browser's page-console messages and the rendered DOM.
 */
export async function renderPage(
  file: string,
  png: string,
  width = 1200,
  height = 2400,
): Promise<{ code: number; console: string[]; dom: string }> {
  const bin = await findChromium();
  const o = await new Deno.Command(bin, {
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--enable-logging=stderr",
      "--v=0",
      "--host-resolver-rules=MAP * ~NOTFOUND",
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      "--dump-dom",
      `file://${file}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(o.stderr);
  return {
    code: o.code,
    // Page errors (uncaught exceptions, console.error) are logged as CONSOLE lines.
    console: stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l)),
    dom: new TextDecoder().decode(o.stdout),
  };
}
