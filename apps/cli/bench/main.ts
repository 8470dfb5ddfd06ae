/**
 * `deno task bench <suite> [suite flags]`: runs one benchmark suite and prints JSON lines (see each
 * suite). Suites: adapt-step, field, sharing, prg, protocols, model, net, paper, truncation, tuning.
 * Flags after the suite name go to the suite.
 */

/** A suite takes the flags that follow its name. */
type Suite = (args: string[]) => Promise<unknown>;

const suites: Record<string, Suite> = {
  "adapt-step": async (args) => (await import("./adapt_step.ts")).benchAdaptStep(args),
  field: async () => (await import("./field.ts")).benchField({}),
  model: async (args) => (await import("./model.ts")).benchModelCli(args),
  net: async (args) => (await import("./net.ts")).benchNet(args),
  paper: async (args) => (await import("./paper.ts")).benchPaper(args),
  prg: async () => (await import("./prg.ts")).benchPrg(),
  protocols: async () => (await import("./protocols.ts")).benchProtocols({}),
  sharing: async () => (await import("./sharing.ts")).benchSharing(),
  truncation: async () => (await import("./truncation.ts")).benchTruncation(),
  tuning: async (args) => (await import("./tuning.ts")).benchTuning(args),
};

if (import.meta.main) {
  const [name, ...rest] = Deno.args;
  if (!name || !(name in suites)) {
    console.error(
      `bench: unknown suite ${JSON.stringify(name ?? "")}; choose one of: ${
        Object.keys(suites).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  await suites[name](rest);
}
