/**
 * `deno task bench net [--prompts P] [--texts T] [--prompt-len L] [--frames N]`: one 2pc secure
 * forward of the default model (the npm USE-lite, softmax attention) on a small batch — P soft
 * prompts of L rows on T short texts, P·T sequences (default 2 × 2) — with all parties in this
 * process over in-memory links, then with every party but the data owner in its own process
 * (`deno task party`) over authenticated loopback TCP. One JSON line per mode: time from session
 * start to the first logits (weight sharing, batch preparation, a first forward) and the wall time
 * of a second forward, its bytes sent by the busiest party, offline bytes, dependent rounds and
 * modelled LAN/WAN time (measured compute + network model); then one line for the fuzz test (hostile
 * frames against a listening party process) with its frame count and outcome.
 */
import { parseArgs } from "../args.ts";
import { FloatTensor } from "@secp/field";
import { LAN, type Ledger, modelTime, WAN } from "@secp/transport";
// The hostile-frame harness is a test helper of the transport package, not its public API.
import { fuzzChildTarget } from "../../../packages/transport/test/fuzz.ts";
import { LocalSession, RemoteSession, type SecureSession } from "@secp/sharing/run";
import { type BatchInputs, type BatchSpec, promptFromTokenIds } from "@secp/transformer";
import { announceModel, loadModelFor, partySetup, useLiteSetup } from "@secp/transformer/oracle";
import { makeDeploymentConfig, partyArgs } from "../deploy/config.ts";

const TEXTS = [
  "I love this movie, it was wonderful.",
  "Terrible acting and a boring plot.",
  "A quiet, moving story with great performances.",
  "The worst film I have seen this year.",
];

/** One measured forward: what the data owner saw, costs from the session's global ledger. */
async function measure(
  session: SecureSession<BatchSpec, BatchInputs>,
  spec: BatchSpec,
  inputs: { textIds: number[][]; labelIds: number[][] },
  prompts: FloatTensor,
  started: number,
) {
  const id = await session.prepare(spec, inputs);
  await session.evaluate(id, prompts); // warm-up (JIT); in one process also the weight sharing
  const firstS = (performance.now() - started) / 1000;
  const before = session.ledger.snapshot();
  const t = performance.now();
  const logits = await session.evaluate(id, prompts);
  const ms = performance.now() - t;
  const d: Ledger = session.ledger.since(before);
  const s = d.summary();
  return {
    logits,
    row: {
      start_to_first_logits_s: firstS,
      forward_s: ms / 1000,
      bytes_sent: s.maxBytesSent.online,
      bytes_total: s.total.online.bytes,
      offline_bytes: s.total.offline.bytes,
      rounds: s.rounds.online,
      messages: s.total.online.messages,
      lan_s: modelTime(d, LAN, ms / 1000),
      wan_s: modelTime(d, WAN, ms / 1000),
      lan_network_s: modelTime(d, LAN),
      wan_network_s: modelTime(d, WAN),
    },
    // what travelled where (depths aside: the TCP session's seed exchange adds an offline round)
    traffic: d.entries().map((e) =>
      `${e.from}>${e.to} ${e.phase} ${e.path} ${e.messages} ${e.bytes}`
    )
      .sort().join("\n"),
  };
}

/** Runs the suite; prints JSON lines. */
export async function benchNet(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      prompts: { type: "string" },
      texts: { type: "string" },
      "prompt-len": { type: "string" },
      frames: { type: "string" },
    },
  });
  const P = Number(values.prompts ?? 2), T = Number(values.texts ?? 2);
  const L = Number(values["prompt-len"] ?? 4);
  const frames = Number(values.frames ?? 10_000);
  if (!(T >= 1 && T <= TEXTS.length && P >= 1 && L >= 1)) {
    throw new Error(
      `bench net: need 1 ≤ --texts ≤ ${TEXTS.length}, --prompts ≥ 1, --prompt-len ≥ 1`,
    );
  }
  const flags = { attention: "softmax", cos: "exact", features: 64 } as const;
  const model = await loadModelFor(flags.attention, flags.features, flags.cos);
  const { weights, tokenizer } = model;
  const textIds = TEXTS.slice(0, T).map((t) => tokenizer.encode(t));
  const labelIds = ["It was terrible.", "It was great."].map((t) => tokenizer.encode(t));
  const seq = (ids: number[][]) => Math.max(...ids.map((r) => r.length));
  const spec: BatchSpec = {
    texts: T,
    textSeq: seq(textIds),
    textLengths: textIds.map((r) => r.length),
    classes: 2,
    labelSeq: seq(labelIds),
    labelLengths: labelIds.map((r) => r.length),
  };
  const E = weights.config.embedDim;
  const init = tokenizer.encode("the following movie review");
  const prompts = new FloatTensor(new Float64Array(P * L * E), [P, L, E]);
  for (let p = 0; p < P; p++) {
    const ids = Array.from({ length: L }, (_, i) => init[(i + p) % init.length]);
    prompts.data.set(promptFromTokenIds(weights, ids), p * L * E);
  }
  const batch = {
    model: "USE-lite (npm), softmax attention",
    sequences: P * T,
    prompts: P,
    prompt_len: L,
    texts: T,
    text_tokens: spec.textLengths,
  };

  // All parties in this process.
  const t = performance.now();
  const local = await LocalSession.start<BatchSpec, BatchInputs>({
    kind: "2pc",
    setup: useLiteSetup(model),
    announce: announceModel(flags),
  });
  const m1 = await measure(local, spec, { textIds, labelIds }, prompts, t);
  await local.close();
  console.log(JSON.stringify({
    suite: "net",
    mode: "in-memory (one process)",
    backend: "2pc",
    ...batch,
    ...m1.row,
  }));

  // Every party but the data owner in its own process, loopback TCP.
  const dir = await Deno.makeTempDir();
  const probe = Array.from({ length: 5 }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = probe.map((l) => (l.addr as Deno.NetAddr).port);
  probe.forEach((l) => l.close());
  const config = makeDeploymentConfig({ kind: "2pc", basePort: 1, connectTimeoutMs: 120_000 });
  (config.parties as { port: number }[]).forEach((p, i) => (p.port = ports[i]));
  const path = `${dir}/parties.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  const children = [0, 1, 2, 4].map((id) =>
    new Deno.Command(Deno.execPath(), {
      args: partyArgs(path, id, ["--quiet"]),
      stdout: "inherit",
      stderr: "inherit",
    }).spawn()
  );
  try {
    const t = performance.now();
    const remote = await RemoteSession.connect<BatchSpec, BatchInputs>({
      config,
      setup: partySetup,
      announce: announceModel(flags),
    });
    const m2 = await measure(remote, spec, { textIds, labelIds }, prompts, t);
    await remote.close();
    const codes = await Promise.all(children.map((c) => c.status.then((s) => s.code)));
    let maxDiff = 0;
    m2.logits.data.forEach((
      v,
      i,
    ) => (maxDiff = Math.max(maxDiff, Math.abs(v - m1.logits.data[i]))));
    console.log(JSON.stringify({
      suite: "net",
      mode: "TCP between processes (loopback, AES-256-GCM per frame)",
      backend: "2pc",
      ...batch,
      ...m2.row,
      same_traffic_as_in_memory: m2.traffic === m1.traffic,
      max_abs_cos_diff_vs_in_memory: maxDiff,
      party_exit_codes: codes,
    }));
  } finally {
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch {
        // exited
      }
    }
    await Promise.all(children.map((c) => c.status));
    await Deno.remove(dir, { recursive: true });
  }

  // Hostile input against a listening party.
  const run = await fuzzChildTarget({ frames });
  const a = run.attacker, tr = run.target;
  const clean = a.hangs === 0 && a.errors.length === 0 && run.targetExit === 0 &&
    (tr?.unexpected.length ?? 1) === 0 && a.dropped === a.hostileFrames + a.handshakeAttacks;
  console.log(JSON.stringify({
    suite: "net",
    mode: "fuzz (hostile frames against a listening party process)",
    hostile_frames: a.hostileFrames,
    valid_frames_before_them: a.validFrames,
    handshake_attacks: a.handshakeAttacks,
    by_case: a.byCase,
    connections_dropped: a.dropped,
    hangs: a.hangs,
    target_exit_code: run.targetExit,
    target_rejections: { handshake: tr?.handshakeRejected, links: tr?.linksDropped },
    target_unexpected_errors: tr?.unexpected.length,
    target_rss_growth_mib: tr ? (tr.peakRss - tr.startRss) / 2 ** 20 : null,
    seconds: a.ms / 1000,
    outcome: clean
      ? "every hostile frame rejected and its connection dropped; the party stayed up"
      : "FAILED",
  }));
}
