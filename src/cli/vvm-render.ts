/** Rendering shared by the `omnisep vvm` commands (docs/vvm-sms.md § CLI). Pure. No PIN or password is ever in what they render. */
import type { ChalkInstance } from 'chalk';
import { approxCount, isoTime, renderKeyValue, renderTable, statusColor } from './output.js';
import type { VvmAccount, VvmAccountDetail, VvmAccountList, VvmGreeting, VvmSms, VvmSmsList } from '../contracts/vvm.js';

const statusOf = (s: string, c: ChalkInstance) => (s === 'ready' ? c.green(s) : s === 'blocked' || s === 'deactivated' ? c.red(s) : c.yellow(s));

export function renderVvmAccounts(body: VvmAccountList, c: ChalkInstance, maxWidth?: number): string {
  if (body.count === 0) return 'no VVM accounts';
  const table = renderTable(body.accounts, [
    { header: 'imsi', get: (r) => r.imsi },
    { header: 'msisdn', get: (r) => r.msisdn },
    { header: 'status', get: (r) => r.status, style: (t) => statusOf(t, c) },
    { header: 'pin', get: (r) => (r.pin_set ? 'set' : 'not set') },
    { header: 'lang', get: (r) => r.language },
    { header: 'client', get: (r) => r.client_type },
    { header: 'updated_at', get: (r) => isoTime(r.updated_at) },
  ], { chalk: c, ...(maxWidth ? { maxWidth } : {}) });
  return body.next ? `${table}\n${c.dim(`${body.count} of ${approxCount(body.total, body.total_estimated)}; next page: --after ${body.next}`)}` : table;
}

export function renderVvmAccount(a: VvmAccount, c: ChalkInstance): string {
  return renderKeyValue([
    ['imsi', a.imsi], ['msisdn', a.msisdn], ['status', statusOf(a.status, c)], ['pin', a.pin_set ? 'set' : 'not set'], ['language', a.language],
    ['client_type', a.client_type], ['protocol_version', a.protocol_version],
    ['login_failures', a.login_failures], ['locked_until', a.locked_until ? isoTime(a.locked_until) : null],
    ['created_at', isoTime(a.created_at)], ['updated_at', isoTime(a.updated_at)],
  ], { chalk: c });
}

export function renderVvmAccountDetail(d: VvmAccountDetail, c: ChalkInstance): string {
  const m = d.mailbox;
  const kb = Math.ceil(m.bytes / 1024);
  const quota = renderKeyValue([
    ['messages', `${m.messages} of ${m.quota.max_messages}${m.messages >= m.quota.max_messages ? c.red(' (full)') : ''}`],
    ['unseen', m.unseen],
    ['storage', `${kb} KiB of ${m.quota.storage_limit_kb} KiB${kb >= m.quota.storage_limit_kb ? c.red(' (full)') : ''}`],
  ], { chalk: c });
  const greetings = d.greetings.length ? renderVvmGreetings(d.greetings, c) : 'no greetings';
  return `${renderVvmAccount(d.account, c)}\n\n${c.bold('mailbox')}\n${quota}\n\n${c.bold('greetings')}\n${greetings}`;
}

export function renderVvmGreetings(g: readonly VvmGreeting[], c: ChalkInstance): string {
  if (g.length === 0) return 'no greetings';
  return renderTable(g, [
    { header: 'kind', get: (r) => r.kind },
    { header: 'active', get: (r) => (r.active ? 'yes' : 'no') },
    { header: 'duration', get: (r) => (r.duration_s === null ? null : `${r.duration_s} s`), align: 'right' },
    { header: 'bytes', get: (r) => r.bytes, align: 'right' },
    { header: 'uid', get: (r) => r.uid, align: 'right' },
    { header: 'created_at', get: (r) => isoTime(r.created_at) },
  ], { chalk: c });
}

/** One SMS: where it stands (sent, waiting for a retry, given up) and its text, pw= redacted. */
export function renderVvmSms(s: VvmSms, c: ChalkInstance): string {
  const state = s.state === 'sent' ? c.green('sent') : s.state === 'failed' ? c.red('failed') : c.yellow('pending');
  const pairs: Array<[string, unknown]> = [
    ['id', s.id], ['type', s.type], ['to', s.to], ['state', state], ['attempts', s.attempts],
    ['text', s.text ?? (s.type === 'status' ? '(STATUS with credentials: issued when sent, never stored)' : null)],
  ];
  if (s.state === 'pending' && s.next_attempt_at) pairs.push(['next_attempt_at', isoTime(s.next_attempt_at)]);
  if (s.last_error) pairs.push(['last_error', s.last_error]);
  return renderKeyValue(pairs, { chalk: c });
}

export function renderVvmSmsList(body: VvmSmsList, c: ChalkInstance, maxWidth?: number): string {
  const head = body.gateway ? `gateway ${body.gateway}` : c.red('no SMS gateway configured (vvm.sms_gateway): nothing is sent');
  if (body.count === 0) return `${head}\nbacklog empty`;
  const table = renderTable(body.sms, [
    { header: 'id', get: (r) => r.id },
    { header: 'type', get: (r) => r.type },
    { header: 'to', get: (r) => r.to },
    { header: 'state', get: (r) => r.state, style: (t) => statusColor(t, c) },
    { header: 'tries', get: (r) => r.attempts, align: 'right' },
    { header: 'next', get: (r) => (r.next_attempt_at ? isoTime(r.next_attempt_at) : null) },
    { header: 'last_error', get: (r) => r.last_error },
  ], { chalk: c, ...(maxWidth ? { maxWidth } : {}) });
  return `${head}\n${approxCount(body.total, body.total_estimated)} SMS in the backlog\n${table}${body.next ? `\n${c.dim(`next page: --after ${body.next}`)}` : ''}`;
}
