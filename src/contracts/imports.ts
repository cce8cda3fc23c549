/**
 * Bulk import and export (docs/operations.md § Bulk import and export): the
 * CLI streams a file and sends it in batches of at most BATCH_MAX_ROWS rows,
 * each applied as one durable commit; export pages through the store in key
 * order. No body grows with the size of the file, so the admin body limit
 * (`http.body_limit_bytes`) stays as it is.
 *
 * Keys (Ki, OPc, OP) travel in import bodies only. The one response that can
 * carry them is an export page asked with `with_keys=1`, which the daemon
 * serves on the control socket only (0600: the daemon's own user) and
 * records in the activity log without the keys.
 */
import { Type, type Static } from '@sinclair/typebox';
import { OkStatus } from './common.js';
import { EntitlementRecord } from './entitlements.js';
import type { RouteDef } from './routes.js';

/** Most rows in one import batch (and default page of an export). */
export const BATCH_MAX_ROWS = 5000;
export const EXPORT_PAGE_MAX = 5000;

/** Cells are plain strings here: each row is validated by the service and refused on its own, never the batch. */
const Cell = (max = 64) => Type.String({ maxLength: max });

export const SubscriberBatchRow = Type.Object(
  {
    line: Type.Integer({ minimum: 1, description: 'line number in the source file, echoed in `rejected`' }),
    imsi: Cell(),
    ki: Cell(),
    opc: Type.Optional(Cell()),
    op: Type.Optional(Cell()),
    amf: Type.Optional(Cell()),
    sqn: Type.Optional(Cell()),
    msisdn: Type.Optional(Cell()),
  },
  { additionalProperties: false },
);
export type SubscriberBatchRow = Static<typeof SubscriberBatchRow>;

const BatchFlags = {
  replace: Type.Optional(Type.Boolean({ description: 'overwrite records that exist with other contents (default: refuse them, line by line)' })),
  dry_run: Type.Optional(Type.Boolean({ description: 'validate and check against the store, write nothing' })),
};

export const SubscriberBatchBody = Type.Object(
  { rows: Type.Array(SubscriberBatchRow, { maxItems: BATCH_MAX_ROWS }), ...BatchFlags },
  { additionalProperties: false },
);
export type SubscriberBatchBody = Static<typeof SubscriberBatchBody>;

export const REJECT_CODES = ['invalid', 'exists', 'duplicate', 'columns', 'utf8', 'too_long', 'json'] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** A line that was not applied: its number, why, never its contents (it may hold keys). */
export const RejectedLine = Type.Object({
  line: Type.Integer(),
  code: Type.Union(REJECT_CODES.map((c) => Type.Literal(c)), { description: 'invalid: a field is wrong; exists: present with other contents and no replace; duplicate: the IMSI appears on an earlier line; columns: wrong column count; utf8: not UTF-8; too_long: over the line bound; json: not a JSON object' }),
  error: Type.String(),
});
export type RejectedLine = Static<typeof RejectedLine>;

export const BatchResult = Type.Object({
  status: OkStatus,
  dry_run: Type.Boolean(),
  added: Type.Integer({ description: 'new records (dry run: that would be added)' }),
  replaced: Type.Integer({ description: 'records overwritten with other contents (--replace)' }),
  unchanged: Type.Integer({ description: 'records already present with the same contents (a re-run after an interruption)' }),
  rejected: Type.Array(RejectedLine),
});
export type BatchResult = Static<typeof BatchResult>;

export const SubscriberExportQuery = Type.Object({
  after: Type.Optional(Type.String({ pattern: '^[0-9]{0,15}$', description: 'IMSI: the page starts after it' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EXPORT_PAGE_MAX })),
  with_keys: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')], { description: '1 or true: include Ki and OPc in plain hex (control socket only; recorded in the activity log)' })),
});
export type SubscriberExportQuery = Static<typeof SubscriberExportQuery>;

export const SubscriberExportRow = Type.Object({
  imsi: Type.String(),
  msisdn: Type.Union([Type.String(), Type.Null()]),
  amf: Type.String(),
  sqn: Type.String({ description: 'SQN_HE, decimal' }),
  ki: Type.Optional(Type.String({ description: 'with_keys only' })),
  opc: Type.Optional(Type.String({ description: 'with_keys only (OPc, also when OP was given: OP is not kept)' })),
});
export type SubscriberExportRow = Static<typeof SubscriberExportRow>;

export const SubscriberExportPage = Type.Object({
  rows: Type.Array(SubscriberExportRow),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as `after` for the next page; null at the end' }),
});
export type SubscriberExportPage = Static<typeof SubscriberExportPage>;

export const EntitlementBatchRow = Type.Object(
  {
    line: Type.Integer({ minimum: 1 }),
    imsi: Cell(),
    apps: Type.Record(Type.String({ maxLength: 16 }), Type.Unknown(), { description: 'app id → snake_case fields, as in GET /api/entitlements/:imsi' }),
  },
  { additionalProperties: false },
);
export type EntitlementBatchRow = Static<typeof EntitlementBatchRow>;

export const EntitlementBatchBody = Type.Object(
  { rows: Type.Array(EntitlementBatchRow, { maxItems: BATCH_MAX_ROWS }), ...BatchFlags },
  { additionalProperties: false },
);
export type EntitlementBatchBody = Static<typeof EntitlementBatchBody>;

export const ExportPageQuery = Type.Object({
  after: Type.Optional(Type.String({ pattern: '^[0-9]{0,15}$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EXPORT_PAGE_MAX })),
});
export type ExportPageQuery = Static<typeof ExportPageQuery>;

export const EntitlementExportPage = Type.Object({
  rows: Type.Array(EntitlementRecord),
  next: Type.Union([Type.String(), Type.Null()]),
});
export type EntitlementExportPage = Static<typeof EntitlementExportPage>;

export const RekeyBody = Type.Object(
  {
    after: Type.Optional(Type.String({ pattern: '^[0-9]{0,15}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EXPORT_PAGE_MAX })),
  },
  { additionalProperties: false },
);
export type RekeyBody = Static<typeof RekeyBody>;

export const RekeyResult = Type.Object({
  status: OkStatus,
  kek_id: Type.Union([Type.String(), Type.Null()], { description: 'the KEK records are now sealed with; null: plain hex (no KEK configured)' }),
  resealed: Type.Integer(),
  unchanged: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()]),
});
export type RekeyResult = Static<typeof RekeyResult>;

/** Served by daemon/http/admin/import-routes.ts, called by commands/{subscriber,entitlement}/{import,export}.ts and subscriber/rekey.ts. */
export const importRoutes = {
  importSubscriberBatch: { method: 'POST', path: '/api/import/subscribers', summary: 'apply one batch of subscriber rows (one durable commit; rejected rows by line)', body: SubscriberBatchBody, response: BatchResult },
  exportSubscribers: { method: 'GET', path: '/api/export/subscribers', summary: 'one page of subscribers in IMSI order (keys only with with_keys=1, control socket only)', querystring: SubscriberExportQuery, response: SubscriberExportPage },
  rekeySubscribers: { method: 'POST', path: '/api/subscribers/rekey', summary: 'reseal one page of subscriber keys with the current KEK (or to plain hex without one)', body: RekeyBody, response: RekeyResult },
  importEntitlementBatch: { method: 'POST', path: '/api/import/entitlements', summary: 'apply one batch of entitlement overrides (one durable commit; rejected rows by line)', body: EntitlementBatchBody, response: BatchResult },
  exportEntitlements: { method: 'GET', path: '/api/export/entitlements', summary: 'one page of entitlement overrides in IMSI order', querystring: ExportPageQuery, response: EntitlementExportPage },
} as const satisfies Record<string, RouteDef>;
