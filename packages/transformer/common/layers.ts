/**
 * Layers shared by the model families under MPC: a dense layer with a fixed-operand weight, and
 * ℓ2 normalisation.
 *
 * @module
 */
import { l2Normalize } from "@secp/protocols";
import type { FixedOperand, SecretBackend, Shared } from "@secp/sharing";

/** A dense layer: fixed-operand weight (mask opened once) and shared bias. */
export interface SecureDense {
  /** Weight `[in, out]`, prepared for repeated products. */
  readonly w: FixedOperand;
  /** Bias `[out]`. */
  readonly b: Shared;
}

/** `x @ W + b` over the last axis. */
export async function denseForward(be: SecretBackend, x: Shared, d: SecureDense): Promise<Shared> {
  const rows = x.size / x.shape.at(-1)!;
  const y = await be.matmulFixed(be.reshape(x, [rows, x.shape.at(-1)!]), d.w);
  const out = be.reshape(y, [...x.shape.slice(0, -1), d.w.value.shape[1]]);
  return be.add(out, be.broadcastTo(d.b, out.shape));
}

/**
 * x / √(Σx² + eps) over the last axis. The sum of squares of tanh outputs lies in (0, width];
 * rsqrt's normalised method covers [2^−16, 2^16).
 */
export function l2normalize(be: SecretBackend, x: Shared, eps: number): Promise<Shared> {
  return l2Normalize(be, x, { eps });
}
