/**
 * Fixture events for the monitor and `activity tail` tests: a small, fixed
 * story on the daemon's clock (2026-04-11T10:35:00Z onwards) touching every
 * event kind of src/contracts/events.ts.
 */
import type { ActivityRecord } from '../src/contracts/activity.js';
import type { PeerView } from '../src/contracts/diameter.js';
import type { DaemonEvent } from '../src/contracts/events.js';
import type { SessionView } from '../src/contracts/sessions.js';
import type { TokenView } from '../src/contracts/tokens.js';
import type { OdsaSubscriptionView } from '../src/contracts/odsa.js';
import type { PushBacklogView } from '../src/contracts/push.js';
import type { VvmAccount, VvmSms } from '../src/contracts/vvm.js';

export const T0 = Date.parse('2026-04-11T10:35:00.000Z');
export const at = (ms: number): string => new Date(T0 + ms).toISOString();

export function activity(n: number, over: Partial<ActivityRecord> = {}): ActivityRecord {
  return {
    id: `act-${String(n).padStart(4, '0')}`,
    timestamp: at(n * 100),
    request_type: 'entitlement_query',
    request_method: 'GET',
    request_path: '/',
    imsi: `00101000000000${n % 10}`,
    msisdn: null,
    terminal_id: 'terminal_001',
    terminal_vendor: 'Samsung',
    terminal_model: 'SM-S928B',
    terminal_sw_version: '1.0',
    client_ip: '127.0.0.1',
    user_agent: 'SEC TS.43/2.0',
    auth_method: 'EAP-AKA',
    response_status: 200,
    response_code: 1000,
    app_ids: ['ap2004'],
    request_headers: { 'user-agent': 'SEC TS.43/2.0' },
    request_body: null,
    response_body: null,
    response_summary: {},
    ...over,
  };
}

export const hello = (startedMsBefore = 3_723_000): DaemonEvent => ({
  kind: 'hello',
  at: at(0),
  version: '0.1.0',
  started_at: new Date(T0 - startedMsBefore).toISOString(),
});

export const activityEvent = (r: ActivityRecord): DaemonEvent => ({ kind: 'activity', at: r.timestamp, record: r });

export function session(id: string, imsi: string, state: SessionView['state'], createdMs: number): SessionView {
  return {
    session_id: id,
    imsi,
    state,
    created_at: T0 + createdMs,
    eap_id: state === 'pending' ? 0 : 2,
    aaa_session_id: state === 'pending' ? null : `aaa.epc;1;${id}`,
    completed_at: state === 'completed' ? T0 + createdMs + 900 : null,
    backend: 'swm',
  };
}

export function token(id: string, imsi: string, createdS: number): TokenView {
  const created = Math.floor(T0 / 1000) + createdS;
  return {
    token_id: id,
    imsi,
    created_at: created,
    expires_at: created + 86400,
    expires_in_seconds: 86400,
    validity: 86400,
    terminal_id: 'terminal_001',
    app_name: null,
    auth_method: 'EAP-AKA',
  };
}

export function peer(host: string, status: PeerView['status'], over: Partial<PeerView> = {}): PeerView {
  return {
    host,
    status,
    ip: '127.0.0.1',
    port: 3868,
    transport: 'tcp',
    connection_initiation: 'OmniSEP -> Peer',
    realm: 'epc.mnc001.mcc001.3gppnetwork.org',
    product_name: 'freeDiameter',
    application_ids: { auth: [16777264] },
    counters: { requests_sent: 12, answers_received: 12, requests_received: 3, answers_sent: 3, timeouts: 0, errors: 0 },
    last_dwa_at: at(-12_000),
    failed_answers: [],
    ...over,
  };
}

/** The story: hello, rates, five activity records (one 4xx, one 5xx), sessions, tokens, peers, a drop. */
export function storyEvents(): DaemonEvent[] {
  const ev: DaemonEvent[] = [hello()];
  for (let i = 0; i < 10; i++)
    ev.push({ kind: 'rates', at: at(i * 100), requests_per_second: [0, 2, 5, 9, 14, 20, 12, 7, 3, 4][i]!, errors_per_second: i === 7 ? 1 : 0, eap_success: 40 + i, eap_failure: 2 });
  ev.push(activityEvent(activity(1)));
  ev.push(activityEvent(activity(2, { request_type: 'eap_challenge', request_method: 'POST', app_ids: ['ap2004', 'ap2005'] })));
  ev.push(activityEvent(activity(3, { response_status: 403, response_code: 403, imsi: '001010123456789', auth_method: 'token' })));
  ev.push(activityEvent(activity(4, { request_type: 'xcap', request_method: 'PUT', request_path: '/xcap-root/simservs.ngn.etsi.org/users/sip:+15551234567@ims.example.com/simservs.xml', response_status: 500, response_code: 500, imsi: null, auth_method: 'digest', app_ids: [] })));
  ev.push(activityEvent(activity(5, { request_type: 'token_auth', imsi: '001010000000001' })));
  ev.push({ kind: 'session', at: at(110), change: 'created', session: session('sess-aaaa', '001010000000001', 'pending', 100) });
  ev.push({ kind: 'session', at: at(220), change: 'updated', session: session('sess-aaaa', '001010000000001', 'challenge_sent', 100) });
  ev.push({ kind: 'session', at: at(250), change: 'created', session: session('sess-bbbb', '001010000000002', 'failed', -65_000) });
  ev.push({ kind: 'session', at: at(260), change: 'created', session: session('sess-cccc', '001010000000003', 'completed', -3_600_000) });
  ev.push({ kind: 'token', at: at(300), change: 'issued', token: token('tok-1111', '001010000000003', -3600) });
  ev.push({ kind: 'token', at: at(310), change: 'issued', token: token('tok-2222', '001010000000001', 0) });
  ev.push({ kind: 'token', at: at(320), change: 'revoked', token: token('tok-3333', '001010000000002', -7200) });
  ev.push({ kind: 'peer', at: at(400), peer: peer('dra01.epc.mnc001.mcc001.3gppnetwork.org', 'Connected') });
  ev.push({ kind: 'peer', at: at(410), peer: peer('aaa.lab', 'Disconnected', { ip: null, port: null, last_dwa_at: null, counters: { requests_sent: 4, answers_received: 1, requests_received: 0, answers_sent: 0, timeouts: 3, errors: 1 } }) });
  ev.push({ kind: 'dropped', at: at(900), count: 7 });
  return ev;
}

export function vvmAccount(imsi: string, over: Partial<VvmAccount> = {}): VvmAccount {
  return {
    imsi,
    msisdn: '+15551230001',
    status: 'ready',
    language: '1',
    pin_set: true,
    client_type: 'vvm.android',
    protocol_version: '13',
    max_messages: null,
    storage_limit_kb: null,
    login_failures: 0,
    locked_until: null,
    created_at: at(-86_400_000),
    updated_at: at(-60_000),
    ...over,
  };
}

export function vvmSms(id: string, imsi: string, over: Partial<VvmSms> = {}): VvmSms {
  return {
    id,
    imsi,
    to: '+15551230001',
    type: 'sync',
    reason: 'ev=NM',
    state: 'pending',
    attempts: 2,
    created_at: at(-30_000),
    next_attempt_at: at(15_000),
    last_error: 'gateway answered 503',
    text: '//VVM:SYNC:ev=NM;id=1;c=1;t=v;s=+15551239999;dt=11/04/2026 10:34 +0000;l=12',
    ...over,
  };
}

export function odsaSub(imsi: string, device: string, over: Partial<OdsaSubscriptionView> = {}): OdsaSubscriptionView {
  return {
    id: `${imsi}.ap2006.${device}`,
    imsi,
    app: 'ap2006',
    device_id: device,
    state: 'active',
    service_status: 1,
    companion_service: 'SharedNumber',
    eid: '89049032000000000000000000001234',
    vendor: 'Acme',
    model: 'Watch 3',
    friendly_name: 'My watch',
    iccid: '8901000000000000001',
    smdp_address: 'smdp.example.com',
    transferred_from: null,
    created_at: at(-7_200_000),
    updated_at: at(-120_000),
    ...over,
  };
}

export function pushEntry(imsi: string, over: Partial<PushBacklogView> = {}): PushBacklogView {
  return {
    key: `${imsi}.0f3a`,
    imsi,
    reasons: ['entitlement'],
    apps: ['ap2004'],
    state: 'failed',
    attempts: 3,
    next_at: at(30_000),
    last_error: 'FCM answered 500',
    created_at: at(-90_000),
    updated_at: at(-10_000),
    ...over,
  };
}
