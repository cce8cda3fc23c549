/**
 * The admin/control contract of visual voicemail (ADMIN-API.md § VVM, VVM.md; docs/vvm-sms.md § API):
 * accounts, deposits, greetings, the SMS backlog and the gateway's inbound hook. One route table used by
 * daemon/http/admin/vvm-routes.ts and `omnisep vvm ...`. No PIN, password or PIN hash is in any response.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Imsi } from './common.js';
import type { RouteDef } from './routes.js';

export const VVM_ACCOUNT_STATUSES = ['new', 'provisioned', 'ready', 'blocked', 'deactivated'] as const;
export const VVM_GREETING_KINDS = ['normal', 'busy', 'extended_absence', 'voice_signature'] as const;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ description: 'ISO 8601' });
const Pin = Type.String({ minLength: 1, maxLength: 64, description: 'digits; length within vvm.min_pin_length..max_pin_length; never returned' });
const Msisdn = Type.String({ pattern: '^\\+?[0-9]{3,15}$' });

export const VvmAccount = Type.Object({
  imsi: Type.String(),
  msisdn: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(VVM_ACCOUNT_STATUSES.map((s) => Type.Literal(s))),
  language: Type.String(),
  pin_set: Type.Boolean({ description: 'a PIN (= IMAP password) is stored, as a hash only' }),
  client_type: Type.Union([Type.String(), Type.Null()], { description: 'ct= of the last Activate' }),
  protocol_version: Type.Union([Type.String(), Type.Null()], { description: 'pv= of the last Activate' }),
  max_messages: Type.Union([Type.Integer(), Type.Null()], { description: 'null = vvm.default_max_messages' }),
  storage_limit_kb: Type.Union([Type.Integer(), Type.Null()], { description: 'null = vvm.default_storage_limit_kb' }),
  login_failures: Type.Integer(),
  locked_until: Type.Union([Time, Type.Null()]),
  created_at: Time,
  updated_at: Time,
});
export type VvmAccount = Static<typeof VvmAccount>;

export const VvmMailboxSummary = Type.Object({
  messages: Type.Integer({ description: 'voice messages held (INBOX, Saved, Trash)' }),
  unseen: Type.Integer({ description: 'INBOX messages without \\Seen' }),
  bytes: Type.Integer(),
  quota: Type.Object({ max_messages: Type.Integer(), storage_limit_kb: Type.Integer() }),
});

export const VvmGreeting = Type.Object({
  kind: Type.String(),
  uid: Type.Integer(),
  bytes: Type.Integer(),
  duration_s: Type.Union([Type.Number(), Type.Null()]),
  active: Type.Boolean(),
  created_at: Time,
});
export type VvmGreeting = Static<typeof VvmGreeting>;

export const VvmAccountDetail = Type.Object({ account: VvmAccount, mailbox: VvmMailboxSummary, greetings: Type.Array(VvmGreeting) });
export type VvmAccountDetail = Static<typeof VvmAccountDetail>;

export const VvmAccountList = Type.Object({ count: Type.Integer(), total: Type.Integer(), total_estimated: Type.Optional(Type.Boolean({ description: 'total is the database\'s estimate (PostgreSQL past 100,000 rows: docs/storage.md § Counts); absent when exact' })), next: Nullable(Type.String()), accounts: Type.Array(VvmAccount) });
export type VvmAccountList = Static<typeof VvmAccountList>;

export const VvmAccountCreate = Type.Object(
  {
    imsi: Imsi,
    msisdn: Type.Optional(Msisdn),
    language: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$' })),
    pin: Type.Optional(Pin),
    status: Type.Optional(Type.Union(VVM_ACCOUNT_STATUSES.map((s) => Type.Literal(s)), { description: 'default provisioned: the phone\'s Activate makes it ready' })),
  },
  { additionalProperties: false },
);
export type VvmAccountCreate = Static<typeof VvmAccountCreate>;

/** One SMS of the backlog. `text` is redacted; a STATUS with credentials has none until it is sent. */
export const VvmSms = Type.Object({
  id: Type.String(),
  imsi: Type.Union([Type.String(), Type.Null()]),
  to: Type.String(),
  type: Type.Union([Type.Literal('status'), Type.Literal('sync')]),
  reason: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('failed'), Type.Literal('sent')], { description: 'sent: taken by the gateway (only in answers to a send; the backlog holds pending and failed)' }),
  attempts: Type.Integer(),
  created_at: Time,
  next_attempt_at: Type.Union([Time, Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()], { description: 'the SMS text with pw= redacted; null for a STATUS whose credentials are issued when it is sent' }),
});
export type VvmSms = Static<typeof VvmSms>;

export const VvmSmsList = Type.Object({
  gateway: Type.Union([Type.String(), Type.Null()], { description: 'vvm.sms_gateway, or null when none is configured (nothing is sent)' }),
  count: Type.Integer(),
  total: Type.Integer({ description: 'SMS in the backlog' }),
  total_estimated: Type.Optional(Type.Boolean({ description: 'total is the database\'s estimate (PostgreSQL past 100,000 rows: docs/storage.md § Counts); absent when exact' })),
  next: Nullable(Type.String()),
  sms: Type.Array(VvmSms),
});
export type VvmSmsList = Static<typeof VvmSmsList>;

export const VvmDepositBody = Type.Object(
  {
    from: Type.String({ pattern: '^\\+?[0-9]{0,20}$', description: 'caller number; "" = withheld' }),
    audio_base64: Type.String({ minLength: 4, description: 'the recording, base64' }),
    content_type: Type.String({ default: 'audio/amr', pattern: '^audio/[A-Za-z0-9.+-]+$' }),
    duration_s: Type.Optional(Type.Number({ minimum: 0, maximum: 86400 })),
  },
  { additionalProperties: false },
);
export type VvmDepositBody = Static<typeof VvmDepositBody>;

export const VvmDepositResult = Type.Object({
  imsi: Type.String(),
  uid: Type.Integer(),
  message_id: Type.String(),
  sync: Type.Union([VvmSms, Type.Null()], { description: 'the SYNC ev=NM, after its first gateway attempt; null when the account gets none (not ready, no MSISDN)' }),
});
export type VvmDepositResult = Static<typeof VvmDepositResult>;

export const VvmGreetingBody = Type.Object(
  {
    audio_base64: Type.String({ minLength: 4 }),
    content_type: Type.String({ default: 'audio/amr', pattern: '^audio/[A-Za-z0-9.+-]+$' }),
    duration_s: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })),
  },
  { additionalProperties: false },
);
export type VvmGreetingBody = Static<typeof VvmGreetingBody>;

export const VvmInboundBody = Type.Object(
  {
    from: Type.String({ minLength: 3, maxLength: 32, description: 'the phone\'s number (the MO SMS sender)' }),
    text: Type.String({ maxLength: 640, description: 'the MO SMS text: Activate:pv=..;ct=.., Deactivate:pv=.., Status' }),
    imsi: Type.Optional(Imsi),
    to: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: true, description: 'extra gateway fields are ignored' },
);
export type VvmInboundBody = Static<typeof VvmInboundBody>;

export const VvmInboundResult = Type.Object({
  request: Type.Union([Type.Literal('activate'), Type.Literal('deactivate'), Type.Literal('status')]),
  imsi: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String({ description: 'activated, deactivated, status, unknown_subscriber, blocked, refused' }),
  st: Type.String(),
  rc: Type.Integer(),
  sms_id: Type.Union([Type.String(), Type.Null()], { description: 'the STATUS answer in the backlog (sent at once)' }),
});
export type VvmInboundResult = Static<typeof VvmInboundResult>;

const ImsiParams = Type.Object({ imsi: Imsi });
const GreetingParams = Type.Object({ imsi: Imsi, kind: Type.Union(VVM_GREETING_KINDS.map((k) => Type.Literal(k))) });
const Page = Type.Object({ after: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });

/** Route table (daemon/http/admin/vvm-routes.ts, commands/vvm/**). Deposits and greetings carry audio: 16 MiB bodies. */
export const vvmRoutes = {
  listAccounts: { method: 'GET', path: '/api/vvm/accounts', summary: 'VVM accounts in IMSI order (page with after=)', querystring: Page, response: VvmAccountList },
  createAccount: { method: 'POST', path: '/api/vvm/accounts', summary: 'create a VVM account', body: VvmAccountCreate, response: VvmAccount, status: 201 },
  getAccount: { method: 'GET', path: '/api/vvm/accounts/:imsi', summary: 'one VVM account with its mailbox figures and greetings', params: ImsiParams, response: VvmAccountDetail },
  removeAccount: {
    method: 'DELETE', path: '/api/vvm/accounts/:imsi', summary: 'remove a VVM account and its mail', params: ImsiParams,
    response: Type.Object({ deleted: Type.Boolean(), imsi: Type.String(), messages_removed: Type.Integer() }),
  },
  setAccountStatus: {
    method: 'POST', path: '/api/vvm/accounts/:imsi/status', summary: 'set an account\'s status (block, unblock = ready, deactivate)', params: ImsiParams,
    body: Type.Object({ status: Type.Union(VVM_ACCOUNT_STATUSES.map((s) => Type.Literal(s))) }, { additionalProperties: false }), response: VvmAccount,
  },
  setAccountPin: {
    method: 'POST', path: '/api/vvm/accounts/:imsi/pin', summary: 'set an account\'s PIN (the IMAP password; stored hashed)', params: ImsiParams,
    body: Type.Object({ pin: Pin }, { additionalProperties: false }), response: VvmAccount,
  },
  deposit: { method: 'POST', path: '/api/vvm/accounts/:imsi/deposit', summary: 'deposit a voice message into INBOX, then SYNC ev=NM', params: ImsiParams, body: VvmDepositBody, response: VvmDepositResult, status: 201, bodyLimit: 16 * 1024 * 1024 },
  listGreetings: { method: 'GET', path: '/api/vvm/accounts/:imsi/greetings', summary: 'an account\'s greetings', params: ImsiParams, response: Type.Object({ imsi: Type.String(), greetings: Type.Array(VvmGreeting) }) },
  setGreeting: { method: 'PUT', path: '/api/vvm/accounts/:imsi/greetings/:kind', summary: 'upload a greeting (replaces the one of its kind, made active), then SYNC ev=GU', params: GreetingParams, body: VvmGreetingBody, response: VvmGreeting, bodyLimit: 16 * 1024 * 1024 },
  removeGreeting: {
    method: 'DELETE', path: '/api/vvm/accounts/:imsi/greetings/:kind', summary: 'remove a greeting, then SYNC ev=GU', params: GreetingParams,
    response: Type.Object({ deleted: Type.Boolean(), imsi: Type.String(), kind: Type.String() }),
  },
  sendStatus: { method: 'POST', path: '/api/vvm/accounts/:imsi/sms/status', summary: 'send a STATUS SMS now (fresh credentials when ready)', params: ImsiParams, response: VvmSms },
  sendSync: {
    method: 'POST', path: '/api/vvm/accounts/:imsi/sms/sync', summary: 'send a SYNC SMS now (ev=MBU by default)', params: ImsiParams,
    body: Type.Object({ ev: Type.Optional(Type.Union([Type.Literal('NM'), Type.Literal('MBU'), Type.Literal('GU')])), uid: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
    response: VvmSms,
  },
  listSms: { method: 'GET', path: '/api/vvm/sms', summary: 'the SMS backlog: waiting for the gateway or given up', querystring: Page, response: VvmSmsList },
  retrySms: {
    method: 'POST', path: '/api/vvm/sms/retry', summary: 'send backlog SMS again now (one by id, or every failed and waiting one), attempts counted afresh',
    body: Type.Object({ id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    response: VvmSmsList,
  },
  inboundSms: { method: 'POST', path: '/api/vvm/sms/inbound', summary: 'the SMS gateway\'s inbound hook: a mobile-originated Activate, Deactivate or Status', body: VvmInboundBody, response: VvmInboundResult },
} as const satisfies Record<string, RouteDef>;
