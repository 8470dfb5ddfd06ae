/**
 * The one error type of the transport: every failure names the party that saw it, the peer involved
 * and, for a failed receive, the op path that was waiting.
 *
 * @module
 */
import type { PartyId } from "./types.ts";

/**
 * What went wrong:
 * - `timeout`: the peer sent nothing within the timeout;
 * - `closed`: this channel or the peer closed the link in an orderly way;
 * - `lost`: the connection broke (reset, end of stream without a close notice, killed peer);
 * - `auth`: handshake or frame authentication failed (key mismatch, tampered frame);
 * - `protocol`: malformed, replayed, reordered, truncated or oversized frame;
 * - `connect`: could not listen or connect during setup;
 * - `config`: invalid configuration;
 * - `usage`: the caller misused the API (unknown party, send to self, use after close).
 */
export type TransportErrorKind =
  | "timeout"
  | "closed"
  | "lost"
  | "auth"
  | "protocol"
  | "connect"
  | "config"
  | "usage";

/** Details of a {@link TransportError}. */
export interface TransportErrorInfo {
  /** Category of the failure. */
  kind: TransportErrorKind;
  /** The party that observed the failure, if known. */
  party?: PartyId;
  /** The peer the failure concerns, if any. */
  peer?: PartyId;
  /** Op path of the pending operation, if any. */
  path?: string;
  /** Underlying error. */
  cause?: unknown;
}

/**
 * A transport failure. The message reads like
 * `party 1: lost connection to party 2 during recv at layer0/attn/cos`.
 */
export class TransportError extends Error {
  /** Category of the failure. */
  readonly kind: TransportErrorKind;
  /** The party that observed the failure, if known. */
  readonly party?: PartyId;
  /** The peer the failure concerns, if any. */
  readonly peer?: PartyId;
  /** Op path of the pending operation, if any. */
  readonly path?: string;

  /** `reason` is the bare description; the party prefix is added here. */
  constructor(reason: string, info: TransportErrorInfo) {
    const prefix = info.party === undefined ? "" : `party ${info.party}: `;
    super(prefix + reason, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = "TransportError";
    this.kind = info.kind;
    this.party = info.party;
    this.peer = info.peer;
    this.path = info.path;
  }
}

/** A link failure without the path of any particular operation; turned into errors per waiter. */
export interface LinkFailure {
  /** Category of the failure. */
  kind: TransportErrorKind;
  /** Bare description, e.g. `lost connection to party 2`. */
  reason: string;
  /** Underlying error. */
  cause?: unknown;
}

/** The error a pending `op` at `path` gets when the link to `peer` failed with `f`. */
export function linkError(
  party: PartyId,
  peer: PartyId,
  f: LinkFailure,
  op: string,
  path: string,
): TransportError {
  return new TransportError(`${f.reason} during ${op} at ${path}`, {
    kind: f.kind,
    party,
    peer,
    path,
    cause: f.cause,
  });
}

/** Short text of any thrown value, for embedding in messages. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
