/**
 * `GET /api/events`: the live NDJSON stream for `activity tail` and the TUI.
 * First line `hello`; then one DaemonEvent per line. The bus buffers per
 * client (bounded) and reports losses as `dropped`; a slow socket makes this
 * loop wait on 'drain', never the daemon. With `sample`, activity records past
 * that many a second are left out and counted as `sampled`, and session and
 * token events are sent as each object's net change per batch (the monitor
 * asks for it: docs/performance.md § Thirtieth and Thirty-second rounds; the
 * merging is the bus's, daemon/events/bus.ts). Ends cleanly on graceful stop.
 */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { Static } from '@sinclair/typebox';
import { isDaemonEventKind as isKind, storedRecordJson, type ActivityEvent, type DaemonEventKind } from '../../../src/contracts/events.js';
import { VERSION_HEADER } from '../../../src/contracts/common.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute } from './route-kit.js';

const list = (s?: string) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** How long the stream gathers events after the first one before it writes them (sooner once half the buffer is full). */
export const GATHER_MS = 25;
/**
 * The same for a reader that asked for a sample (a person's terminal: the monitor draws 2 frames a second by default,
 * at most 30): its session and token changes are merged per object over the batch (daemon/events/bus.ts), and over
 * 100 ms most of an EAP-AKA session's life (≈ 40 ms under load) and a one-SIM storm's token replacements fall in one
 * batch and are not sent at all (docs/performance.md § Thirty-second round).
 */
export const SAMPLED_GATHER_MS = 100;
/** Events buffered per reader before losses are counted (`dropped`). */
const BUFFER = 1000;

/**
 * One event on the wire: its NDJSON line as text, or, for an activity record whose JSON the log stored
 * (`storedRecordJson`), the line's head and that JSON apart (the line is head + body + `}\n`), written into the
 * batch's buffer one after the other instead of joined into a rope first.
 */
export type EventLine = string | { head: string; body: string };

/**
 * One encoding per event, shared by every subscriber that receives it: the bus encodes an event for each of its
 * subscribers one after the other, so the last event encoded is the only one worth remembering (a WeakMap of every
 * event cost more than the encoding it saved with one reader).
 */
let lastEvent: object | null = null;
let lastLine: EventLine = '';
export function encodeEvent(e: object): EventLine {
  if (e !== lastEvent) {
    lastLine = activityPieces(e) ?? `${JSON.stringify(e)}\n`;
    lastEvent = e;
  }
  return lastLine;
}

/** The event's NDJSON line as text (tests, and anything that wants one line). */
export function serialize(e: object): string {
  const l = encodeEvent(e);
  return typeof l === 'string' ? l : `${l.head}${l.body}}\n`;
}

/**
 * An activity event's line around its record's JSON (the same bytes as JSON.stringify of the event: {kind, at,
 * record} in that order), the record serialised once: the text the log stored when the event carries it (the
 * record as recorded), else serialised here (a memory log's, or an event built elsewhere).
 */
function activityPieces(e: object): EventLine | undefined {
  const ev = e as Partial<Static<typeof ActivityEvent>>;
  if (ev.kind !== 'activity' || typeof ev.at !== 'string' || ev.record === undefined) return undefined;
  const keys = Object.keys(e);
  if (keys.length !== 3 || keys[0] !== 'kind' || keys[1] !== 'at' || keys[2] !== 'record') return undefined;
  const head = `{"kind":"activity","at":${JSON.stringify(ev.at)},"record":`;
  const body = storedRecordJson(e);
  return body !== undefined ? { head, body } : `${head}${JSON.stringify(ev.record)}}\n`;
}

const CLOSE = 0x7d; // }
const NL = 0x0a;

/**
 * A batch of lines as one buffer sized up front, each piece encoded into it in turn (no joined string to flatten
 * and transcode again on the socket: docs/performance.md § Tenth round).
 */
export function batchBytes(batch: readonly EventLine[]): Buffer {
  let n = 0;
  for (const l of batch) n += typeof l === 'string' ? Buffer.byteLength(l) : Buffer.byteLength(l.head) + Buffer.byteLength(l.body) + 2;
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  for (const l of batch) {
    if (typeof l === 'string') { at += out.write(l, at, 'utf8'); continue; }
    at += out.write(l.head, at, 'utf8');
    at += out.write(l.body, at, 'utf8');
    out[at++] = CLOSE;
    out[at++] = NL;
  }
  return out;
}

/** Resolves when the socket can take more (or is gone); leaves no listener behind. */
function drained(res: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  defineRoute(app, R.events, async (req, reply) => {
    const q = req.query;
    const typeList = list(q.type);
    const asked = list(q.kinds);
    const kinds: DaemonEventKind[] = [...asked, ...typeList].filter(isKind);
    const types = typeList.filter((t) => !isKind(t));
    // Kinds asked for but none known: only `dropped` (no kind matches), never everything.
    const filtered = asked.length > 0 || kinds.length > 0;
    // An activity-type filter implies activity events (plus rates, so a tail can show liveness).
    if (types.length && !filtered) kinds.push('activity', 'dropped');
    // Each event is made its line as it is emitted (see Subscription): the buffer holds lines (text, or an activity
    // record's committed bytes behind a text head), not records.
    const sub = ctx.events.subscribe({ imsi: q.imsi, kinds: filtered || kinds.length ? [...kinds, 'dropped'] : [], types }, { max: BUFFER, encode: encodeEvent, sample: q.sample });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', [VERSION_HEADER]: ctx.version, 'x-request-id': String(req.id) });
    res.write(serialize({ kind: 'hello', at: new Date(ctx.clock.now()).toISOString(), version: ctx.version, started_at: ctx.startedAt.toISOString() }));
    req.raw.once('close', () => sub.close());
    res.once('close', () => sub.close());
    try {
      while (!sub.closed && !res.destroyed) {
        await sub.wait();
        // Let the events of the next few milliseconds gather, then send them as one write: at thousands of
        // events a second, one write (a syscall and a chunk header) per turn of the loop was most of what a
        // reader cost the daemon (docs/performance.md § Fifth round). A person cannot see the delay; the TUI
        // draws at most four frames a second. Half a buffer writes at once, so a burst is never dropped meanwhile.
        await sub.gather(q.sample ? SAMPLED_GATHER_MS : GATHER_MS, BUFFER / 2);
        const batch = sub.drain();
        if (!batch.length) continue;
        if (!res.write(batchBytes(batch))) await drained(res);
      }
    } finally {
      sub.close();
      if (!res.destroyed) res.end();
    }
  });
}
