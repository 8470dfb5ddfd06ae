/** The secure nonlinear protocols the model uses, chosen by the tune flags (filled in with @secp/protocols). */
import type { ModelOps } from "@secp/transformer";
import type { TuneFlags } from "../flags.ts";

/** ModelOps for the flags' attention variant and cosine protocol. */
export function secureOps(_flags: TuneFlags): ModelOps {
  throw new Error("secure protocols are not wired yet");
}
