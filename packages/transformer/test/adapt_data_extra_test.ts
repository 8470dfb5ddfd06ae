import assert from "node:assert/strict";
import { loadUseLite } from "../use_lite/assets.ts";
import { buildDistillationSets } from "../adapt/data.ts";
import { loadMobyDickChapters } from "../adapt/data_extra.ts";

Deno.test("data: Moby Dick chapters in order, split into a seeded sentence pool", async () => {
  const chapters = await loadMobyDickChapters();
  assert.equal(chapters[0].name, "chapter_1");
  assert.equal(chapters.at(-1)!.name, "epilogue");
  assert.ok(chapters[0].text.startsWith("Call me Ishmael."));
  const { tokenizer } = await loadUseLite();
  const some = chapters.slice(0, 5);
  const a = buildDistillationSets(some, tokenizer, { heldOut: 0 });
  const b = buildDistillationSets(some, tokenizer, { heldOut: 0 });
  assert.deepEqual(a.train.map((s) => s.text), b.train.map((s) => s.text));
  assert.ok(a.train.length > 100, `${a.train.length} sentences`);
  assert.ok(a.train.every((s) => s.ids.length >= 4 && s.ids.length <= 64));
  const ex = buildDistillationSets(some, tokenizer, {
    heldOut: 0,
    exclude: new Set([a.train[0].text]),
  });
  assert.equal(ex.excluded, 1);
});
