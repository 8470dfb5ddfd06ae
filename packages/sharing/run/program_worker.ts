/**
 * The entry of a party's Worker thread in {@link runInWorkers}: it builds the party's channel and
 * backend from its ports and pairwise seeds, runs the program it is told to load, and posts the
 * result with its ledger (or the error that ended it, naming the party).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Ledger, PortChannel } from "@secp/transport";
import { makeBackend } from "./start.ts";
import { loadProgram, type ProgramInit, type ProgramReply } from "./run_workers.ts";

const reply = (m: ProgramReply) => self.postMessage(m);

self.onmessage = async (ev: MessageEvent<ProgramInit>) => {
  self.onmessage = null;
  const init = ev.data;
  const ledger = new Ledger();
  const channel = new PortChannel(init.self, new Map(init.ports), {
    ledger,
    timeoutMs: init.timeoutMs,
  });
  try {
    const be = makeBackend(init.kind, channel, init.roles, new Map(init.seeds), init.opts);
    const program = await loadProgram(init.program);
    const result = await program(be, init.program.args);
    await channel.close();
    reply({ t: "done", result, ledger: ledger.toJSON() });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // The root cause is posted before the peers learn of it (their own errors follow it).
    reply({
      t: "error",
      message: message.startsWith("party ") ? message : `party ${init.self}: ${message}`,
    });
    await channel.abort(message).catch(() => {});
  }
};
