/**
 * `GET /api/events`: the live NDJSON stream for `activity tail` and the TUI.
 * First line `hello`; then one DaemonEvent per line. The bus buffers per
 * client (bounded) and reports losses as `dropped`; a slow socket makes this
 * loop wait on 'drain', never the daemon. Ends cleanly on graceful stop.
 */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { Static } from '@sinclair/typebox';
import type { ActivityEvent, DaemonEventKind } from '../../../src/contracts/events.js';
import { recordJson } from '../../../src/contracts/activity.js';
import { VERSION_HEADER } from '../../../src/contracts/common.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute } from './route-kit.js';

const KINDS: readonly DaemonEventKind[] = ['activity', 'session', 'token', 'peer', 'rates', 'dropped', 'hello'];
const isKind = (s: string): s is DaemonEventKind => (KINDS as readonly string[]).includes(s);
const list = (s?: string) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** How long the stream gathers events after the first one before it writes them (sooner once half the buffer is full). */
export const GATHER_MS = 25;
/** Events buffered per reader before losses are counted (`dropped`). */
const BUFFER = 1000;

/** One serialisation per event, shared by every subscriber that receives it (exported for tests). */
const lines = new WeakMap<object, string>();
export function serialize(e: object): string {
  let line = lines.get(e);
  if (line === undefined) lines.set(e, (line = `${activityLine(e) ?? JSON.stringify(e)}\n`));
  return line;
}

/**
 * An activity event's line around its record's JSON text (`recordJson`, shared with the log driver that stored
 * it): the same bytes as JSON.stringify of the event ({kind, at, record} in that order), the record serialised once.
 */
function activityLine(e: object): string | undefined {
  const ev = e as Partial<Static<typeof ActivityEvent>>;
  if (ev.kind !== 'activity' || typeof ev.at !== 'string' || ev.record === undefined) return undefined;
  const keys = Object.keys(e);
  if (keys.length !== 3 || keys[0] !== 'kind' || keys[1] !== 'at' || keys[2] !== 'record') return undefined;
  return `{"kind":"activity","at":${JSON.stringify(ev.at)},"record":${recordJson(ev.record)}}`;
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
    // Each event is made its line as it is emitted (see Subscription): the buffer holds text, not records.
    const sub = ctx.events.subscribe({ imsi: q.imsi, kinds: filtered || kinds.length ? [...kinds, 'dropped'] : [], types }, { max: BUFFER, encode: serialize });
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
        await sub.gather(GATHER_MS, BUFFER / 2);
        const batch = sub.drain();
        if (!batch.length) continue;
        if (!res.write(batch.join(''))) await drained(res);
      }
    } finally {
      sub.close();
      if (!res.destroyed) res.end();
    }
  });
}
