/**
 * An outsider on the network, without any key: connects to a party's port during setup and sends
 * what an attacker can (a hello claiming a legitimate id, then a made-up key proof or silence,
 * or nothing at all). Loopback only; every wait is bounded.
 */

/** What the outsider does after connecting. */
export type OutsiderMove =
  | "bad-proof" // hello claiming `claim`, then a random 32-byte proof
  | "squat" // hello claiming `claim`, then silence (holding the socket open)
  | "silent"; // no byte at all

/** An open outsider connection; `close()` releases it. */
export interface Outsider {
  /** The first bytes the party answered (its reply to the hello), if any. */
  reply: Uint8Array;
  /** The verdict byte after a bad proof (4: key mismatch), if one came. */
  verdict?: number;
  /** Release the socket. */
  close(): void;
}

/** The handshake hello of `handshake.ts`: magic, claimed id, target id, 32 random bytes. */
export function hello(claim: number, target: number): Uint8Array {
  const h = new Uint8Array(48);
  h.set(new TextEncoder().encode("SECPTRv2"));
  const v = new DataView(h.buffer);
  v.setUint32(8, claim, true);
  v.setUint32(12, target, true);
  h.set(crypto.getRandomValues(new Uint8Array(32)), 16);
  return h;
}

/** Read exactly `n` bytes within `ms` (fewer if the party closes or the time is up). */
async function readUpTo(conn: Deno.Conn, n: number, ms: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch {
      // closed
    }
  }, ms);
  try {
    while (got < n) {
      const r = await conn.read(out.subarray(got));
      if (r === null) break;
      got += r;
    }
  } catch {
    // closed by the party or by the timer
  } finally {
    clearTimeout(timer);
  }
  return out.subarray(0, got);
}

/** Make `move` against the party `target` listening on 127.0.0.1:`port`, claiming id `claim`. */
export async function outsider(
  port: number,
  target: number,
  claim: number,
  move: OutsiderMove,
): Promise<Outsider> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const close = () => {
    try {
      conn.close();
    } catch {
      // closed
    }
  };
  if (move === "silent") return { reply: new Uint8Array(0), close };
  await conn.write(hello(claim, target));
  const reply = await readUpTo(conn, 77, 3000);
  if (move === "squat") return { reply, close };
  await conn.write(crypto.getRandomValues(new Uint8Array(32))).catch(() => 0);
  const v = await readUpTo(conn, 1, 3000);
  close();
  return { reply, verdict: v[0], close };
}
