/**
 * Answers that leave at the end of the event loop's turn (docs/performance.md § Nineteenth round): the lean path's
 * answers (lean.ts) are complete when a handler sends them, but their bytes go to the sockets together in the
 * check phase that follows the poll phase (`setImmediate`), one after the other, instead of each as soon as it is
 * ready with other requests' work in between.
 *
 * Why: on loopback — a load generator, or a reverse proxy on the same host — a socket write also runs the peer's
 * receive path and wakes the peer; a peer that went back to sleep between two of our writes is woken once per
 * answer, and that wake-up is charged to our write. Writes back to back find the peer awake. Measured with wrk
 * against the XCAP GET: the daemon's CPU per request 82–118 → 58 µs.
 *
 * An answer is never held past the turn in which it was sent, and the answers of one socket keep their order
 * (node's response queue). The status line and headers are built at `send` (res.writeHead, which writes nothing),
 * so a bad header still throws where the handler can answer the error.
 */
import type { ServerResponse } from 'node:http';

type Payload = string | Buffer | undefined;
/** Where an `end` that throws at the turn's end is reported (its handler has returned by then): the listener's log. */
export interface TurnEndLog { error(obj: object, msg?: string): void }

/** Told once the answer was handed to its socket (or found gone, or failed): the request metrics. */
type After = (() => void) | undefined;

let queue: Array<[ServerResponse, Payload, TurnEndLog, After]> = [];

function drain(): void {
  const q = queue;
  queue = [];
  for (const [res, payload, log, after] of q) endAtOnce(res, payload, log, after);
}

/** Ends `res` (its head already written with writeHead) with `payload` now, then calls `after`. */
export function endAtOnce(res: ServerResponse, payload: Payload, log: TurnEndLog, after?: () => void): void {
  // A connection closed in the meantime (the client gone, the listener closing): nothing to write.
  if (!res.destroyed) {
    try {
      if (payload === undefined) res.end();
      else res.end(payload);
    } catch (err) {
      log.error({ err }, 'http: an answer could not be written');
      res.destroy();
    }
  }
  // Counted as fastify's onResponse counts an answer: once, whether it was written or its connection had gone.
  after?.();
}

/** Ends `res` (its head already written with writeHead) with `payload` at the end of this turn, then calls `after`. */
export function endAtTurnEnd(res: ServerResponse, payload: Payload, log: TurnEndLog, after?: () => void): void {
  if (queue.length === 0) setImmediate(drain);
  queue.push([res, payload, log, after]);
}
