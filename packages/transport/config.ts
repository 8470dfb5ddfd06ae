/**
 * TCP deployment config: party addresses, per-pair keys, timeout, frame limit, optional TLS.
 *
 * ```json
 * { "parties": [{ "id": 0, "host": "127.0.0.1", "port": 9000 },
 *               { "id": 1, "host": "127.0.0.1", "port": 9001 }],
 *   "keys": { "0-1": "<64 hex digits>" },
 *   "timeoutMs": 10000 }
 * ```
 *
 * @module
 */
import { DEFAULT_TIMEOUT_MS } from "./core.ts";
import { TransportError } from "./errors.ts";
import type { PartyId } from "./types.ts";

/** Where one party listens. */
export interface PartyAddress {
  /** Party id (integer, 0 ≤ id < 2^32). */
  id: PartyId;
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
}

/**
 * Optional TLS (on top of the frame encryption). Each value is PEM text or a path to a PEM file.
 * Listening parties (those with a higher-id peer) need `cert` and `key`; connecting parties need
 * `ca` when the certificate is not signed by a public root. The certificate must name the host
 * the peers connect to (e.g. `subjectAltName=IP:127.0.0.1`).
 */
export interface TlsConfig {
  /** CA certificate(s) the connecting side trusts. */
  ca?: string;
  /** This party's certificate chain (listening side). */
  cert?: string;
  /** This party's private key (listening side). */
  key?: string;
}

/** A validated config (see {@link parseConfig}). */
export interface TcpConfig {
  /** All parties, sorted by id. */
  parties: PartyAddress[];
  /** Pair keys: `"i-j"` (i < j) → 32 bytes as 64 hex digits. */
  keys: Record<string, string>;
  /** How long a receive or write waits without any sign of life from the peer (default 30 000). */
  timeoutMs: number;
  /** Deadline for connecting to all peers at startup (default: `timeoutMs`). */
  connectTimeoutMs?: number;
  /**
   * Deadline of one handshake, in ms (default {@link DEFAULT_HANDSHAKE_TIMEOUT_MS}, never past
   * the connect deadline): a connection that has not proved its key by then is dropped (and the
   * dialer tries again), so a silent socket holds nothing up for long.
   */
  handshakeTimeoutMs?: number;
  /**
   * Optional limit on handshakes in flight from one remote host (default: none). A connection
   * over the limit is closed at once, so one host flooding a party's port holds at most this many
   * sockets for at most `handshakeTimeoutMs` each. Parties that share a host with an attacker
   * (e.g. all on loopback) share its limit too: leave it off there.
   */
  maxHandshakesPerHost?: number;
  /** Largest accepted payload per frame in bytes (default {@link DEFAULT_MAX_FRAME_BYTES}). */
  maxFrameBytes: number;
  /**
   * Keepalive period in ms (default 0: off). When set, each link sends an empty authenticated
   * ping after this long without writing, and a link that receives nothing at all for `timeoutMs`
   * fails as timed out, even while no receive is pending: a dead or frozen peer is noticed by
   * everyone, while a live peer may compute for longer than `timeoutMs`. Must be below
   * `timeoutMs` (a third or less is sensible).
   */
  keepaliveMs?: number;
  /** TLS material, if the links should also use TLS. */
  tls?: TlsConfig;
}

/**
 * Default frame limit: 1 GiB. Large enough for a one-off opening of an embedding table (50k×768
 * ring elements = 300 MiB); a forged length costs at most 4 MiB, since the receiver's buffer
 * starts there and only doubles as data actually arrives, never up front.
 */
export const DEFAULT_MAX_FRAME_BYTES = 2 ** 30;

/** Default deadline of one handshake: 5 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

/** Name of the key of the pair {a, b}: `"min-max"`. */
export function pairName(a: PartyId, b: PartyId): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

function fail(msg: string): never {
  throw new TransportError(`transport config: ${msg}`, { kind: "config" });
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

function parseParty(x: unknown, i: number): PartyAddress {
  if (!isObject(x)) fail(`parties[${i}] must be an object {id, host, port}`);
  const { id, host, port } = x;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= 2 ** 32) {
    fail(`parties[${i}].id must be an integer in [0, 2^32), got ${JSON.stringify(id)}`);
  }
  if (typeof host !== "string" || host === "") {
    fail(`party ${id}: host must be a non-empty string, got ${JSON.stringify(host)}`);
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`party ${id}: port must be an integer in [0, 65535], got ${JSON.stringify(port)}`);
  }
  return { id, host, port };
}

function parseKeys(x: unknown, ids: Set<PartyId>): Record<string, string> {
  if (x === undefined) return {};
  if (!isObject(x)) fail(`keys must be an object {"i-j": "<64 hex digits>"}`);
  const keys: Record<string, string> = {};
  for (const [name, value] of Object.entries(x)) {
    const m = /^(\d+)-(\d+)$/.exec(name);
    if (m === null) fail(`key name "${name}" must look like "0-1"`);
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a >= b) fail(`key name "${name}" must list the smaller id first ("${pairName(a, b)}")`);
    for (const p of [a, b]) {
      if (!ids.has(p)) fail(`key "${name}" names party ${p}, which is not in parties`);
    }
    if (typeof value !== "string" || !HEX64.test(value)) {
      const shown = typeof value === "string" ? `${value.length} characters` : typeof value;
      fail(`key "${name}" must be 64 hex digits (32 bytes), got ${shown}`);
    }
    keys[name] = value.toLowerCase();
  }
  return keys;
}

function parseTls(x: unknown): TlsConfig | undefined {
  if (x === undefined || x === null) return undefined;
  if (!isObject(x)) fail("tls must be an object {ca?, cert?, key?}");
  const tls: TlsConfig = {};
  for (const f of ["ca", "cert", "key"] as const) {
    const v = x[f];
    if (v === undefined) continue;
    if (typeof v !== "string" || v === "") fail(`tls.${f} must be PEM text or a file path`);
    tls[f] = v;
  }
  return tls;
}

/**
 * Validate a config (JSON text or an already parsed object) and fill in defaults. Errors are
 * {@link TransportError}s of kind `config` that say which field is wrong.
 */
export function parseConfig(json: string | unknown): TcpConfig {
  let x: unknown = json;
  if (typeof json === "string") {
    try {
      x = JSON.parse(json);
    } catch (e) {
      fail(`not valid JSON (${e instanceof Error ? e.message : e})`);
    }
  }
  if (!isObject(x)) fail("must be a JSON object");
  if (!Array.isArray(x.parties) || x.parties.length === 0) {
    fail("parties must be a non-empty array of {id, host, port}");
  }
  const parties = x.parties.map(parseParty);
  const ids = new Set<PartyId>();
  for (const p of parties) {
    if (ids.has(p.id)) fail(`duplicate party id ${p.id}`);
    ids.add(p.id);
  }
  parties.sort((a, b) => a.id - b.id);
  const timeoutMs = x.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    fail(`timeoutMs must be a positive number, got ${JSON.stringify(x.timeoutMs)}`);
  }
  const connectTimeoutMs = x.connectTimeoutMs ?? timeoutMs;
  if (
    typeof connectTimeoutMs !== "number" || !(connectTimeoutMs > 0) ||
    !Number.isFinite(connectTimeoutMs)
  ) {
    fail(`connectTimeoutMs must be a positive number, got ${JSON.stringify(x.connectTimeoutMs)}`);
  }
  const handshakeTimeoutMs = x.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (
    typeof handshakeTimeoutMs !== "number" || !(handshakeTimeoutMs > 0) ||
    !Number.isFinite(handshakeTimeoutMs)
  ) {
    fail(
      `handshakeTimeoutMs must be a positive number, got ${JSON.stringify(x.handshakeTimeoutMs)}`,
    );
  }
  const perHost = x.maxHandshakesPerHost;
  if (
    perHost !== undefined &&
    (typeof perHost !== "number" || !Number.isInteger(perHost) || perHost < 1)
  ) {
    fail(`maxHandshakesPerHost must be a positive integer, got ${JSON.stringify(perHost)}`);
  }
  const maxFrameBytes = x.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (
    typeof maxFrameBytes !== "number" || !Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 ||
    maxFrameBytes > 2 ** 32 - 1
  ) {
    fail(`maxFrameBytes must be an integer in [1, 2^32), got ${JSON.stringify(x.maxFrameBytes)}`);
  }
  const keepaliveMs = x.keepaliveMs ?? 0;
  if (
    typeof keepaliveMs !== "number" || !(keepaliveMs >= 0) || !Number.isFinite(keepaliveMs) ||
    (keepaliveMs > 0 && keepaliveMs >= timeoutMs)
  ) {
    fail(
      `keepaliveMs must be 0 (off) or a positive number below timeoutMs (${timeoutMs}), got ${
        JSON.stringify(x.keepaliveMs)
      }`,
    );
  }
  const tls = parseTls(x.tls);
  return {
    parties,
    keys: parseKeys(x.keys, ids),
    timeoutMs,
    connectTimeoutMs,
    handshakeTimeoutMs,
    ...(perHost === undefined ? {} : { maxHandshakesPerHost: perHost as number }),
    maxFrameBytes,
    ...(keepaliveMs > 0 ? { keepaliveMs } : {}),
    ...(tls === undefined ? {} : { tls }),
  };
}

/** The 32-byte key of the pair {a, b}; a `config` error if the config has none. */
export function pairKey(config: TcpConfig, a: PartyId, b: PartyId): Uint8Array {
  const hex = config.keys[pairName(a, b)];
  if (hex === undefined) fail(`missing key "${pairName(a, b)}"`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Fresh random keys (CSPRNG) for every pair of `partyIds`, in the config's `keys` format. */
export function generateKeys(partyIds: readonly PartyId[]): Record<string, string> {
  const ids = [...new Set(partyIds)].sort((a, b) => a - b);
  const keys: Record<string, string> = {};
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const k = crypto.getRandomValues(new Uint8Array(32));
      keys[pairName(ids[i], ids[j])] = Array.from(k, (b) => b.toString(16).padStart(2, "0"))
        .join("");
    }
  }
  return keys;
}

/** PEM text as is, or the contents of the file it names. */
export async function loadPem(value: string): Promise<string> {
  if (value.includes("-----BEGIN")) return value;
  try {
    return await Deno.readTextFile(value);
  } catch (e) {
    fail(`cannot read PEM file ${value} (${e instanceof Error ? e.message : e})`);
  }
}
