import assert from "node:assert/strict";

Deno.test("every workspace member has a name, version, license and exports", async () => {
  const root = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.ok(root.workspace.length >= 7);
  for (const member of root.workspace as string[]) {
    const cfg = JSON.parse(
      await Deno.readTextFile(new URL(`../${member}/deno.json`, import.meta.url)),
    );
    assert.match(cfg.name, /^@secp\//, `${member}: name`);
    assert.ok(cfg.version, `${member}: version`);
    assert.equal(cfg.license, "Apache-2.0", `${member}: license`);
    assert.ok(cfg.exports, `${member}: exports`);
  }
});
