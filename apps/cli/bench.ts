/**
 * `deno task bench <suite>`: runs one benchmark suite and prints JSON lines (see each suite).
 * Suites: field, sharing, protocols, model.
 */
import { parseArgs } from "node:util";

const suites: Record<string, () => Promise<unknown>> = {
  field: async () => (await import("./bench_field.ts")).benchField({}),
  model: async () => (await import("./bench_model.ts")).benchModel(),
  protocols: async () => (await import("@secp/protocols")).benchProtocols({}),
  sharing: async () => (await import("./bench_sharing.ts")).benchSharing(),
};

if (import.meta.main) {
  const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true, strict: true });
  const name = positionals[0];
  if (!name || !(name in suites)) {
    console.error(
      `bench: unknown suite ${JSON.stringify(name ?? "")}; choose one of: ${
        Object.keys(suites).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  await suites[name]();
}
