/**
 * The entry of a party's Worker thread (see workers.ts): it receives its ports to every peer, its
 * pairwise seeds and where to find its job setup, then serves the session exactly as a deployed
 * party does (`serveLinked`), and posts `done` or the error that ended it.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Ledger, PortChannel } from "@secp/transport";
import { SessionChannel } from "./channel.ts";
import { serveLinked, type SessionLink } from "./remote.ts";
import { makeBackend } from "./start.ts";
import type { JobSetup } from "./job.ts";
import { loadExport } from "./run_workers.ts";
import type { WorkerInit, WorkerReply } from "./workers.ts";

const reply = (m: WorkerReply) => self.postMessage(m);

self.onmessage = async (ev: MessageEvent<WorkerInit>) => {
  self.onmessage = null;
  const init = ev.data;
  try {
    const ledger = new Ledger();
    const sc = new SessionChannel(
      new PortChannel(init.self, new Map(init.ports), { ledger, timeoutMs: init.timeoutMs }),
    );
    const seeds = new Map(init.seeds);
    const link: SessionLink = {
      sc,
      kind: init.kind,
      roles: init.roles,
      backend: (o) =>
        makeBackend(init.kind, sc, init.roles, seeds, { ...o, insecureSeed: init.insecureSeed }),
    };
    const make = await loadExport<(args: unknown) => JobSetup | Promise<JobSetup>>(init.setup);
    const served = await serveLinked(link, ledger, {
      setup: await make(init.setup.args),
      insecureSeed: init.insecureSeed,
    });
    reply({ t: "done", commands: served.commands });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    reply({
      t: "error",
      message: message.startsWith("party ") ? message : `party ${init.self}: ${message}`,
    });
  }
};
