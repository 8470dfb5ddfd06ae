/**
 * Float64 reference of the RoBERTa layer's forward and analytic backward (exact GELU, exact
 * softmax), the oracle the secure backward is tested against; it is itself checked against
 * central finite differences in the tests.
 *
 * @module
 */
import { erf } from "@secp/protocols";
import type { RobertaLayerConfig, RobertaLayerWeights } from "../hf/layer.ts";

/** Exact GELU′(x) = Φ(x) + x·φ(x). */
export function geluGradExact(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2)) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
}

/** Exact GELU(x) = x·Φ(x). */
export function geluRef(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** C = A·B for row-major A [m, k], B [k, n] (optionally transposing A or B). */
export function mm(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
  ta = false,
  tb = false,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = ta ? a[p * m + i] : a[i * k + p];
      if (av === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += av * (tb ? b[j * k + p] : b[p * n + j]);
    }
  }
  return c;
}

/** LayerNorm forward per row (biased variance): y, x̂ and 1/σ per row. */
export function layerNormRef(
  x: Float64Array,
  rows: number,
  d: number,
  g: Float64Array,
  b: Float64Array,
  eps: number,
): { y: Float64Array; xhat: Float64Array; r: Float64Array } {
  const y = new Float64Array(rows * d), xhat = new Float64Array(rows * d);
  const r = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let mu = 0, v = 0;
    for (let j = 0; j < d; j++) mu += x[i * d + j] / d;
    for (let j = 0; j < d; j++) v += (x[i * d + j] - mu) ** 2 / d;
    r[i] = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < d; j++) {
      xhat[i * d + j] = (x[i * d + j] - mu) * r[i];
      y[i * d + j] = xhat[i * d + j] * g[j] + b[j];
    }
  }
  return { y, xhat, r };
}

/** LayerNorm backward: dx, dγ, dβ. */
export function layerNormBackRef(
  dy: Float64Array,
  xhat: Float64Array,
  r: Float64Array,
  g: Float64Array,
  rows: number,
  d: number,
): { dx: Float64Array; dg: Float64Array; db: Float64Array } {
  const dx = new Float64Array(rows * d), dg = new Float64Array(d), db = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    let a = 0, c = 0;
    for (let j = 0; j < d; j++) {
      const dxh = dy[i * d + j] * g[j];
      a += dxh / d;
      c += dxh * xhat[i * d + j] / d;
      dg[j] += dy[i * d + j] * xhat[i * d + j];
      db[j] += dy[i * d + j];
    }
    for (let j = 0; j < d; j++) {
      dx[i * d + j] = r[i] * (dy[i * d + j] * g[j] - a - xhat[i * d + j] * c);
    }
  }
  return { dx, dg, db };
}

/** Softmax attention on [BH, S, d] with scale: O and P. */
export function attentionRef(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  bh: number,
  S: number,
  d: number,
  scale: number,
): { o: Float64Array; p: Float64Array } {
  const o = new Float64Array(bh * S * d), p = new Float64Array(bh * S * S);
  for (let h = 0; h < bh; h++) {
    const off = h * S * d;
    for (let i = 0; i < S; i++) {
      let mx = -Infinity;
      const s = new Float64Array(S);
      for (let j = 0; j < S; j++) {
        let acc = 0;
        for (let c = 0; c < d; c++) acc += q[off + i * d + c] * k[off + j * d + c];
        s[j] = acc * scale;
        mx = Math.max(mx, s[j]);
      }
      let sum = 0;
      for (let j = 0; j < S; j++) sum += s[j] = Math.exp(s[j] - mx);
      for (let j = 0; j < S; j++) {
        const pj = s[j] / sum;
        p[h * S * S + i * S + j] = pj;
        for (let c = 0; c < d; c++) o[off + i * d + c] += pj * v[off + j * d + c];
      }
    }
  }
  return { o, p };
}

/** Softmax attention backward on [BH, S, d]: dq, dk, dv. */
export function attentionBackRef(
  dO: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  p: Float64Array,
  bh: number,
  S: number,
  d: number,
  scale: number,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const dq = new Float64Array(bh * S * d), dk = new Float64Array(bh * S * d);
  const dv = new Float64Array(bh * S * d);
  for (let h = 0; h < bh; h++) {
    const off = h * S * d, po = h * S * S;
    for (let i = 0; i < S; i++) {
      const dp = new Float64Array(S);
      let c = 0;
      for (let j = 0; j < S; j++) {
        for (let e = 0; e < d; e++) dp[j] += dO[off + i * d + e] * v[off + j * d + e];
        c += dp[j] * p[po + i * S + j];
      }
      for (let j = 0; j < S; j++) {
        const pij = p[po + i * S + j];
        const ds = pij * (dp[j] - c);
        for (let e = 0; e < d; e++) {
          dv[off + j * d + e] += pij * dO[off + i * d + e];
          dq[off + i * d + e] += ds * k[off + j * d + e] * scale;
          dk[off + j * d + e] += ds * q[off + i * d + e] * scale;
        }
      }
    }
  }
  return { dq, dk, dv };
}

/** [B, S, T, H, dh] rows (e.g. a fused qkv, T = 3) → T tensors [B·H, S, dh]. */
function splitHeads(qkv: Float64Array, B: number, S: number, H: number, dh: number, T = 3) {
  const out = Array.from({ length: T }, () => new Float64Array(B * H * S * dh));
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < H; h++) {
          for (let e = 0; e < dh; e++) {
            out[t][((b * H + h) * S + s) * dh + e] =
              qkv[(b * S + s) * T * H * dh + (t * H + h) * dh + e];
          }
        }
      }
    }
  }
  return out;
}

function mergeHeads(xs: Float64Array[], B: number, S: number, H: number, dh: number) {
  const T = xs.length;
  const out = new Float64Array(B * S * T * H * dh);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < H; h++) {
          for (let e = 0; e < dh; e++) {
            out[(b * S + s) * T * H * dh + (t * H + h) * dh + e] =
              xs[t][((b * H + h) * S + s) * dh + e];
          }
        }
      }
    }
  }
  return out;
}

function addBias(y: Float64Array, b: Float64Array): Float64Array {
  for (let i = 0; i < y.length; i++) y[i] += b[i % b.length];
  return y;
}

function colSum(x: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < x.length; i++) s[i % n] += x[i];
  return s;
}

/** Float64 gradients of the layer (same names as the weights). */
export type LayerGradsRef = Record<keyof RobertaLayerWeights, Float64Array>;

/**
 * Float64 forward of the layer on x [B·S, d] (no mask), and, given dy, the analytic backward:
 * dx and every parameter gradient.
 */
export function robertaLayerRef(
  w: RobertaLayerWeights,
  c: RobertaLayerConfig,
  x: Float64Array,
  B: number,
  S: number,
  dy?: Float64Array,
): { y: Float64Array; dx?: Float64Array; grads?: LayerGradsRef } {
  const d = c.hidden, H = c.heads, dh = d / H, N = B * S, F = c.ffn, eps = c.eps ?? 1e-5;
  const scale = 1 / Math.sqrt(dh);
  const qkv = addBias(mm(x, w.qkvW, N, d, 3 * d), w.qkvB);
  const [q, k, v] = splitHeads(qkv, B, S, H, dh);
  const att = attentionRef(q, k, v, B * H, S, dh, scale);
  const merged = mergeHeads([att.o], B, S, H, dh);
  const o = addBias(mm(merged, w.outW, N, d, d), w.outB);
  const z1 = x.map((xi, i) => xi + o[i]);
  const l1 = layerNormRef(z1, N, d, w.ln1G, w.ln1B, eps);
  const f1 = addBias(mm(l1.y, w.ffn1W, N, d, F), w.ffn1B);
  const g = f1.map(geluRef);
  const f2 = addBias(mm(g, w.ffn2W, N, F, d), w.ffn2B);
  const z2 = l1.y.map((hi, i) => hi + f2[i]);
  const l2 = layerNormRef(z2, N, d, w.ln2G, w.ln2B, eps);
  if (!dy) return { y: l2.y };
  const b2 = layerNormBackRef(dy, l2.xhat, l2.r, w.ln2G, N, d);
  const dg = mm(b2.dx, w.ffn2W, N, d, F, false, true);
  const dW2 = mm(g, b2.dx, F, N, d, true);
  const df1 = dg.map((gi, i) => gi * geluGradExact(f1[i]));
  const dh1a = mm(df1, w.ffn1W, N, F, d, false, true);
  const dW1 = mm(l1.y, df1, d, N, F, true);
  const dh1 = b2.dx.map((a, i) => a + dh1a[i]);
  const b1 = layerNormBackRef(dh1, l1.xhat, l1.r, w.ln1G, N, d);
  const dmerged = mm(b1.dx, w.outW, N, d, d, false, true);
  const dWo = mm(merged, b1.dx, d, N, d, true);
  const [dO] = splitHeads(dmerged, B, S, H, dh, 1);
  const ab = attentionBackRef(dO, q, k, v, att.p, B * H, S, dh, scale);
  const dqkv = mergeHeads([ab.dq, ab.dk, ab.dv], B, S, H, dh);
  const dxa = mm(dqkv, w.qkvW, N, 3 * d, d, false, true);
  const dWqkv = mm(x, dqkv, d, N, 3 * d, true);
  const dx = b1.dx.map((a, i) => a + dxa[i]);
  return {
    y: l2.y,
    dx,
    grads: {
      qkvW: dWqkv,
      qkvB: colSum(dqkv, 3 * d),
      outW: dWo,
      outB: colSum(b1.dx, d),
      ln1G: b1.dg,
      ln1B: b1.db,
      ffn1W: dW1,
      ffn1B: colSum(df1, F),
      ffn2W: dW2,
      ffn2B: colSum(b2.dx, d),
      ln2G: b2.dg,
      ln2B: b2.db,
    },
  };
}
