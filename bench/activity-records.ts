/**
 * The activity records the activity-log benchmarks fill logs with (compaction.bench, compaction-daemon.bench): what a
 * token query records, two per IMSI (record k is IMSI k >> 1), so a log of N records names N / 2 subscribers.
 */
import { randomUUID } from 'node:crypto';
import type { ActivityRecord } from '../src/contracts/activity.js';

export const tokenQueryRecord = (k: number, ts: string): ActivityRecord => {
  const imsi = `00101${String(k >> 1).padStart(10, '0')}`;
  return {
    id: randomUUID(), timestamp: ts, request_type: 'token_auth', request_method: 'GET',
    request_path: `/?IMSI=${imsi}&token=[REDACTED]&terminal_id=356938035643809&app=ap2004&app=ap2003&vers=0&entitlement_version=2.0`,
    imsi, msisdn: null, terminal_id: '356938035643809', terminal_vendor: null, terminal_model: null, terminal_sw_version: null,
    client_ip: '127.0.0.1', user_agent: 'PRD-TS43 term-Omni/TestPhone', auth_method: 'TOKEN', response_status: 200, response_code: 200,
    app_ids: ['ap2004', 'ap2003'],
    request_headers: { host: '127.0.0.1:8080', accept: 'text/vnd.wap.connectivity-xml', 'user-agent': 'PRD-TS43 term-Omni/TestPhone', 'accept-encoding': 'gzip' },
    request_body: null, response_body: null, response_summary: { format: 'xml', vers: 1, vers_held: 0, apps: ['ap2004', 'ap2003'], token_issued: true },
  };
};
