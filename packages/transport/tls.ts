/**
 * Optional TLS material, loaded from the config (PEM text or file paths).
 *
 * @module
 */
import { loadPem, type TlsConfig } from "./config.ts";

/** PEM texts ready for `Deno.listenTls` / `Deno.startTls`. */
export interface TlsMaterial {
  /** CA certificate(s) trusted when connecting. */
  ca?: string;
  /** Own certificate chain (listening side). */
  cert?: string;
  /** Own private key (listening side). */
  key?: string;
}

/** Read every PEM named in `tls`. */
export async function loadTls(tls: TlsConfig): Promise<TlsMaterial> {
  const out: TlsMaterial = {};
  if (tls.ca !== undefined) out.ca = await loadPem(tls.ca);
  if (tls.cert !== undefined) out.cert = await loadPem(tls.cert);
  if (tls.key !== undefined) out.key = await loadPem(tls.key);
  return out;
}
