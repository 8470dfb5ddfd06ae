/**
 * A tiny random USE-lite-shaped model and a small batch for the multi-process session tests, and
 * helpers to write a deployment config on free loopback ports and run party processes.
 */
import { FloatTensor } from "@secp/field";
import { generateKeys } from "@secp/transport";
import type { JobSetup } from "@secp/sharing/run";
import {
  type BatchInputs,
  type BatchSpec,
  gaussianArray,
  makeUseLiteConfig,
  parseUseLitePublicModel,
  type PreparedState,
  protocolOps,
  randomUseLiteWeights,
  type SecureAttention,
  seededRng,
  useLiteJob,
  useLitePublicModel,
  type UseLiteWeights,
} from "@secp/transformer";

/** One layer, width 16: milliseconds per step under MPC. */
export function tinyWeights(): UseLiteWeights {
  const config = makeUseLiteConfig({
    vocabRows: 40,
    embedDim: 16,
    layers: [
      { modelDim: 16, heads: 2, headDim: 8, ffnDim: 32 },
    ],
    outputDim: 16,
  });
  return randomUseLiteWeights(config, "deploy-tests");
}

/**
 * Every party's side of the tiny model's job: the announced attention's protocols (the job
 * description is the `SecureAttention` itself), the weights on the model owner.
 */
export const tinySetup: JobSetup<BatchSpec, BatchInputs, PreparedState> = (announced, role) => {
  const w = tinyWeights();
  return {
    publicModel: role.modelOwner ? useLitePublicModel(w) : undefined,
    job: (pub) =>
      useLiteJob(
        parseUseLitePublicModel(pub),
        protocolOps(announced as SecureAttention),
        role.modelOwner ? w : undefined,
      ),
  };
};

/** Three texts, two label texts. */
export function tinyBatch(): { spec: BatchSpec; inputs: BatchInputs } {
  const textIds = [[3, 7, 9], [11, 2], [5, 6, 7]];
  const labelIds = [[20, 21], [30, 31]];
  return {
    spec: {
      texts: 3,
      textSeq: 3,
      textLengths: textIds.map((r) => r.length),
      classes: 2,
      labelSeq: 2,
      labelLengths: [2, 2],
    },
    inputs: { textIds, labelIds },
  };
}

/** `P` prompts of `L` rows, seeded. */
export function tinyPrompts(P: number, L: number, seed: string): FloatTensor {
  return new FloatTensor(gaussianArray(seededRng(seed), P * L * 16, 0.1), [P, L, 16]);
}

/** Ports that were free a moment ago. */
export function freePorts(n: number): number[] {
  const ls = Array.from({ length: n }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = ls.map((l) => (l.addr as Deno.NetAddr).port);
  ls.forEach((l) => l.close());
  return ports;
}

/** A deployment config of `kind` on loopback, parties 0..4 (3 is the data owner). */
export function loopbackDeployment(
  kind: "2pc" | "3pc",
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const ids = [0, 1, 2, 3, 4];
  const ports = freePorts(ids.length);
  return {
    kind,
    parties: ids.map((id, i) => ({ id, host: "127.0.0.1", port: ports[i] })),
    keys: generateKeys(ids),
    timeoutMs: 20_000,
    keepaliveMs: 2_000,
    ...extra,
  };
}

/** A running child process with its output collected. */
export interface Child {
  proc: Deno.ChildProcess;
  /** Resolves when it exits, with its code, output and when it exited (performance clock). */
  done: Promise<{ code: number; stdout: string; stderr: string; at: number }>;
}

/**
 * Spawns `deno run` of `script` with `args`, collecting stdout/stderr (and calling `onLine` for
 * each line of either: `tune` prints its progress to stderr).
 */
export function spawnDeno(
  script: string,
  args: string[],
  onLine?: (line: string) => void,
): Child {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--frozen", "--v8-flags=--no-maglev", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const text = async (s: ReadableStream<Uint8Array>, lines?: (l: string) => void) => {
    let out = "";
    let rest = "";
    for await (const c of s.pipeThrough(new TextDecoderStream())) {
      out += c;
      if (lines) {
        const parts = (rest + c).split("\n");
        rest = parts.pop()!;
        parts.forEach(lines);
      }
    }
    return out;
  };
  const done = (async () => {
    const [stdout, stderr, status] = await Promise.all([
      text(proc.stdout, onLine),
      text(proc.stderr, onLine),
      proc.status,
    ]);
    return { code: status.code, stdout, stderr, at: performance.now() };
  })();
  return { proc, done };
}

/** Kills `c` if it has not exited within `graceMs`, and waits for it. */
export async function reap(c: Child, graceMs = 0): Promise<void> {
  if (graceMs > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([c.done, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
  try {
    c.proc.kill("SIGKILL");
  } catch {
    // exited already
  }
  await c.done;
}

/** The tiny job's setup, as a Worker thread loads it (`WorkerSetupRef.name`). */
export function tinyWorkerSetup(): JobSetup<BatchSpec, BatchInputs, PreparedState> {
  return tinySetup;
}

/** A setup whose model owner fails to load its weights (failure tests). */
export function brokenWorkerSetup(): JobSetup<BatchSpec, BatchInputs, PreparedState> {
  return (announced, role) => {
    if (role.modelOwner) throw new Error("weights file missing (test)");
    return tinySetup(announced, role);
  };
}

/** A setup whose model owner fails in its second step (failure tests). */
export function failingStepWorkerSetup(): JobSetup<BatchSpec, BatchInputs, PreparedState> {
  return async (announced, role) => {
    const side = await tinySetup(announced, role);
    if (!role.modelOwner) return side;
    return {
      ...side,
      job: async (pub) => {
        const job = await side.job(pub);
        return {
          share: async (be) => {
            const model = await job.share(be);
            return {
              ...model,
              evaluate: () => Promise.reject(new Error("disk full while evaluating (test)")),
            };
          },
        };
      },
    };
  };
}
