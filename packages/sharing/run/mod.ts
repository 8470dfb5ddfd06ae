/**
 * @secp/sharing/run — the runtime that starts parties and serves a job on any backend: every
 * party in this process (`runLocal`, `LocalSession`; `runInWorkers` and `WorkerSession` put each
 * party in its own Worker thread, `runProgram` and `startSession` pick) or one process or host per party over
 * authenticated TCP (`RemoteSession` for the data owner, `serveParty` for everyone else). The
 * start-up sequence (topology, links, seeds, backend, close-all-on-failure) is written once
 * (start.ts, tcp.ts); a model family plugs in by implementing `Job` (job.ts).
 *
 * ```ts
 * import { LocalSession, type JobSetup } from "@secp/sharing/run";
 * import { FloatTensor } from "@secp/field";
 *
 * // A toy job: logits = prompt row sums times a secret weight the model owner holds.
 * const setup: JobSetup<{ n: number }, null> = (_announced, role) => ({
 *   publicModel: role.modelOwner ? { size: 1 } : undefined,
 *   job: () => ({
 *     share: async (be) => {
 *       const w = await be.input("modelOwner", role.modelOwner ? FloatTensor.from([2]) : undefined, [1]);
 *       return {
 *         parseSpec: (s) => s as { n: number },
 *         prepare: () => Promise.resolve(null),
 *         evaluate: async (_b, [P, L], prompts) => {
 *           const p = await be.input("dataOwner", prompts, [P, L, 1]);
 *           const y = await be.mul(be.reshape(p, [P * L]), be.broadcastTo(w, [P * L]));
 *           return await be.reveal(y, "dataOwner");
 *         },
 *       };
 *     },
 *   }),
 * });
 * const session = await LocalSession.start({ kind: "2pc", setup });
 * const batch = await session.prepare({ n: 1 }, null);
 * console.log((await session.evaluate(batch, new FloatTensor(new Float64Array([1, 2]), [2, 1, 1]))).data);
 * await session.close();
 * ```
 *
 * @module
 */
export { type LocalRun, type LocalRunOptions, plainBackend, runLocal } from "./local.ts";
export {
  allOrNothing,
  type BackendOptions,
  IN_PROCESS_TIMEOUT_MS,
  type LocalParties,
  type LocalPartiesOptions,
  makeBackend,
  startLocalParties,
} from "./start.ts";
export { localTopology, pairwiseSeeds } from "./topology.ts";
export {
  runInWorkers,
  runProgram,
  type WorkerProgram,
  type WorkerProgramRef,
} from "./run_workers.ts";
export {
  type ConnectedParty,
  connectParty,
  type ConnectPartyOptions,
  deriveSeeds,
  linkParty,
} from "./tcp.ts";
export type { Job, JobParty, JobRole, JobSetup, SharedModel } from "./job.ts";
export {
  type Command,
  CONTROL,
  DataOwnerSteps,
  decodeCommand,
  encodeCommand,
  partyLoop,
  type PartyLoopHooks,
} from "./control.ts";
export { LocalSession, type LocalSessionOptions, type SecureSession } from "./session.ts";
export {
  type InProcessSessionOptions,
  PARTIES_IN,
  type PartiesIn,
  startSession,
  WorkerSession,
  type WorkerSessionOptions,
  type WorkerSetupRef,
} from "./workers.ts";
export {
  type LinkedSessionOptions,
  RemoteSession,
  type RemoteSessionOptions,
  type ServedSession,
  serveLinked,
  serveParty,
  type ServePartyOptions,
  type SessionAnnouncement,
  type SessionLink,
  type StepTiming,
} from "./remote.ts";
export { type Deployment, describeRole, parseDeployment } from "./deployment.ts";
export { costSince, type StepCost } from "./cost.ts";
export { SessionChannel, type WatchableChannel } from "./channel.ts";
// The types this entry's API refers to.
export type * from "../mod.ts";
