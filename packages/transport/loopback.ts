/**
 * All parties over real TCP sockets on one host, in one process: ephemeral ports, fresh keys.
 * For tests and benchmarks of the TCP path without a config file.
 *
 * @module
 */
import { DEFAULT_MAX_FRAME_BYTES, generateKeys, type TcpConfig, type TlsConfig } from "./config.ts";
import { DEFAULT_TIMEOUT_MS } from "./core.ts";
import { TransportError } from "./errors.ts";
import { closeQuietly } from "./io.ts";
import { Ledger } from "./ledger.ts";
import { connectTcp, type TcpChannel } from "./tcp.ts";
import { loadTls } from "./tls.ts";
import type { LedgerSink, PartyId } from "./types.ts";

/** Options of {@link createTcpNetwork}. */
export interface TcpNetworkOptions {
  /** Ledger shared by all parties (default: a new {@link Ledger}). */
  ledger?: LedgerSink;
  /** Setup and receive timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Frame limit (default 1 GiB). */
  maxFrameBytes?: number;
  /** Host to bind and connect to (default `127.0.0.1`). */
  host?: string;
  /** TLS material (PEM text or paths); the certificate must name `host`. */
  tls?: TlsConfig;
  /** Keepalive period in ms (default 0: off; see `TcpConfig.keepaliveMs`). */
  keepaliveMs?: number;
}

/**
 * One connected {@link TcpChannel} per party id, in the order given, over loopback TCP with
 * ephemeral ports and fresh pair keys.
 */
export async function createTcpNetwork(
  partyIds: readonly PartyId[],
  options: TcpNetworkOptions = {},
): Promise<TcpChannel[]> {
  const host = options.host ?? "127.0.0.1";
  const ids = [...partyIds].sort((a, b) => a - b);
  const top = ids[ids.length - 1];
  const tls = options.tls === undefined ? undefined : await loadTls(options.tls);
  const listeners = new Map<PartyId, Deno.Listener>();
  try {
    for (const id of ids) {
      if (id === top) continue;
      listeners.set(
        id,
        tls === undefined
          ? Deno.listen({ hostname: host, port: 0 })
          : Deno.listenTls({ hostname: host, port: 0, cert: tls.cert!, key: tls.key! }),
      );
    }
  } catch (e) {
    for (const l of listeners.values()) closeQuietly(l);
    throw e;
  }
  const config: TcpConfig = {
    parties: ids.map((id) => ({
      id,
      host,
      port: (listeners.get(id)?.addr as Deno.NetAddr | undefined)?.port ?? 0,
    })),
    keys: generateKeys(ids),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    ...(options.keepaliveMs ? { keepaliveMs: options.keepaliveMs } : {}),
    ...(tls === undefined ? {} : { tls: tls }),
  };
  const ledger = options.ledger ?? new Ledger();
  const settled = await Promise.allSettled(
    ids.map((id) => connectTcp(config, id, { ledger, listener: listeners.get(id) })),
  );
  const errors = settled.flatMap((s) => s.status === "rejected" ? [s.reason] : []);
  if (errors.length > 0) {
    await Promise.all(settled.map((s) => s.status === "fulfilled" ? s.value.close() : undefined));
    // the most telling error: a cause (key mismatch, TLS failure) rather than a peer's timeout
    throw errors.find((e) => !(e instanceof TransportError && e.kind === "timeout")) ?? errors[0];
  }
  const byId = new Map(
    settled.map((s, i) => [ids[i], (s as PromiseFulfilledResult<TcpChannel>).value]),
  );
  return partyIds.map((id) => byId.get(id)!);
}
