import assert from "node:assert/strict";

Deno.test("every package passes `deno publish --dry-run` (JSR readiness, offline)", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text.slice(-2000));
  for (const pkg of ["field", "transport", "sharing", "protocols", "transformer", "fot"]) {
    assert.match(text, new RegExp(`@secp/${pkg}`), `@secp/${pkg} was checked`);
  }
});
