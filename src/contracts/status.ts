import { Type, type Static } from '@sinclair/typebox';

/** Where one listener actually listens (a start with port 0 is discovered here). */
export const ListenerAddress = Type.Object({
  /** `tcp` (host + port) or `unix` (path). */
  transport: Type.Union([Type.Literal('tcp'), Type.Literal('unix')]),
  host: Type.Optional(Type.String()),
  port: Type.Optional(Type.Integer()),
  path: Type.Optional(Type.String()),
  /** `http`, `https`, `diameter`, `imap`, ... */
  protocol: Type.String(),
  /** Human form: `http://127.0.0.1:9014`, `unix:/run/omnisep.sock`, `127.0.0.1:3868`. */
  url: Type.String(),
});
export type ListenerAddress = Static<typeof ListenerAddress>;

/** `GET /api/status` (ADMIN-API.md § Status). Node memory replaces the seed's Erlang terms. */
export const StatusResponse = Type.Object({
  status: Type.String({ description: '"ok", or "stopping" during a graceful stop' }),
  application: Type.Literal('OmniSEP'),
  version: Type.String(),
  uptime: Type.String({ description: 'e.g. "2d 5h 32m"' }),
  uptime_seconds: Type.Integer(),
  started_at: Type.String(),
  pid: Type.Integer(),
  environment: Type.String(),
  memory: Type.Object({
    rss_mb: Type.Number(),
    heap_total_mb: Type.Number(),
    heap_used_mb: Type.Number(),
    external_mb: Type.Number(),
  }),
  storage: Type.Object({
    driver: Type.String(),
    data_dir: Type.Union([Type.String(), Type.Null()]),
    /** Embedded: the data directory; PostgreSQL: the URL without its password; memory: null. */
    location: Type.Union([Type.String(), Type.Null()]),
    schema_version: Type.Integer(),
    /** PostgreSQL: the connection pool (`waiting` > 0 for long: storage.pool_max too small or the database slow). */
    pool: Type.Optional(Type.Object({ total: Type.Integer(), idle: Type.Integer(), waiting: Type.Integer(), max: Type.Integer() })),
    /** PostgreSQL: the pipelined connections open of `storage.pipelines` (fewer while one is being reopened). */
    pipelines: Type.Optional(Type.Object({ open: Type.Integer(), max: Type.Integer() })),
    writable: Type.Boolean(),
    custom_entitlements: Type.Integer(),
    xcap_profiles: Type.Integer(),
    eap_aka_sessions: Type.Integer(),
    active_tokens: Type.Integer(),
    activity_records: Type.Integer(),
    /**
     * The counts of this answer that are the database's estimate (PostgreSQL, past 100,000 rows: docs/storage.md § Counts):
     * this object's by name, the others as `vvm.accounts`, `vvm.sms_backlog`, `sh.subscriptions`; absent when all are exact.
     */
    estimated_counts: Type.Optional(Type.Array(Type.String(), { description: 'the counts of this answer that are estimates (PostgreSQL past 100,000 rows): storage fields by name, others as vvm.accounts, vvm.sms_backlog, sh.subscriptions; absent when every count is exact' })),
  }),
  services: Type.Object({
    http_port: Type.Integer(),
    eap_aka_enabled: Type.Boolean(),
    eap_aka_backend: Type.String(),
    xcap_enabled: Type.Boolean(),
    vvm_enabled: Type.Boolean(),
    aaa_enabled: Type.Boolean(),
  }),
  /** With vvm.enabled: the SMS side (docs/vvm-sms.md): the gateway (null = none, nothing is sent), the SMS backlog, the accounts. */
  vvm: Type.Optional(Type.Object({
    sms_gateway: Type.Union([Type.String(), Type.Null()]),
    sms_backlog: Type.Integer({ description: 'SMS waiting for the gateway or given up (omnisep vvm sms ls)' }),
    accounts: Type.Integer(),
  })),
  /** With xcap.hss_sync: the Sh side of XCAP (docs/diameter.md § Sh): PURs waiting for a retry, SNR subscriptions held. */
  sh: Type.Optional(Type.Object({
    backlog: Type.Integer({ description: 'XCAP documents whose Sh push (PUR) failed and waits for a retry (sh_backlog)' }),
    subscriptions: Type.Integer({ description: 'subscribers whose RepositoryData changes the HSS notifies (SNR granted)' }),
  })),
  /** Every listener by name: `http`, `admin`, `socket`, `diameter`, `aaa`, `imap`, ... */
  listeners: Type.Record(Type.String(), ListenerAddress),
  timestamp: Type.String(),
});
export type StatusResponse = Static<typeof StatusResponse>;

/** `GET /health` on the public port. 503 carries `reasons`. */
export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  service: Type.Literal('omni-sep'),
  version: Type.String(),
  services: Type.Array(Type.String()),
  reasons: Type.Optional(Type.Array(Type.String())),
});
export type HealthResponse = Static<typeof HealthResponse>;
