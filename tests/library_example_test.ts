/**
 * The oracle README's library example runs as written: a prompt tuned under 2PC with only the
 * packages (nothing from apps/), in at most 25 lines.
 */
import assert from "node:assert/strict";

const readme = new URL("../packages/transformer/oracle/README.md", import.meta.url);

Deno.test("oracle README: the library example tunes a prompt under 2pc in ≤ 25 lines without apps/", async () => {
  const text = await Deno.readTextFile(readme);
  const block = text.split("## Tune a prompt under MPC")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(block, "the README has the example");
  const lines = block.trim().split("\n");
  assert.ok(lines.length <= 25, `${lines.length} lines`);
  assert.ok(!/apps\//.test(block), "imports nothing from apps/");
  const dir = new URL("../", import.meta.url).pathname;
  const file = `${dir}.example_${crypto.randomUUID()}.ts`;
  await Deno.writeTextFile(file, block);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "--frozen", "--v8-flags=--no-maglev", file],
      cwd: dir,
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const m = stdout.match(/test accuracy ([\d.]+), (\d+) B sent/);
    assert.ok(m, stdout);
    assert.ok(Number(m[2]) > 0, "the 2pc oracle reports the bytes it sent");
  } finally {
    await Deno.remove(file);
  }
});
