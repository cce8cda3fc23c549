/**
 * The FCM HTTP v1 request of one backlog item (TS.43 §2.6.2 payload keys; docs/odsa.md § Push): pure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pushRequest } from './worker.js';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { PushBacklogRecord, PushRegistration } from '../../src/services/push/push-service.js';

const cfg = { url: '', project_id: 'lab project' } as OmnisepConfig['push'];
const reg = { key: 'k', imsi: '001010000000001', terminal_id: 't', app_name: null, apps: ['ap2003', 'ap2004'], notif_action: 2, notif_token: 'device-token', updated_at: '' } satisfies PushRegistration;
const item = (apps: string[]): PushBacklogRecord => ({ key: 'k', imsi: '001010000000001', reasons: ['entitlement'], apps, state: 'pending', attempts: 0, next_at: 0, last_error: null, created_at: '', updated_at: '' });
const at = Date.UTC(2026, 11, 2, 11, 0, 0, 250);

test('one app: data.app is its id; timestamp ISO 8601 with Z; the bearer only when there is one', () => {
  const { url, init } = pushRequest(cfg, reg, item(['ap2004']), 'ya29.x', at);
  assert.equal(url, 'https://fcm.googleapis.com/v1/projects/lab%20project/messages:send');
  assert.equal((init.headers as Record<string, string>).authorization, 'Bearer ya29.x');
  const body = JSON.parse(init.body as string) as { message: { token: string; data: Record<string, string> } };
  assert.equal(body.message.token, 'device-token');
  assert.deepEqual(body.message.data, { app: 'ap2004', timestamp: '2026-12-02T11:00:00Z', type: 'ts43_configuration_changed', app_ids: 'ap2004', reasons: 'entitlement' });
  assert.equal((pushRequest(cfg, reg, item(['ap2004']), null, at).init.headers as Record<string, string>).authorization, undefined);
});

test('several apps: data.app is a JSON array of them, as text (FCM data values are strings)', () => {
  const body = JSON.parse(pushRequest(cfg, reg, item(['ap2003', 'ap2004']), null, at).init.body as string) as { message: { data: Record<string, string> } };
  assert.equal(body.message.data.app, '["ap2003","ap2004"]');
  assert.deepEqual(JSON.parse(body.message.data.app!), ['ap2003', 'ap2004']);
  assert.ok(!JSON.stringify(body).includes('001010000000001'), 'no IMSI through the gateway');
});
