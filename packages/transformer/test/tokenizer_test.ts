import assert from "node:assert/strict";
import { Tokenizer as ReferenceTokenizer } from "@tensorflow-models/universal-sentence-encoder";
import { readUseVocab, useLiteAssetPaths } from "../use_lite/assets.ts";
import { normalizeForUse, UseTokenizer } from "../use_lite/tokenizer.ts";
import { seededRng } from "../common/rng.ts";
import { loadUciSentiment } from "@secp/fot";

const vocab = await readUseVocab(useLiteAssetPaths().vocab);
const ours = new UseTokenizer(vocab);
// deno-lint-ignore no-explicit-any
const reference = new ReferenceTokenizer(vocab as any);

const EDGE_CASES = [
  "",
  " ",
  "   leading and trailing   ",
  "a  b   c",
  "Hello\tworld\nnew line\r\n",
  "ﬁne café naïve coöperate e\u0301",
  "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
  "日本語のテキストです。",
  "emoji 😀😀 test 👍🏽 ok 🇫🇷",
  ":) :( :-) ): http://example.com/a?b=c",
  "don't can't won't — “quotes” ‘single’ … «guillemets»",
  "ALL CAPS SHOUTING!!!???",
  "1234567890 3.14159 $100 50% #hashtag @user",
  "”5 ”5”5",
  "\u2581already marked \u2581\u2581",
  "zero\u200bwidth\u200djoiner\ufeffbom",
  "Ελληνικά кириллица עברית العربية",
  "\u0000\u0001 control \u007f",
  "x".repeat(300),
  "The the THE tHe",
];

Deno.test("tokenizer: identical ids to @tensorflow-models/universal-sentence-encoder on all fixtures", async () => {
  let n = 0;
  for (const set of ["imdb", "yelp", "amazon"] as const) {
    for (const { text } of await loadUciSentiment(set)) {
      assert.deepEqual(ours.encode(text), reference.encode(text), text);
      n++;
    }
  }
  assert.equal(n, 3000);
});

Deno.test("tokenizer: identical ids on unicode, whitespace, unknown and long inputs", async () => {
  const rows = await loadUciSentiment("imdb");
  const long = rows.slice(0, 40).map((r) => r.text).join(" ");
  for (const text of [...EDGE_CASES, long]) {
    assert.deepEqual(ours.encode(text), reference.encode(text), JSON.stringify(text));
  }
  assert.ok(ours.encode(long).length > 300);
});

Deno.test("tokenizer: identical ids on 2000 random strings mixing vocab pieces and odd characters", () => {
  const rng = seededRng("tokenizer-fuzz");
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.uniform() * xs.length)];
  const odd = [" ", "  ", "\t", "é", "😀", "日", "\u0301", ":", "-", "’", "ﬁ", "\u2581", "5", "”"];
  for (let i = 0; i < 2000; i++) {
    let text = "";
    const parts = 1 + Math.floor(rng.uniform() * 12);
    for (let p = 0; p < parts; p++) {
      const r = rng.uniform();
      if (r < 0.6) text += pick(vocab)[0].replaceAll("\u2581", " ");
      else if (r < 0.85) text += pick(odd);
      else text += String.fromCodePoint(0x20 + Math.floor(rng.uniform() * 0x2fff));
    }
    assert.deepEqual(ours.encode(text), reference.encode(text), JSON.stringify(text));
  }
});

Deno.test("tokenizer: ids are raw embedding rows with no start/end tokens", () => {
  assert.deepEqual(ours.encode(""), []);
  assert.equal(normalizeForUse("a b"), "\u2581a\u2581b");
  const ids = ours.encode("the movie");
  assert.deepEqual(ids.map((i) => vocab[i][0]), ["\u2581the", "\u2581movie"]);
  assert.ok(!ids.includes(1) && !ids.includes(2), "no <s> / </s>");
  // Unknown characters become id 0 and runs of them merge into one.
  const unk = ours.encode("日本語");
  assert.ok(unk.includes(0));
  assert.ok(!unk.some((id, i) => id === 0 && unk[i + 1] === 0));
  assert.equal(ours.decode(ids), "the movie");
});
