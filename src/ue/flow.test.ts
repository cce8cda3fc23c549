import { test } from 'node:test';
import assert from 'node:assert/strict';
import { androidPacketWarnings, MAX_CHALLENGES, startFlow, step, ueTransitions, type UeFlowEvent, type UeFlowState, type UePhase } from './flow.js';
import type { ClientProfile } from './request.js';

const profile: ClientProfile = {
  url: 'http://127.0.0.1:1/',
  terminal: { id: 'T1', vendor: 'Omni', model: 'Sim', swVersion: '1', osVersion: '14' },
  apps: ['ap2004'],
  entitlementVersion: '2.0',
  vers: '0',
  post: false,
  accept: 'xml',
};
const cfg = { profile, imsi: '001010000000001', eapId: '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org', tokenReauth: true };
const RELAY = 'application/vnd.gsma.eap-relay.v1.0+json';
const relay = (bytes: number[]): UeFlowEvent => ({
  type: 'http',
  status: 200,
  contentType: RELAY,
  body: JSON.stringify({ 'eap-relay-packet': Buffer.from(bytes).toString('base64') }),
});
const challenge = relay([1, 7, 0, 8, 23, 1, 0, 0]);
const docXml = (token: boolean): UeFlowEvent => ({
  type: 'http',
  status: 200,
  contentType: 'text/vnd.wap.connectivity-xml',
  body: `<?xml version="1.0"?><wap-provisioningdoc version="1.1"><characteristic type="VERS"><parm name="version" value="3"/></characteristic>${
    token ? '<characteristic type="TOKEN"><parm name="token" value="tok"/><parm name="validity" value="60"/></characteristic>' : ''
  }<characteristic type="APPLICATION"><parm name="AppID" value="ap2004"/><parm name="EntitlementStatus" value="1"/></characteristic></wap-provisioningdoc>`,
});
const usimSend: UeFlowEvent = { type: 'usim_send', packet: Buffer.from([2, 7, 0, 8, 23, 1, 0, 0]), note: 'challenge answered' };

function run(events: UeFlowEvent[]): { state: UeFlowState; phases: UePhase[]; actions: ReturnType<typeof step>['actions'] } {
  let state = startFlow(cfg);
  const phases: UePhase[] = [];
  const actions: ReturnType<typeof step>['actions'] = [];
  for (const e of events) {
    const r = step(state, e);
    state = r.state;
    phases.push(state.phase);
    actions.push(...r.actions);
  }
  return { state, phases, actions };
}

test('full exchange: challenge, response, document with token, token re-auth', () => {
  const first = { ...challenge, setCookie: ['S="abc"; Max-Age=30', 'lb=1'] } as UeFlowEvent;
  const { state, phases, actions } = run([{ type: 'start' }, first, usimSend, docXml(true), docXml(false)]);
  assert.deepEqual(phases, ['eap_start_sent', 'usim', 'eap_response_sent', 'token_sent', 'done']);
  const reqs = actions.filter((a) => a.type === 'request').map((a) => (a.type === 'request' ? a.request : null)!);
  assert.deepEqual(reqs.map((r) => r.purpose), ['eap_start', 'eap_response', 'token_auth']);
  // Cookies of the first response, quotes stripped, one line each.
  assert.deepEqual(reqs[1]!.headers.filter(([k]) => k === 'Cookie').map(([, v]) => v), ['S=abc', 'lb=1']);
  assert.equal(new URL(reqs[2]!.url).searchParams.get('token'), 'tok');
  assert.equal(state.challenges, 1);
  assert.equal(state.reauthDocument?.vers?.version, '3');
  assert.equal(actions.at(-1)?.type, 'done');
});

test('a later Set-Cookie is ignored (Android keeps the first response\'s cookies)', () => {
  const first = { ...challenge, setCookie: ['S=first'] } as UeFlowEvent;
  const second = { ...challenge, setCookie: ['S=rotated'] } as UeFlowEvent;
  const { actions } = run([{ type: 'start' }, first, usimSend, second, usimSend]);
  const posts = actions.filter((a) => a.type === 'request' && a.request.purpose === 'eap_response');
  assert.equal(posts.length, 2);
  for (const p of posts) if (p.type === 'request') assert.deepEqual(p.request.headers.filter(([k]) => k === 'Cookie'), [['Cookie', 'S=first']]);
});

test('resync rounds: at most 1 + 3 EAP requests, then the flow gives up', () => {
  const events: UeFlowEvent[] = [{ type: 'start' }];
  for (let i = 0; i < MAX_CHALLENGES; i++) events.push(challenge, usimSend);
  events.push(challenge);
  const { state } = run(events);
  assert.equal(state.phase, 'failed');
  assert.match(state.reason!, /more than 4/);
});

test('EAP-Success in the relay body is an error; EAP-Failure and 403 give reasons', () => {
  const succ = run([{ type: 'start' }, challenge, usimSend, relay([3, 7, 0, 4])]);
  assert.equal(succ.state.phase, 'failed');
  assert.match(succ.state.reason!, /EAP-Success/);
  const failure = run([{ type: 'start' }, challenge, usimSend, relay([4, 7, 0, 4])]);
  assert.match(failure.state.reason!, /EAP-Failure after the UE sent challenge answered/);
  const forbidden = run([{ type: 'start' }, challenge, usimSend, { type: 'http', status: 403, body: '' }]);
  assert.match(forbidden.state.reason!, /^HTTP 403 authentication rejected/);
  const gone = run([{ type: 'start' }, { type: 'http', status: 511, body: 'Network authentication required' }]);
  assert.match(gone.state.reason!, /^HTTP 511 .*: Network authentication required$/);
  const net = run([{ type: 'start' }, { type: 'transport_error', message: 'ECONNREFUSED' }]);
  assert.match(net.state.reason!, /ECONNREFUSED/);
  // The kind decides the exit code: rejected 3, unreachable 69, error 1.
  assert.deepEqual([succ, failure, forbidden, gone, net].map((r) => r.state.failure), ['error', 'rejected', 'rejected', 'rejected', 'unreachable']);
  assert.equal(run([{ type: 'start' }, { type: 'http', status: 503, body: '' }]).state.failure, 'unreachable');
  assert.equal(run([{ type: 'start' }, { type: 'http', status: 500, body: '' }]).state.failure, 'error');
});

test('no token in the document: done without re-auth; a server without EAP is noted', () => {
  const a = run([{ type: 'start' }, challenge, usimSend, docXml(false)]);
  assert.equal(a.state.phase, 'done');
  const b = run([{ type: 'start' }, docXml(false)]);
  assert.equal(b.state.phase, 'done');
  assert.match(b.state.warnings.join(), /without EAP-AKA/);
});

test('every declared transition is reachable and every undeclared event is refused', () => {
  const phases: UePhase[] = ['idle', 'eap_start_sent', 'usim', 'eap_response_sent', 'token_sent', 'done', 'failed'];
  const samples: Record<UeFlowEvent['type'], UeFlowEvent> = {
    start: { type: 'start' },
    http: challenge,
    transport_error: { type: 'transport_error', message: 'x' },
    usim_send: usimSend,
    usim_failure: { type: 'usim_failure', reason: 'bad packet' },
  };
  for (const phase of phases) {
    for (const ev of Object.values(samples)) {
      const declared = ueTransitions.find((t) => t.from === phase && t.event === ev.type);
      const state: UeFlowState = { ...startFlow(cfg), phase };
      if (!declared) {
        assert.throws(() => step(state, ev), /not allowed/, `${phase} + ${ev.type}`);
      } else {
        const r = step(state, ev);
        assert.ok(declared.to.includes(r.state.phase), `${phase} + ${ev.type} → ${r.state.phase}`);
      }
    }
  }
});

test('Android-compat warnings: a first packet other than AKA-Challenge, a zero-length attribute', () => {
  assert.deepEqual(androidPacketWarnings(Buffer.from([1, 1, 0, 8, 23, 1, 0, 0]), true), []);
  assert.match(androidPacketWarnings(Buffer.from([1, 1, 0, 12, 23, 5, 0, 0, 10, 1, 0, 0]), true).join(), /not an EAP-AKA AKA-Challenge/);
  assert.match(androidPacketWarnings(Buffer.from([1, 1, 0, 8, 50, 1, 0, 0]), true).join(), /AKA'/);
  assert.deepEqual(androidPacketWarnings(Buffer.from([1, 1, 0, 8, 50, 1, 0, 0]), false), []);
  assert.match(androidPacketWarnings(Buffer.from([1, 1, 0, 16, 23, 1, 0, 0, 1, 1, 0, 0, 135, 0, 0, 0]), true).join(), /zero-length attribute 135 at offset 12/);
  const { state } = run([{ type: 'start' }, relay([1, 1, 0, 12, 23, 5, 0, 0, 10, 1, 0, 0])]);
  assert.equal(state.phase, 'usim');
  assert.match(state.warnings.join(), /not an EAP-AKA AKA-Challenge/);
});
