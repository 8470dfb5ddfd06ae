/** The secure nonlinear protocols the model uses, chosen by the tune flags. */
import { type ModelOps, protocolOps } from "@secp/transformer";
import type { TuneFlags } from "../flags.ts";

/** ModelOps for the flags' attention variant and cosine protocol. */
export function secureOps(flags: Pick<TuneFlags, "attention" | "cos" | "features">): ModelOps {
  if (flags.attention === "softmax") return protocolOps({ kind: "softmax" });
  throw new Error(
    "--attention rfa needs the model owner's RFA-adapted checkpoint (deno task adapt), which is not available yet",
  );
}
