import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeChalk } from './output.js';
import { renderActivityList, renderStatus } from './render.js';
import type { StatusResponse } from '../contracts/status.js';
import type { VvmAccountList, VvmSmsList } from '../contracts/vvm.js';
import { renderVvmAccounts, renderVvmSmsList } from './vvm-render.js';
import type { ActivityRecord } from '../contracts/activity.js';

const record = (id: string): ActivityRecord => ({
  id, timestamp: '2026-12-06T02:00:00.000Z', request_type: 'token_auth', request_method: 'GET', request_path: '/', imsi: '001010000000001',
  msisdn: null, terminal_id: 'T-1', terminal_vendor: null, terminal_model: null, terminal_sw_version: null, client_ip: '127.0.0.1',
  user_agent: null, auth_method: 'TOKEN', response_status: 200, response_code: 200, app_ids: ['ap2004'], request_headers: {},
  request_body: null, response_body: null, response_summary: {},
});

test('activity ls: a capped total reads as a lower bound ("10000+", pages "400+"); an exact one as it is', () => {
  const c = makeChalk(false);
  const capped = renderActivityList({ count: 1, total: 10_000, total_capped: true, page: 1, page_size: 25, activities: [record('a')] }, c);
  assert.match(capped, /1 of 10000\+ \(page 1\/400\+, 25 per page\)$/);
  const exact = renderActivityList({ count: 1, total: 26, page: 2, page_size: 25, activities: [record('b')] }, c);
  assert.match(exact, /1 of 26 \(page 2\/2, 25 per page\)$/);
  assert.equal(renderActivityList({ count: 0, total: 10_000, total_capped: true, page: 401, page_size: 25, activities: [] }, c), 'no activity records match (total 10000+)');
});

test('status: a count PostgreSQL estimated reads "≈ n"; exact ones as they are', () => {
  const status = (estimated?: string[]) => ({
    status: 'ok', application: 'OmniSEP', version: '0.0.0', uptime: '1m', uptime_seconds: 60, started_at: '2026-12-06T02:00:00.000Z', pid: 1,
    environment: 'production', memory: { rss_mb: 90, heap_total_mb: 40, heap_used_mb: 30, external_mb: 5 },
    storage: {
      driver: 'postgres', data_dir: null, location: 'postgres://omnisep@db/omnisep', schema_version: 3, writable: true,
      custom_entitlements: 12, xcap_profiles: 3, eap_aka_sessions: 40, active_tokens: 2_500_000, activity_records: 41_000_000,
      ...(estimated ? { estimated_counts: estimated } : {}),
    },
    sh: { backlog: 0, subscriptions: 3_000_000 },
    services: { http_port: 8080, eap_aka_enabled: true, eap_aka_backend: 'swm', xcap_enabled: true, vvm_enabled: false, aaa_enabled: false },
    listeners: {}, timestamp: '2026-12-06T02:01:00.000Z',
  }) as unknown as StatusResponse;
  const c = makeChalk(false);
  const est = renderStatus(status(['active_tokens', 'activity_records', 'sh.subscriptions']), c);
  assert.match(est, /≈ 3000000 subscriptions/);
  assert.match(est, /active_tokens\s+≈ 2500000/);
  assert.match(est, /activity_records\s+≈ 41000000/);
  assert.match(est, /eap_aka_sessions\s+40$/m);
  const exact = renderStatus(status(), c);
  assert.match(exact, /activity_records\s+41000000$/m);
  assert.doesNotMatch(exact, /≈/);
  assert.match(exact, /, 3000000 subscriptions/);
});

test('vvm accounts and SMS lists: an estimated total reads "≈ n"', () => {
  const c = makeChalk(false);
  const account = { imsi: '001010000000001', msisdn: '+15550001', status: 'active', pin_set: true, language: 'en', client_type: 'vvm', updated_at: '2026-12-06T02:00:00.000Z' };
  const list = (estimated: boolean) => ({ count: 1, total: 2_400_000, ...(estimated ? { total_estimated: true } : {}), next: '001010000000001', accounts: [account] }) as unknown as VvmAccountList;
  assert.match(renderVvmAccounts(list(true), c), /1 of ≈ 2400000; next page/);
  assert.match(renderVvmAccounts(list(false), c), /1 of 2400000; next page/);
  const one = { id: 's1', type: 'sync', imsi: '001010000000001', msisdn: '+15550001', state: 'failed', attempts: 3, created_at: '2026-12-06T02:00:00.000Z', next_attempt_at: null, last_error: 'gateway 503', text: null };
  const sms = (estimated: boolean) => ({ gateway: 'http://127.0.0.1:9/sms', count: 1, total: 150_000, ...(estimated ? { total_estimated: true } : {}), next: null, sms: [one] }) as unknown as VvmSmsList;
  assert.match(renderVvmSmsList(sms(true), c), /^≈ 150000 SMS in the backlog$/m);
  assert.match(renderVvmSmsList(sms(false), c), /^150000 SMS in the backlog$/m);
});
