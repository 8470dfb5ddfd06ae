/**
 * Who is who in a run: the default party ids and roles of each backend (from the registry) and
 * the pairwise PRG seeds of an in-process run.
 *
 * @module
 */
import type { PartyId } from "@secp/transport";
import type { BackendKind } from "../backend.ts";
import type { Roles } from "../networked.ts";
import { insecureTestSeed, randomSeed } from "../prg.ts";
import { backendInfo } from "../registry.ts";

/** Party ids and roles used for in-process runs of each backend (the registry's topology). */
export function localTopology(kind: BackendKind): { parties: PartyId[]; roles: Roles } {
  const t = backendInfo(kind).topology;
  return { parties: [...t.parties], roles: { ...t.roles } };
}

/**
 * Pairwise seeds for all parties (identical on both sides of each pair): from the CSPRNG, or,
 * **in tests only**, recomputable from `insecureSeed`.
 */
export function pairwiseSeeds(
  parties: readonly PartyId[],
  insecureSeed?: string,
): Map<PartyId, Map<PartyId, Uint8Array>> {
  const out = new Map(parties.map((p) => [p, new Map<PartyId, Uint8Array>()]));
  for (const i of parties) {
    for (const j of parties) {
      if (i >= j) continue;
      const s = insecureSeed === undefined
        ? randomSeed()
        : insecureTestSeed(`${insecureSeed}/${i}-${j}`);
      out.get(i)!.set(j, s);
      out.get(j)!.set(i, s);
    }
  }
  return out;
}
