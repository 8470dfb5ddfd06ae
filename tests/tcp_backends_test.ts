import assert from "node:assert/strict";
import { connectParty, localTopology, runLocal } from "@secp/sharing";
import { generateKeys, Ledger } from "@secp/transport";
import { backendProgram } from "./testdata/backend_program.ts";

const script = new URL("./testdata/tcp_party.ts", import.meta.url).pathname;

/** Ledger entries as comparable strings, without the per-session seed setup. */
function traffic(l: Ledger): string[] {
  return l.entries().filter((e) => !e.path.startsWith("setup"))
    .map((e) => `${e.from}>${e.to} ${e.phase} ${e.path} ${e.messages} ${e.bytes}`).sort();
}

for (const kind of ["2pc", "3pc"] as const) {
  Deno.test(`${kind} over TCP with party 0 in its own process equals the in-memory run`, async () => {
    const { parties } = localTopology(kind);
    const listeners = new Map(
      parties.filter((p) => p !== 0).map((
        p,
      ) => [p, Deno.listen({ hostname: "127.0.0.1", port: 0 })]),
    );
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const childPort = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const config = {
      parties: parties.map((id) => ({
        id,
        host: "127.0.0.1",
        port: id === 0 ? childPort : (listeners.get(id)!.addr as Deno.NetAddr).port,
      })),
      keys: generateKeys(parties),
      timeoutMs: 20_000,
    };
    const dir = await Deno.makeTempDir();
    const path = `${dir}/parties.json`;
    await Deno.writeTextFile(path, JSON.stringify(config));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "--v8-flags=--no-maglev", script, path, "0", kind],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = child.output();
    const ledger = new Ledger();
    try {
      const runs = [...listeners].map(async ([id, listener]) => {
        const { backend, channel } = await connectParty(kind, config, id, { ledger, listener });
        const r = await backendProgram(backend);
        await channel.close();
        return r;
      });
      const results = await Promise.all(runs);
      const o = await out;
      assert.ok(o.success, new TextDecoder().decode(o.stderr));
      const merged = ledger.snapshot().merge(
        Ledger.fromJSON(JSON.parse(new TextDecoder().decode(o.stdout))),
      );
      const local = await runLocal(kind, backendProgram);
      const got = results.find((r) => r !== undefined)!;
      const want = local.results.get(local.roles.dataOwner)!;
      got.forEach((row, i) =>
        row.forEach((v, j) =>
          assert.ok(
            Math.abs(v - want[i][j]) <= 4 * 2 ** -16,
            `output ${i}[${j}]: ${v} vs ${want[i][j]}`,
          )
        )
      );
      assert.deepEqual(
        traffic(merged),
        traffic(local.ledger),
        "same messages and bytes per link and op",
      );
      assert.equal(merged.rounds("online"), local.ledger.rounds("online"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
