/**
 * How the tune flags that shape the secure model travel to the other parties: the data owner
 * announces them (attention, cosine protocol, features) and each party builds the same
 * `ModelOps`; the model owner also loads the weights they need (the npm USE-lite, or the
 * RFA-adapted checkpoint).
 */
import type { PartySetup } from "@secp/transformer";
import type { TuneFlags } from "../flags.ts";
import { loadModelFor, secureOps } from "../oracles/ops.ts";

/** The part of the tune flags every party needs. */
export type OpsSpec = Pick<TuneFlags, "attention" | "cos" | "features">;

/** The announced part of `flags`. */
export function opsSpecOf(flags: OpsSpec): OpsSpec {
  return { attention: flags.attention, cos: flags.cos, features: flags.features };
}

/** Validates an announced spec (it comes over the network). */
export function parseOpsSpec(x: unknown): OpsSpec {
  const s = x as Partial<OpsSpec> | null;
  if (
    typeof s !== "object" || s === null ||
    (s.attention !== "softmax" && s.attention !== "rfa") ||
    (s.cos !== "exact" && s.cos !== "paper" && s.cos !== "iterative") ||
    typeof s.features !== "number" || !Number.isInteger(s.features) || s.features < 1
  ) {
    throw new Error(`bad protocol description from the data owner: ${JSON.stringify(x)}`);
  }
  return { attention: s.attention, cos: s.cos, features: s.features };
}

/** `serveParty`'s setup for the tune job: the same ops as the data owner, weights on the owner. */
export async function tunePartySetup(
  spec: unknown,
  role: { modelOwner: boolean },
): Promise<PartySetup> {
  const s = parseOpsSpec(spec);
  if (s.attention === "softmax" && !role.modelOwner) return { ops: secureOps(s) };
  const model = await loadModelFor(s.attention, s.features, s.cos);
  return {
    ops: s.attention === "softmax" ? model.ops : secureOps(s, model),
    weights: role.modelOwner ? model.weights : undefined,
  };
}
