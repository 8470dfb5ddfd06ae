/**
 * @secp/transport — party-to-party links and the communication ledger.
 *
 * @module
 */
export type { Channel, LedgerSink, MessageRecord, PartyId, Phase, SendMeta } from "./types.ts";
