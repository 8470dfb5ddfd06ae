import assert from "node:assert/strict";
import { runKeys } from "../apps/cli/keys.ts";
import { parseDeployment } from "@secp/sharing/run";
import { loopbackDeployment, spawnDeno } from "./testdata/deploy_tiny.ts";

const clusterCli = new URL("../apps/cli/cluster.ts", import.meta.url).pathname;

Deno.test("keys: fresh pair keys, hosts and ports, per-party files, never overwrites", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/parties.json`;
    const args = ["--out", out, "--parties", "3", "--hosts", "a,b,c,d,e", "--port", "7000"];
    const written = await runKeys([...args, "--split"], () => {});
    assert.equal(written.length, 6);
    const text = await Deno.readTextFile(out);
    const dep = parseDeployment(text);
    assert.equal(dep.kind, "3pc");
    assert.deepEqual(dep.roles, { dataOwner: 3, modelOwner: 4 });
    assert.deepEqual(dep.tcp.parties.map((p) => `${p.id}@${p.host}:${p.port}`), [
      "0@a:7000",
      "1@b:7001",
      "2@c:7002",
      "3@d:7003",
      "4@e:7004",
    ]);
    const keys = Object.values(dep.tcp.keys);
    assert.equal(keys.length, 10);
    assert.equal(new Set(keys).size, 10, "a fresh key per pair");
    for (const k of keys) assert.match(k, /^[0-9a-f]{64}$/);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    for (let id = 0; id < 5; id++) {
      const own = parseDeployment(await Deno.readTextFile(`${dir}/parties.party${id}.json`));
      const names = Object.keys(own.tcp.keys);
      assert.equal(names.length, 4, `party ${id} holds only its own 4 pair keys`);
      for (const n of names) assert.ok(n.split("-").includes(`${id}`));
    }
    await assert.rejects(runKeys(args, () => {}), /already exists; refusing to overwrite/);
    assert.equal(await Deno.readTextFile(out), text, "the existing file is untouched");
    const other = `${dir}/other.json`;
    await runKeys(["--out", other, "--kind", "2pc"], () => {});
    const dep2 = parseDeployment(await Deno.readTextFile(other));
    assert.equal(dep2.roles.dealer, 2);
    assert.notDeepEqual(dep2.tcp.keys, dep.tcp.keys);
    await assert.rejects(runKeys(["--out", `${dir}/x.json`, "--parties", "4"]), /--parties/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cluster: runs every non-data-owner party with prefixed logs; fails if one fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // No data owner ever comes: every party gives up after the connect timeout.
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify(loopbackDeployment("2pc", { connectTimeoutMs: 1000 })),
    );
    const r = await spawnDeno(clusterCli, ["--config", path]).done;
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^cluster: started party 0 \(computing party\), party 1 .*party 4 \(model owner\)/m,
    );
    for (const id of [0, 1, 2, 4]) {
      assert.match(r.stdout, new RegExp(`^\\[party ${id}\\] party ${id} .*waiting for peers`, "m"));
      assert.match(
        r.stderr,
        new RegExp(`^\\[party ${id}\\] party ${id}: .*(within|did not connect)`, "m"),
      );
      assert.match(r.stderr, new RegExp(`^cluster: party ${id} exited with code 1$`, "m"));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
