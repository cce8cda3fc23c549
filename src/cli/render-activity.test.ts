import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeChalk } from './output.js';
import { renderActivityList } from './render.js';
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
