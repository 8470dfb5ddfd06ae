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

/** The `@secp/*` packages and npm packages that `entry`'s module graph reaches. */
async function graphOf(entry: string): Promise<{ members: Set<string>; npm: Set<string> }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("../", import.meta.url).pathname,
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const members = new Set<string>(), npm = new Set<string>();
  for (const m of info.modules as { specifier: string }[]) {
    const s = m.specifier;
    const member = s.match(/\/packages\/([a-z]+)\//)?.[1];
    if (member) members.add(member + (s.includes("/baselines/") ? "/baselines" : ""));
    const pkg = s.match(/^npm:\/?(@?[^@/]+(?:\/[^@/]+)?)@/)?.[1];
    if (pkg) npm.add(pkg);
  }
  return { members, npm };
}

Deno.test("package graph: acyclic, models without tfjs, baselines or transport", async () => {
  // Each member's main entry, and which members it may reach (the README's dependency column).
  const allowed: Record<string, string[]> = {
    field: ["field"],
    transport: ["transport"],
    sharing: ["sharing", "field", "transport"],
    protocols: ["protocols", "sharing", "field", "transport"],
    fot: ["fot"],
    transformer: ["transformer", "protocols", "sharing", "field", "transport", "fot"],
  };
  for (const [member, ok] of Object.entries(allowed)) {
    const { members } = await graphOf(`packages/${member}/mod.ts`);
    for (const m of members) {
      assert.ok(ok.includes(m.split("/")[0]), `${member} reaches ${m}`);
      if (member !== "transformer") assert.ok(!m.endsWith("/baselines"));
    }
  }
  const models = await graphOf("packages/transformer/mod.ts");
  assert.ok(!models.members.has("transformer/baselines"), "the models pull the baselines");
  assert.ok(![...models.npm].some((p) => p.startsWith("@tensorflow/")), "the models pull tfjs");
  const oracle = await graphOf("packages/transformer/oracle/mod.ts");
  assert.ok(![...oracle.npm].some((p) => p.startsWith("@tensorflow/")), "the oracle pulls tfjs");
  const adapt = await graphOf("packages/transformer/adapt/mod.ts");
  assert.ok([...adapt.npm].some((p) => p.startsWith("@tensorflow/")), "the trainer uses tfjs");
  // No file of the model package talks to the network itself: the runtime does.
  for await (const f of walkTs(new URL("../packages/transformer/", import.meta.url))) {
    assert.ok(!(await Deno.readTextFile(f)).includes("@secp/transport"), `${f} imports transport`);
  }
});

async function* walkTs(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* walkTs(u);
    else if (e.name.endsWith(".ts")) yield u;
  }
}

Deno.test("every task that runs the MPC starts Deno with the allocator settings", async () => {
  // glibc returns freed blocks over 128 kB to the OS, so every fresh ring tensor page-faults again
  // (≈ 7 µs per page on this VM kind); these keep freed memory for reuse (README "Memory").
  const env = "MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 " +
    "MALLOC_TOP_PAD_=268435456 deno ";
  const root = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for (const task of ["tune", "bench", "adapt", "predict", "compare", "party", "cluster"]) {
    assert.ok(root.tasks[task].startsWith(env + "run "), `task ${task}: ${root.tasks[task]}`);
  }
  assert.ok(root.tasks.test.includes(`&& ${env}test -A`), `task test: ${root.tasks.test}`);
});
