/**
 * Writing deployment configs: party addresses, roles and fresh per-pair keys from the CSPRNG
 * (`deno task keys`).
 */
import { generateKeys, type PartyId } from "@secp/transport";
import { type BackendKind, localTopology } from "@secp/sharing";

/** Options of {@link makeDeploymentConfig}. */
export interface DeploymentOptions {
  /** A networked backend of the registry: `2pc` (parties 0, 1, dealer 2) or `3pc` (parties 0, 1, 2); data owner 3, model owner 4. */
  kind: BackendKind;
  /** One host for every party, or one per party id (default `127.0.0.1`). */
  hosts?: string | readonly string[];
  /** Party i listens on `basePort + i` (default 9000). */
  basePort?: number;
  /** Receive/write silence limit in ms (default 60 000). */
  timeoutMs?: number;
  /** How long each party waits for all others at startup (default 600 000: start order is free). */
  connectTimeoutMs?: number;
  /** Keepalive period (default 5000): dead or frozen peers are noticed within `timeoutMs`. */
  keepaliveMs?: number;
}

/** A deployment config (see `parseDeployment`) with fresh pair keys. */
export function makeDeploymentConfig(o: DeploymentOptions): Record<string, unknown> {
  const { parties, roles } = localTopology(o.kind);
  const ids: PartyId[] = [...parties];
  const hosts = o.hosts ?? "127.0.0.1";
  if (typeof hosts !== "string" && hosts.length !== ids.length) {
    throw new Error(
      `--hosts: expected ${ids.length} hosts (parties ${ids.join(", ")}), got ${hosts.length}`,
    );
  }
  const base = o.basePort ?? 9000;
  if (!Number.isInteger(base) || base < 1 || base + ids.length - 1 > 65535) {
    throw new Error(`--port: expected a port in [1, ${65536 - ids.length}], got ${base}`);
  }
  return {
    kind: o.kind,
    roles,
    parties: ids.map((id, i) => ({
      id,
      host: typeof hosts === "string" ? hosts : hosts[i],
      port: base + i,
    })),
    keys: generateKeys(ids),
    timeoutMs: o.timeoutMs ?? 60_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 600_000,
    keepaliveMs: o.keepaliveMs ?? 5_000,
  };
}

/** The config as party `id` should get it on its host: only the keys of its own pairs. */
export function configFor(config: Record<string, unknown>, id: PartyId): Record<string, unknown> {
  const keys = config.keys as Record<string, string>;
  const own = Object.fromEntries(
    Object.entries(keys).filter(([name]) => name.split("-").map(Number).includes(id)),
  );
  return { ...config, keys: own, self: id };
}

/** The `deno task party` entry point. */
const PARTY_SCRIPT = new URL("../party.ts", import.meta.url).pathname;

/** `deno` arguments that run party `id` of the config at `configPath`, as `deno task party` does. */
export function partyArgs(configPath: string, id: PartyId, extra: string[] = []): string[] {
  return [
    "run",
    "-A",
    "--quiet",
    "--frozen",
    "--v8-flags=--no-maglev",
    PARTY_SCRIPT,
    "--config",
    configPath,
    "--id",
    String(id),
    ...extra,
  ];
}
