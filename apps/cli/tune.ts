/** `deno task tune`: SecP-Tuning end to end (not yet implemented; see issue 7). */
if (import.meta.main) {
  console.error("secp-tuning: `tune` is not implemented yet (the tuning loop lands with issue 7).");
  Deno.exit(2);
}
