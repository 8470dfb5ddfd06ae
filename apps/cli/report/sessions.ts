/**
 * The account of every secure session of a tuning job. A job resumed after a failure runs in
 * several sessions; each one's traffic (ledger) and openings (reveal log) are saved to
 * `<out>/sessions/session-<k>.json` when it starts, after every generation and when it ends (done
 * or failed), so the final report covers the interrupted sessions too. If the data owner's own
 * process is killed, its last account is the one saved after its last completed generation.
 */
import { existsSync } from "node:fs";
import { writeJsonAtomic } from "@secp/fot";
import { RevealLog, type RevealLogJSON } from "@secp/sharing";
import { Ledger, type LedgerJSON } from "@secp/transport";

/** One session's saved account. */
export interface SessionAccount {
  /** 1 for the first session of the job, 2 for the first resume, ... */
  index: number;
  /** `running` (saved mid-session; the process ended without closing it), `done` or `failed`. */
  status: "running" | "done" | "failed";
  /** The failure, for `failed`. */
  error?: string;
  /** ISO time the session started. */
  started_at: string;
  /** Wall time from the session's start to its last save, in seconds. */
  wall_s: number;
  /** Generations completed before this session started. */
  generation_start: number;
  /** Generations completed when last saved. */
  generation_end: number;
  /** Every message of the session (all parties, as reported to the data owner). */
  ledger: LedgerJSON;
  /** Every opening of the session. */
  reveals: RevealLogJSON;
}

const dirOf = (out: string) => `${out}/sessions`;

/** Saved accounts of the job in `out`, by index. Throws naming the file on a malformed one. */
export async function loadSessions(out: string): Promise<SessionAccount[]> {
  const dir = dirOf(out);
  if (!existsSync(dir)) return [];
  const list: SessionAccount[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!/^session-\d+\.json$/.test(e.name)) continue;
    const file = `${dir}/${e.name}`;
    let a: SessionAccount;
    try {
      a = JSON.parse(await Deno.readTextFile(file));
      Ledger.fromJSON(a.ledger);
      RevealLog.fromJSON(a.reveals);
    } catch (err) {
      throw new Error(`${file}: not a session account (${(err as Error).message})`);
    }
    list.push(a);
  }
  return list.sort((a, b) => a.index - b.index);
}

/** Keeps one session's account on disk up to date (see the module doc). */
export class SessionRecorder {
  readonly #file: string;
  readonly #t0: number;
  readonly #account: Omit<SessionAccount, "ledger" | "reveals" | "wall_s">;

  private constructor(
    file: string,
    index: number,
    generationStart: number,
    readonly source: { ledger: Ledger; reveals: RevealLog },
    t0: number,
  ) {
    this.#file = file;
    this.#t0 = t0;
    this.#account = {
      index,
      status: "running",
      started_at: new Date().toISOString(),
      generation_start: generationStart,
      generation_end: generationStart,
    };
  }

  /**
   * Starts the account of a new session of the job in `out` (the next free index); `t0` is when
   * the session began (`performance.now()`, e.g. before its setup).
   */
  static async start(
    out: string,
    generationStart: number,
    source: { ledger: Ledger; reveals: RevealLog },
    t0 = performance.now(),
  ): Promise<SessionRecorder> {
    await Deno.mkdir(dirOf(out), { recursive: true });
    const index = (await loadSessions(out)).reduce((m, a) => Math.max(m, a.index), 0) + 1;
    const r = new SessionRecorder(
      `${dirOf(out)}/session-${index}.json`,
      index,
      generationStart,
      source,
      t0,
    );
    await r.save();
    return r;
  }

  /** This session's index in the job. */
  get index(): number {
    return this.#account.index;
  }

  /** Saves the account as it is now (`generationEnd`: generations completed so far). */
  async save(
    update: { generationEnd?: number; status?: SessionAccount["status"]; error?: string } = {},
  ): Promise<void> {
    if (update.generationEnd !== undefined) this.#account.generation_end = update.generationEnd;
    // A session that finished stays done even if writing the reports fails afterwards.
    if (update.status !== undefined && this.#account.status !== "done") {
      this.#account.status = update.status;
    }
    if (update.error !== undefined) this.#account.error = update.error;
    const account: SessionAccount = {
      ...this.#account,
      wall_s: (performance.now() - this.#t0) / 1000,
      ledger: this.source.ledger.toJSON(),
      reveals: this.source.reveals.toJSON(),
    };
    await writeJsonAtomic(this.#file, account);
  }
}

/** The job's whole traffic and openings: every session's merged. */
export function mergeSessions(list: SessionAccount[]): { ledger: Ledger; reveals: RevealLog } {
  const ledger = new Ledger(), reveals = new RevealLog();
  for (const a of list) {
    ledger.merge(Ledger.fromJSON(a.ledger));
    reveals.merge(RevealLog.fromJSON(a.reveals));
  }
  return { ledger, reveals };
}
