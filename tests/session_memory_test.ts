import assert from "node:assert/strict";

Deno.test("session channel: received payloads are not retained after use (1000 MB through, < 200 MB held)", async () => {
  const script = new URL("./testdata/session_channel_memory.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const heldMb = Number(new TextDecoder().decode(out.stdout).trim());
  assert.ok(Number.isFinite(heldMb), stderr);
  assert.ok(heldMb < 200, `${heldMb} MB still held after receiving 1000 MB`);
});
