/**
 * @secp/transport — party-to-party links and the communication ledger.
 *
 * - {@link createMemoryNetwork}: all parties in one process (optionally with real delays from a
 *   {@link NetworkProfile}).
 * - {@link PortChannel}: one party per Worker thread of one process ({@link createPortMesh}).
 * - {@link connectTcp}: one party per process or host over encrypted TCP (HMAC-SHA256 key proof,
 *   every frame AES-256-GCM under per-session keys, optional TLS); {@link createTcpNetwork} for
 *   loopback tests.
 * - {@link Ledger}: bytes sent, messages and dependent rounds per party, phase and op path.
 * - {@link modelTime}: modelled LAN/WAN time from a ledger.
 *
 * ```ts
 * import { createMemoryNetwork, LAN, Ledger, modelTime } from "@secp/transport";
 *
 * const ledger = new Ledger();
 * const [p0, p1] = createMemoryNetwork([0, 1], { ledger });
 * const meta = { path: "demo/exchange", phase: "online" } as const;
 * p0.send(1, new Uint8Array([1, 2, 3]), meta);
 * p1.send(0, new Uint8Array([4, 5]), meta);
 * const [a, b] = await Promise.all([p0.recv(1, meta), p1.recv(0, meta)]);
 * console.log(a, b, ledger.summary().rounds.online); // Uint8Array [4, 5] Uint8Array [1, 2, 3] 1
 * console.log(modelTime(ledger, LAN)); // 0.4 ms latency + 3 bytes at 3 Gbps
 * await Promise.all([p0.close(), p1.close()]);
 * ```
 *
 * @module
 */
export type { Channel, LedgerSink, MessageRecord, PartyId, Phase, SendMeta } from "./types.ts";
export {
  type LinkFailure,
  TransportError,
  type TransportErrorInfo,
  type TransportErrorKind,
} from "./errors.ts";
export {
  type Count,
  Ledger,
  type LedgerEntry,
  type LedgerJSON,
  type LedgerSummary,
  type LinkSummary,
  type PartySummary,
  type PathSummary,
  PHASES,
} from "./ledger.ts";
export { ChannelCore, DEFAULT_TIMEOUT_MS, type Outbound } from "./core.ts";
export { type Inbound, Inbox } from "./inbox.ts";
export { createMemoryNetwork, MemoryChannel, type MemoryNetworkOptions } from "./memory.ts";
export { createPortMesh, PortChannel, type PortChannelOptions } from "./port.ts";
export {
  DEFAULT_MAX_FRAME_BYTES,
  generateKeys,
  pairKey,
  pairName,
  parseConfig,
  type PartyAddress,
  type TcpConfig,
  type TlsConfig,
} from "./config.ts";
export { connectTcp, TcpChannel, type TcpConnectOptions } from "./tcp.ts";
export type { WireStats } from "./link.ts";
export { createTcpNetwork, type TcpNetworkOptions } from "./loopback.ts";
export { FRAME_OVERHEAD } from "./frame.ts";
export {
  getProfile,
  LAN,
  modelBreakdown,
  type ModelOptions,
  type ModelTime,
  modelTime,
  type NetworkProfile,
  oneWaySeconds,
  PROFILES,
  type Traffic,
  transferSeconds,
  WAN,
  WAN200,
} from "./netmodel.ts";
