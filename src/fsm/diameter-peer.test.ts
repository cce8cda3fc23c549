import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PEER_TRANSITIONS, initialPeerState, step, peerStatusWord, type PeerEvent, type PeerState, type PeerStateName } from './diameter-peer.js';

const ALL_EVENTS: PeerEvent[] = [
  { type: 'start' }, { type: 'conn_ack' }, { type: 'conn_nack' }, { type: 'r_conn' },
  { type: 'rcv_cer', accept: true, resultCode: 2001 }, { type: 'rcv_cer', accept: false, resultCode: 5010 },
  { type: 'rcv_cea', ok: true }, { type: 'rcv_cea', ok: false }, { type: 'rcv_dwr' }, { type: 'rcv_dwa' },
  { type: 'rcv_dpr' }, { type: 'rcv_dpa' }, { type: 'rcv_message' }, { type: 'watchdog' }, { type: 'timeout' },
  { type: 'stop', cause: 0 }, { type: 'peer_disc' },
];
const STATES = Object.keys(PEER_TRANSITIONS) as PeerStateName[];
const at = (name: PeerStateName, extra: Partial<PeerState> = {}): PeerState => ({ ...initialPeerState(), name, ...extra });
const types = (r: ReturnType<typeof step>) => r.actions.map((a) => a.type);

test('every declared (state, event) pair runs; every undeclared one is refused and changes nothing', () => {
  let declared = 0;
  let refused = 0;
  for (const s of STATES) {
    for (const e of ALL_EVENTS) {
      const before = at(s);
      const r = step(before, e);
      const isDeclared = (PEER_TRANSITIONS[s] as Record<string, unknown>)[e.type] !== undefined;
      if (isDeclared) {
        declared++;
        assert.ok(!types(r).includes('refused'), `${s} + ${e.type}`);
        assert.ok(STATES.includes(r.state.name));
      } else {
        refused++;
        assert.deepEqual(r.actions, [{ type: 'refused', state: s, event: e.type }]);
        assert.equal(r.state, before);
      }
    }
  }
  assert.ok(declared > 30 && refused > 30, `${declared} declared, ${refused} refused`);
});

test('initiator: Closed → Wait-Conn-Ack → Wait-I-CEA → Open (CER sent, watchdog started)', () => {
  let r = step(initialPeerState(), { type: 'start' });
  assert.equal(r.state.name, 'Wait-Conn-Ack');
  assert.deepEqual(types(r), ['connect']);
  r = step(r.state, { type: 'conn_ack' });
  assert.equal(r.state.name, 'Wait-I-CEA');
  assert.deepEqual(types(r), ['send_cer', 'start_timer']);
  r = step(r.state, { type: 'rcv_cea', ok: true });
  assert.equal(r.state.name, 'Open');
  assert.deepEqual(types(r), ['stop_timers', 'opened', 'start_watchdog']);
  assert.equal(step(at('Wait-I-CEA'), { type: 'rcv_cea', ok: false }).state.name, 'Closed');
});

test('responder: a bad CER is answered then closed; a good one opens', () => {
  const bad = step(at('Wait-CER'), { type: 'rcv_cer', accept: false, resultCode: 5010 });
  assert.equal(bad.state.name, 'Closed');
  assert.deepEqual(bad.actions[0], { type: 'send_cea', resultCode: 5010 });
  assert.ok(types(bad).includes('disconnect'));
  const good = step(at('Wait-CER'), { type: 'rcv_cer', accept: true, resultCode: 2001 });
  assert.equal(good.state.name, 'Open');
  assert.ok(types(good).includes('send_cea'));
});

test('RFC 3539 watchdog: Tw → DWR; Tw again → SUSPECT + failover; third Tw → down; traffic heals SUSPECT', () => {
  let r = step(at('Open'), { type: 'watchdog' });
  assert.deepEqual(types(r), ['send_dwr', 'start_watchdog']);
  assert.equal(r.state.dwrOutstanding, true);
  r = step(r.state, { type: 'watchdog' });
  assert.deepEqual(types(r), ['failover', 'start_watchdog']);
  assert.equal(r.state.suspect, true);
  const healed = step(r.state, { type: 'rcv_dwa' });
  assert.equal(healed.state.suspect, false);
  assert.equal(healed.state.dwrOutstanding, false);
  r = step(r.state, { type: 'watchdog' });
  assert.equal(r.state.name, 'Closed');
  assert.ok(types(r).includes('disconnect'));
});

test('DPR/DPA: stop sends DPR and waits; DPA or timeout closes; a peer DPR is answered with DPA', () => {
  const s = step(at('Open'), { type: 'stop', cause: 0 });
  assert.equal(s.state.name, 'Closing');
  assert.deepEqual(s.actions.find((a) => a.type === 'send_dpr'), { type: 'send_dpr', cause: 0 });
  assert.equal(step(s.state, { type: 'rcv_dpa' }).state.name, 'Closed');
  assert.equal(step(s.state, { type: 'timeout' }).state.name, 'Closed');
  assert.ok(types(step(s.state, { type: 'rcv_message' })).includes('process'), 'answers still arrive while closing');
  const p = step(at('Open'), { type: 'rcv_dpr' });
  assert.equal(p.state.name, 'Closed');
  assert.equal(p.actions[0]!.type, 'send_dpa');
  const lost = step(at('Open'), { type: 'peer_disc' });
  assert.ok(types(lost).includes('failover'), 'pending requests move when the link drops');
});

test('status words of ADMIN-API.md', () => {
  assert.equal(peerStatusWord('Open'), 'Connected');
  assert.equal(peerStatusWord('Wait-I-CEA'), 'Connecting');
  assert.equal(peerStatusWord('Closed'), 'Disconnected');
  assert.equal(peerStatusWord('Closing'), 'Closed');
});
