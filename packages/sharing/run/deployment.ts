/**
 * Deployment configs: a transport config plus the backend kind and who plays which role,
 * validated against the backend registry (every computing party and helper role present, every
 * party playing a role).
 *
 * @module
 */
import { parseConfig, type PartyId, type TcpConfig, TransportError } from "@secp/transport";
import type { BackendKind } from "../backend.ts";
import type { Roles } from "../networked.ts";
import { BACKENDS, NETWORKED_KINDS } from "../registry.ts";
import { localTopology } from "./topology.ts";

/** A validated deployment: the TCP config plus the backend kind and who plays which role. */
export interface Deployment {
  /** Addresses, pair keys, timeouts. */
  tcp: TcpConfig;
  /** `2pc` or `3pc`. */
  kind: BackendKind;
  /** Party id of each role. */
  roles: Roles;
}

function deployError(msg: string): never {
  throw new TransportError(`deployment config: ${msg}`, { kind: "config" });
}

/**
 * Validates a deployment config (JSON text or parsed object): a transport config (see
 * `parseConfig`) with `"kind": "2pc" | "3pc"` and optional `"roles"` (default: dealer 2, data
 * owner 3, model owner 4 for 2pc; data owner 3, model owner 4 for 3pc). Every party must play a
 * role. Errors are `TransportError`s of kind `config` naming the field.
 */
export function parseDeployment(json: string | unknown): Deployment {
  let raw: any = json;
  if (typeof json === "string") {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      deployError(`not valid JSON (${e instanceof Error ? e.message : e})`);
    }
  }
  const tcp = parseConfig(raw);
  const kind = raw.kind;
  if (!NETWORKED_KINDS.includes(kind)) {
    deployError(
      `kind must be ${NETWORKED_KINDS.map((k) => JSON.stringify(k)).join(" or ")}, got ${
        JSON.stringify(kind)
      }`,
    );
  }
  const info = BACKENDS[kind as BackendKind];
  const roles: Roles = { ...localTopology(kind).roles, ...(raw.roles ?? {}) };
  if (!info.helperRoles.includes("dealer")) delete roles.dealer;
  const ids = new Set(tcp.parties.map((p) => p.id));
  const need = new Map<PartyId, string>();
  for (const c of info.computing) need.set(c, "computing party");
  for (const [role, id] of Object.entries(roles)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      deployError(`roles.${role} must be a party id, got ${JSON.stringify(id)}`);
    }
    need.set(id, need.has(id) ? `${need.get(id)}, ${roleName(role)}` : roleName(role));
  }
  for (const h of info.helperRoles) {
    const id = roles[h];
    if (id === undefined || info.computing.includes(id)) {
      deployError(
        `roles.${h} must be a party other than ${info.computing.join(" and ")} in ${kind}`,
      );
    }
  }
  for (const [id, what] of need) {
    if (!ids.has(id)) deployError(`party ${id} (${what}) is not in parties`);
  }
  for (const id of ids) if (!need.has(id)) deployError(`party ${id} plays no role`);
  return { tcp, kind, roles };
}

function roleName(role: string): string {
  return role === "dataOwner" ? "data owner" : role === "modelOwner" ? "model owner" : role;
}

/** What party `id` is in `d`, e.g. `computing party` or `dealer` or `computing party, model owner`. */
export function describeRole(d: Deployment, id: PartyId): string {
  const out: string[] = [];
  if (BACKENDS[d.kind].computing.includes(id)) out.push("computing party");
  for (const [role, p] of Object.entries(d.roles)) if (p === id) out.push(roleName(role));
  return out.join(", ") || "no role";
}
