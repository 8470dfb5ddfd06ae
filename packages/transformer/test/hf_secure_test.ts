import assert from "node:assert/strict";
import { FloatTensor } from "@secp/field";
import { type BackendKind, runLocal } from "@secp/sharing";
import {
  cosine,
  type HfBatchSpec,
  hfEvaluatePrompts,
  hfForward,
  hfForwardSecure,
  hfMlmLogits,
  hfPrepareBatch,
  loadHfCheckpoint,
  shareHfModel,
  writeTinyHfCheckpoint,
} from "../mod.ts";

const texts = ["I love this movie, it was wonderful.", "boring plot", "what a great film!"];

async function tinyCheckpoint(modelType: "bert" | "roberta") {
  const dir = await Deno.makeTempDir({ prefix: `hf_sec_${modelType}_` });
  try {
    await writeTinyHfCheckpoint(dir, { modelType, seed: 21 });
    return await loadHfCheckpoint(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (
  const [kind, modelType] of [["plain", "bert"], ["2pc", "roberta"], ["3pc", "bert"]] as [
    BackendKind,
    "bert" | "roberta",
  ][]
) {
  Deno.test(`hf secure forward on ${kind} (${modelType}, with a prompt) = float64 reference within 1e-3`, async () => {
    const { weights: w, tokenizer } = await tinyCheckpoint(modelType);
    const d = w.config.hiddenSize;
    const ids = texts.map((t) => tokenizer!.encode(t));
    const lengths = ids.map((r) => r.length);
    const layout = { batch: ids.length, seq: Math.max(...lengths), lengths };
    const prompt = new Float64Array(2 * d).map((_, i) => Math.sin(i) * 0.3);
    const { results, roles } = await runLocal(kind, async (be) => {
      const model = await shareHfModel(be, w.config, be.is("modelOwner") ? w : undefined);
      const dO = be.is("dataOwner");
      return await hfForwardSecure(be, model, layout, dO ? { ids } : undefined, {
        prompt: { length: 2, rows: dO ? new FloatTensor(prompt, [2, d]) : undefined },
        reveal: "both",
      });
    }, { insecureSeed: `hf-secure-${kind}` }); // fixed seed: tests only
    for (const [party, r] of results) if (party !== roles.dataOwner) assert.equal(r, undefined);
    const got = results.get(roles.dataOwner)!;
    // The function the protocols compute, in float64 (GELU by geluAccurate's polynomial, exp by
    // the limit with 8 squarings): what remains is fixed-point error.
    const approx = hfForward(w, ids, { prompt, gelu: "accurate", expIters: 8 });
    const exact = hfForward(w, ids, { prompt });
    const S = layout.seq + 2;
    let errPooled = 0, errHidden = 0, errExact = 0;
    ids.forEach((_, b) => {
      for (let j = 0; j < d; j++) {
        errPooled = Math.max(
          errPooled,
          Math.abs(got.pooled!.data[b * d + j] - approx.pooled[b][j]),
        );
        errExact = Math.max(errExact, Math.abs(got.pooled!.data[b * d + j] - exact.pooled[b][j]));
      }
      for (let r = 0; r < approx.lengths[b]; r++) {
        for (let j = 0; j < d; j++) {
          const v = got.hidden!.data[(b * S + r) * d + j];
          errHidden = Math.max(errHidden, Math.abs(v - approx.hidden[b][r * d + j]));
        }
      }
    });
    assert.ok(errPooled <= 1e-3, `pooled max |Δ| ${errPooled}`);
    assert.ok(errHidden <= 1e-3, `hidden max |Δ| ${errHidden}`);
    // Against the exact-erf model the protocols' approximations add their own error (GELU
    // ≤ 3e-4 per GELU, exp with 8 squarings in softmax).
    assert.ok(errExact <= 1e-2, `pooled vs exact model ${errExact}`);
    console.log(
      `${kind}: pooled ${errPooled.toExponential(2)}, hidden ${
        errHidden.toExponential(2)
      }, vs exact ${errExact.toExponential(2)}`,
    );
  });
}

for (
  const [kind, head, modelType] of [
    ["2pc", "mlm", "roberta"],
    ["3pc", "cosine", "roberta"],
    ["3pc", "mlm", "bert"],
  ] as const
) {
  Deno.test(`hf prompt evaluation on ${kind} (${modelType}, ${head} head): P prompts × T texts = reference`, async () => {
    const { weights: w, tokenizer } = await tinyCheckpoint(modelType);
    const tok = tokenizer!;
    const d = w.config.hiddenSize, P = 2, L = 2;
    const mk = modelType === "bert" ? "[MASK]" : "<mask>";
    const textIds = [`good film . it was ${mk} .`, `boring plot . it was ${mk} .`]
      .map((t) => tok.encode(t));
    const labelIds = ["it was great", "it was terrible"].map((t) => tok.encode(t));
    const verbalizer = ["great", "terrible"].map((x) => tok.tokenToId(x)!);
    const maskAt = textIds.map((r) => r.indexOf(tok.special.mask!));
    const textLengths = textIds.map((r) => r.length);
    const spec: HfBatchSpec = {
      texts: 2,
      textSeq: Math.max(...textLengths),
      textLengths,
      head: head === "mlm" ? { kind: "mlm", maskAt, verbalizer } : {
        kind: "cosine",
        labelSeq: Math.max(...labelIds.map((r) => r.length)),
        labelLengths: labelIds.map((r) => r.length),
      },
    };
    const prompts = new Float64Array(P * L * d).map((_, i) => Math.sin(0.7 * i) * 0.3);
    const { results, roles } = await runLocal(kind, async (be) => {
      const model = await shareHfModel(be, w.config, be.is("modelOwner") ? w : undefined, {
        mlmHead: head === "mlm",
      });
      const dO = be.is("dataOwner");
      const state = await hfPrepareBatch(be, model, spec, dO ? { textIds, labelIds } : undefined);
      return await hfEvaluatePrompts(
        be,
        model,
        state,
        [P, L],
        dO ? new FloatTensor(prompts, [P, L, d]) : undefined,
      );
    }, { insecureSeed: `hf-steps-${kind}` }); // fixed seed: tests only
    const got = results.get(roles.dataOwner)!;
    assert.deepEqual(got.shape, [P * 2, 2]);
    // Max |Δ| of the revealed logits against the float64 model with the given GELU/exp forms.
    const maxErr = (gelu: "accurate" | "erf", expIters?: number) => {
      const labels = hfForward(w, labelIds, { gelu, expIters }).pooled;
      let err = 0;
      for (let p = 0; p < P; p++) {
        const prompt = prompts.subarray(p * L * d, (p + 1) * L * d);
        const ref = hfForward(w, textIds, { prompt, gelu, expIters });
        textIds.forEach((_, t) => {
          const want = head === "mlm"
            ? hfMlmLogits(
              w,
              ref.hidden[t].subarray((maskAt[t] + L) * d, (maskAt[t] + L + 1) * d),
              verbalizer,
              gelu,
            )
            : labels.map((l) => cosine(ref.pooled[t], l));
          want.forEach((
            v,
            c,
          ) => (err = Math.max(err, Math.abs(v - got.data[(p * 2 + t) * 2 + c]))));
        });
      }
      return err;
    };
    // The function the protocols compute: only fixed-point error remains.
    const err = maxErr("accurate", 8);
    assert.ok(err <= 1e-3, `logits max |Δ| ${err}`);
    // The true model (exact erf GELU, Math.exp): the protocols' approximations add theirs.
    const errExact = maxErr("erf");
    assert.ok(errExact <= 1e-2, `logits vs the exact-erf model: max |Δ| ${errExact}`);
    console.log(
      `${kind} ${modelType} ${head}: logits ${err.toExponential(2)}, vs exact erf ${
        errExact.toExponential(2)
      }`,
    );
  });
}
