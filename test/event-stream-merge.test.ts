/**
 * The live event stream with `sample` (what `omnisep monitor` asks for): session and token events arrive as each
 * object's net change per batch (daemon/events/bus.ts, daemon/http/admin/event-routes.ts). Real EAP-AKA
 * authentications through the TS.43 server, two readers on the control socket — one with `sample`, one without — and
 * the two compared: the sampled one is sent fewer session events, and both end with every session in the same state
 * (each authentication's session stays listed as completed, as the monitor's Sessions pane keeps it) and the same
 * one active token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startTestDaemon } from './daemon-helpers.js';
import { SIM1, TestVectorSource, runUe } from './ts43-harness.js';

interface Reader { events: Array<{ kind: string; change?: string; session?: { session_id: string; state: string }; token?: { token_id: string } }>; stop(): Promise<void> }

/** An NDJSON reader of GET /api/events?kinds=session,token[&sample=N], resolved once the daemon counts it subscribed. */
async function reader(d: Awaited<ReturnType<typeof startTestDaemon>>, agent: Agent, sample?: number): Promise<Reader> {
  const before = d.ctx.events.subscriberCount;
  const ac = new AbortController();
  const res = await request(`http://localhost/api/events?kinds=session,token${sample ? `&sample=${sample}` : ''}`, { dispatcher: agent, signal: ac.signal });
  assert.equal(res.statusCode, 200);
  const events: Reader['events'] = [];
  let buf = '';
  const done = (async () => {
    try {
      for await (const chunk of res.body) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      }
    } catch { /* aborted */ }
  })();
  for (const t0 = Date.now(); d.ctx.events.subscriberCount === before; ) {
    assert.ok(Date.now() - t0 < 30_000, 'the reader was never subscribed');
    await new Promise((r) => setTimeout(r, 5));
  }
  return { events, stop: async () => { ac.abort(); await done; } };
}

/** Each session's last state and the active tokens after applying `events` in order, as the monitor's panes keep them. */
function stateOf(events: Reader['events']): { sessions: string[]; active: string[] } {
  const sessions = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const e of events) {
    if (e.kind === 'session') e.change === 'deleted' ? sessions.delete(e.session!.session_id) : sessions.set(e.session!.session_id, e.session!.state);
    if (e.kind === 'token') tokens.set(e.token!.token_id, e.change!);
  }
  return { sessions: [...sessions].map(([id, st]) => `${id} ${st}`).sort(), active: [...tokens].filter(([, c]) => c === 'issued').map(([id]) => id) };
}

test('event stream with sample: session and token changes merged per batch, the same state in the end as every event gives', async () => {
  const vectors = new TestVectorSource([SIM1]);
  const d = await startTestDaemon(['eap_aka.backend=local'], { beforeListen: (ctx) => { ctx.services.backends.vectorSource = vectors; } });
  const agent = new Agent({ connect: { socketPath: d.socket } });
  const readers: Reader[] = [];
  try {
    const sampled = await reader(d, agent, 50);
    readers.push(sampled);
    const every = await reader(d, agent);
    readers.push(every);
    const N = 6;
    for (let i = 0; i < N; i++) {
      const ue = await runUe({ url: d.addresses.http.url, ...SIM1, apps: ['ap2004'] });
      assert.equal(ue.final.status, 200, ue.final.body);
    }
    // Each authentication: its session created and stepped to completed; a token issued (after the first, the last
    // one replaced).
    const count = (r: Reader, kind: string) => r.events.filter((e) => e.kind === kind).length;
    const completed = (r: Reader) => stateOf(r.events).sessions.filter((x) => x.endsWith(' completed')).length;
    for (const t0 = Date.now(); completed(every) < N || count(every, 'token') < 2 * N - 1; ) {
      assert.ok(Date.now() - t0 < 30_000, `the unsampled reader got ${count(every, 'session')} session and ${count(every, 'token')} token events`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const want = stateOf(every.events);
    assert.equal(want.sessions.length, N);
    assert.equal(want.active.length, 1, 'one token is active: each authentication replaced the last');
    // The sampled reader's last batch (100 ms) is out once its state has caught up.
    for (const t0 = Date.now(); JSON.stringify(stateOf(sampled.events)) !== JSON.stringify(want); ) {
      assert.ok(Date.now() - t0 < 30_000, `the sampled reader's state: ${JSON.stringify(stateOf(sampled.events))}, want ${JSON.stringify(want)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // A session's creation and its first step come within one request, so they always share a batch: merged.
    assert.ok(count(sampled, 'session') < count(every, 'session'), `sampled ${count(sampled, 'session')} session events against ${count(every, 'session')}`);
  } finally {
    await Promise.all(readers.map((r) => r.stop()));
    await agent.close();
    await d.stop();
  }
});
