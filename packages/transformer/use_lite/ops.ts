/**
 * The nonlinear building blocks the secure encoder needs, as one swappable bundle, so the model
 * code stays the same whichever protocols (and attention variant) implement them.
 *
 * @module
 */
import type { FloatTensor } from "@secp/field";
import type { SecretBackend, Shared } from "@secp/sharing";
import type { UseLiteLayerConfig } from "./config.ts";

/** Nonlinear operations of the encoder. */
export interface ModelOps {
  /** LayerNorm over the last axis with shared affine parameters. */
  layerNorm(
    be: SecretBackend,
    x: Shared,
    gamma: Shared,
    beta: Shared,
    eps: number,
  ): Promise<Shared>;
  /** max(x, 0). */
  relu(be: SecretBackend, x: Shared): Promise<Shared>;
  /**
   * Multi-head attention of layer `layer` on `[B, H, S, dh]` q, k, v with a public `[B, S]` 0/1
   * key mask; returns `[B, H, S, dh]`.
   */
  attention(
    be: SecretBackend,
    q: Shared,
    k: Shared,
    v: Shared,
    mask: FloatTensor,
    layer: number,
    lc: UseLiteLayerConfig,
  ): Promise<Shared>;
  /** tanh. */
  tanh(be: SecretBackend, x: Shared): Promise<Shared>;
  /** x / max(‖x‖, √eps) over the last axis. */
  l2normalize(be: SecretBackend, x: Shared, eps: number): Promise<Shared>;
}

/**
 * ReLU from the backend's sign test: x − x·[x < 0]. With `bits` (e.g. 32 for |x| < 2^15 at f = 16)
 * the sign test runs on narrower lanes: about half the traffic.
 */
export async function reluByLtz(be: SecretBackend, x: Shared, bits = 64): Promise<Shared> {
  const s = await be.ltz(x, { bits });
  return be.sub(x, await be.mulNoTrunc(x, s));
}
