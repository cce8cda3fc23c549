/**
 * The daemon's configuration: one TypeBox schema where every key has a default
 * and a description (CLI.md § Config). `omnisep.conf(5)` is generated from the
 * descriptions, `config check` validates with it, `config show` prints it
 * redacted. Keys are snake_case dotted paths as in the spec files.
 *
 * Pure: parsing text, defaults, env overrides, `--set` and validation. Reading
 * the file is the caller's business (daemon/config/load.ts, the CLI).
 */
import { Type, type Static, type TSchema, Kind } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Scalar } from 'yaml';
import { isIP } from 'node:net';
import { isHostOrIp, isLabFile, isLocalName } from './config-policy.js';
import { mapSeedNames } from './config-seed.js';

/** yaml (230 modules) loads only where a config file or the sample is read: a client command never pays for it (docs/performance.md § CLI start-up). */
let yamlModule: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

export { EXIT_CONFIG } from './config-policy.js';

const o = <P extends Parameters<typeof Type.Object>[0]>(description: string, props: P) =>
  Type.Object(props, { description, default: {}, additionalProperties: false });
/** A secret key: `redactConfig` prints it as `[REDACTED]`, logs never show it. */
const secret = { secret: true } as const;

export const SAMPLE_SIGNING_SECRET = 'change_me_in_production';
export const REDACTED_VALUE = '[REDACTED]';

const Peer = Type.Object(
  {
    host: Type.String({ description: 'the peer\'s Origin-Host (Diameter identity)' }),
    ip: Type.String({ description: 'address to connect to' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3868, description: 'Diameter port of the peer' }),
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('tls'), Type.Literal('sctp')], { default: 'tcp', description: 'tcp, or tls (TLS from the first byte, RFC 6733 §13, with diameter.tls credentials; the peer\'s certificate must name its host); sctp is refused at start (Node.js has no SCTP sockets)' }),
    realm: Type.Optional(Type.String({ description: 'the peer\'s realm (Destination-Realm); defaults to diameter.realm' })),
  },
  { additionalProperties: false },
);

const Route = Type.Object(
  {
    realm: Type.String({ minLength: 1, description: 'Destination-Realm this entry serves, or * for the default route' }),
    application_id: Type.Optional(Type.Integer({ minimum: 0, description: 'Application-Id (16777264 SWm, 16777265 SWx, 16777217 Sh); absent: any application' })),
    action: Type.Union([Type.Literal('local'), Type.Literal('relay'), Type.Literal('proxy'), Type.Literal('redirect')], { default: 'relay', description: 'local: answered here; relay: forwarded to peers (any application); proxy: forwarded, own applications only; redirect: answered 3006 naming peers' }),
    peers: Type.Array(Type.String(), { default: [], description: 'Origin-Hosts: next hops in order of preference (relay, proxy) or the hosts a redirect names' }),
  },
  { additionalProperties: false },
);

const port = (def: number, what: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description: `${what}; 0 picks a free port (see GET /api/status → listeners)` });

export const configSchema = Type.Object(
  {
    server: o('identity of this entitlement server', {
      node_name: Type.String({ default: '', description: 'this daemon\'s name in a cluster, put on its activity records; empty = the host name' }),
      fqdn: Type.String({ default: 'localhost', description: 'public FQDN of the entitlement server (env OMNI_SEP_FQDN), e.g. aes.mnc001.mcc001.pub.3gppnetwork.org' }),
      environment: Type.Union([Type.Literal('development'), Type.Literal('production')], {
        default: 'development',
        description: 'production refuses the sample signing secret and turns development shortcuts off',
      }),
    }),
    http: o('the public HTTP listener: GET /health, TS.43, XCAP, websheet', {
      listen_ip: Type.String({ default: '127.0.0.1', description: 'address the public HTTP server binds' }),
      port: port(9014, 'public HTTP port (TS.43, XCAP, /health)'),
      trust_proxy: Type.Boolean({ default: false, description: 'take the client IP from X-Forwarded-For (only behind a trusted reverse proxy)' }),
      body_limit_bytes: Type.Integer({ minimum: 1024, default: 1048576, description: 'largest accepted request body; larger → 413' }),
      header_timeout_ms: Type.Integer({ minimum: 1000, default: 10000, description: 'a request head (line + headers) must arrive within this, ms; slower clients are disconnected' }),
      request_timeout_ms: Type.Integer({ minimum: 1000, default: 30000, description: 'a whole request (head + body) must arrive within this, ms' }),
      keep_alive_timeout_ms: Type.Integer({ minimum: 100, default: 5000, description: 'an idle keep-alive connection is closed after this, ms' }),
      max_connections: Type.Integer({ minimum: 1, default: 10000, description: 'open connections on the public listener; more are closed at accept' }),
      max_connections_per_ip: Type.Integer({ minimum: 1, default: 256, description: 'open connections from one client address (behind a proxy or carrier NAT, raise it); more are closed at accept' }),
      tls_cert: Type.String({ default: '', description: 'PEM certificate file (with its chain) for HTTPS on the public listener; set with tls_key; empty = plain HTTP (e.g. behind a TLS-terminating proxy, docs/deployment.md); re-read on SIGHUP' }),
      tls_key: Type.String({ default: '', description: 'PEM private key file for tls_cert; re-read on SIGHUP' }),
    }),
    admin: o('the admin REST API over TCP (the control socket serves the same routes without a token)', {
      listen_ip: Type.String({ default: '127.0.0.1', description: 'address the admin API binds' }),
      port: port(8443, 'admin API port'),
      tls: Type.Boolean({ default: true, description: 'serve the admin API over TLS (self-signed certificate generated under the data dir unless tls_cert/tls_key are set)' }),
      tls_cert: Type.String({ default: '', description: 'PEM certificate file; empty = <data_dir>/tls/admin-cert.pem, generated on first start' }),
      tls_key: Type.String({ default: '', description: 'PEM private key file; empty = <data_dir>/tls/admin-key.pem, generated on first start' }),
      api_keys: Type.Array(Type.String({ minLength: 16 }), {
        default: [],
        ...secret,
        description: 'bearer tokens accepted on the TCP admin API (Authorization: Bearer KEY, at least 16 characters); empty = the TCP API refuses every request',
      }),
      max_auth_failures: Type.Integer({ minimum: 1, default: 20, description: 'failed bearer-token attempts from one client address within auth_lockout_seconds before that address gets 429 for auth_lockout_seconds' }),
      auth_lockout_seconds: Type.Integer({ minimum: 1, default: 300, description: 'window and lock-out time of admin.max_auth_failures, seconds' }),
      header_timeout_ms: Type.Integer({ minimum: 1000, default: 10000, description: 'the TLS handshake and a request head must each arrive within this, ms; slower clients are disconnected' }),
      request_timeout_ms: Type.Integer({ minimum: 1000, default: 600000, description: 'a whole request (head + body) must arrive within this, ms (long: bulk imports stream large bodies)' }),
      keep_alive_timeout_ms: Type.Integer({ minimum: 100, default: 5000, description: 'an idle keep-alive connection is closed after this, ms' }),
      max_connections: Type.Integer({ minimum: 1, default: 256, description: 'open connections on the admin API listener; more are closed at accept' }),
      max_connections_per_ip: Type.Integer({ minimum: 1, default: 64, description: 'open connections to the admin API from one client address; more are closed at accept' }),
    }),
    control: o('the local control socket the CLI talks to', {
      socket: Type.String({ default: '', description: 'path of the Unix socket; empty = $XDG_RUNTIME_DIR/omnisep.sock, else <data_dir>/omnisep.sock (env OMNISEP_SOCKET)' }),
    }),
    storage: o('durable storage (docs/storage.md)', {
      driver: Type.Union([Type.Literal('embedded'), Type.Literal('postgres'), Type.Literal('memory'), Type.Literal('lowdb')], { default: 'embedded', description: 'embedded: files under data_dir, no set-up (lowdb is its old name); postgres: a PostgreSQL database at storage.url, shared by several daemons; memory: nothing survives a restart (tests, demos)' }),
      data_dir: Type.String({ default: './data', description: 'directory for the embedded database, the activity log, the TLS certificate and the socket fallback (production: /var/lib/omnisep)' }),
      activity_commit_interval_ms: Type.Integer({ minimum: 0, maximum: 1000, default: 2, description: 'group commit window of the embedded journals and activity log: writes within it share one fsync' }),
      url: Type.String({ default: '', ...secret, description: 'postgres driver: postgres://user:password@host:port/database (or a socket directory as ?host=/path)' }),
      pool_max: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'postgres driver: most connections in the pool' }),
      pipelines: Type.Integer({ minimum: 0, maximum: 64, default: 2, description: 'postgres driver: connections beside the pool on which per-record statements (a read, a write, a compare-and-set by key) go out pipelined, without waiting for each other\'s answers; 0 = every statement through the pool (docs/storage.md § Pipelined statements)' }),
      prepared_statements: Type.Boolean({ default: true, description: 'postgres driver: send queries as named prepared statements, parsed and planned once per connection; false behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21, or without max_prepared_statements)' }),
      cluster_secret: Type.String({ default: '', ...secret, description: 'postgres driver: shared by every daemon of a cluster; seals EAP session secrets at rest (required with postgres in production)' }),
    }),
    subscribers: o('the local subscriber store: Ki/OPc at rest (docs/storage.md § Subscriber keys at rest)', {
      kek_file: Type.String({ default: '', description: 'file holding the key-encryption key (32 bytes as 64 hex digits or base64, mode 0600 or stricter): Ki/OPc are then sealed with AES-256-GCM per record; empty = kept in plain hex' }),
      kek: Type.String({ default: '', ...secret, description: 'the key-encryption key itself (env OMNISEP_KEK), instead of kek_file; set one of the two, not both' }),
      previous_kek_files: Type.Array(Type.String(), { default: [], description: 'older KEK files that may still open records during a rotation (`omnisep subscriber rekey` reseals them with the current KEK)' }),
      country_code: Type.String({ default: '', description: 'how an MSISDN without "+" is read on input and in lookups: an ISO 3166 region (US, DE) or a calling code (1, 49) makes it a national number of that country; empty = the digits are E.164 without the "+". MSISDNs are stored in E.164 (docs/cli.md § MSISDNs); the CLI\'s --country-code wins for what it sends' }),
    }),
    log: o('logging (pino, JSON lines on stdout)', {
      level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'log level; reloaded on SIGHUP' }),
      pretty: Type.Union([Type.Boolean(), Type.Literal('auto')], { default: 'auto', description: 'human-readable logs; auto = when stdout is a TTY' }),
    }),
    metrics: o('Prometheus metrics (GET /metrics on the admin API and the control socket)', {
      enabled: Type.Boolean({ default: true, description: 'expose GET /metrics' }),
    }),
    token: o('TS.43 fast re-authentication tokens (TS43.md § Tokens)', {
      validity_seconds: Type.Integer({ minimum: 60, default: 86400, description: 'lifetime of an issued token, seconds' }),
      signing_secret: Type.String({ default: SAMPLE_SIGNING_SECRET, ...secret, description: 'HMAC secret for tokens and websheet user data (env OMNI_SEP_TOKEN_SECRET); production refuses the sample value or empty' }),
    }),
    eap_aka: o('SIM authentication (EAP-AKA.md)', {
      enabled: Type.Boolean({ default: true, description: 'false = no SIM authentication (development only, logs a loud warning)' }),
      backend: Type.Union([Type.Literal('swm'), Type.Literal('swx'), Type.Literal('local')], { default: 'swm', description: 'swm: relay to a 3GPP AAA; swx: vectors from the HSS; local: Milenage over the subscriber store' }),
      session_timeout_ms: Type.Integer({ minimum: 1000, default: 30000, description: 'an EAP session not finished within this goes to failed' }),
      realm: Type.String({ default: 'nai.epc', description: 'realm prefix of the EAP_ID NAI (e.g. nai.epc or wlan)' }),
      max_resync: Type.Integer({ minimum: 0, maximum: 10, default: 3, description: 'AKA-Synchronization-Failure rounds allowed per session' }),
      aka_prime: Type.Boolean({ default: false, description: 'use EAP-AKA\' (RFC 5448) in the local and swx back-ends' }),
      network_name: Type.String({ default: 'WLAN', description: 'AKA\' access network name (AT_KDF_INPUT)' }),
      max_sessions: Type.Integer({ minimum: 1, default: 100000, description: 'EAP sessions in flight started by this daemon; beyond it new ones get 503 + Retry-After' }),
      max_sessions_per_imsi: Type.Integer({ minimum: 1, default: 4, description: 'EAP sessions in flight per IMSI across the cluster; beyond it 503 + Retry-After' }),
      client_rate_per_s: Type.Number({ exclusiveMinimum: 0, default: 10, description: 'new EAP sessions per second per client address (token bucket refill)' }),
      client_burst: Type.Integer({ minimum: 1, default: 50, description: 'new EAP sessions a client address may start at once (token bucket size)' }),
      keep_finished_ms: Type.Integer({ minimum: 0, default: 600000, description: 'finished, failed and abandoned EAP sessions stay listable this long, then are dropped' }),
    }),
    ts43: o('the TS.43 entitlement server (TS43.md)', {
      entitlement_versions: Type.Object(
        {
          min: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', default: '1.0', description: 'lowest entitlement_version served' }),
          max: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', default: '12.0', description: 'highest entitlement_version served' }),
        },
        { default: {}, additionalProperties: false, description: 'supported entitlement_version range; outside it → 406' },
      ),
      default_vers_validity: Type.Integer({ minimum: 0, default: 86400, description: 'VERS validity, seconds' }),
      websheet_base_url: Type.String({ default: '', description: 'base URL of the websheet put in ServiceFlow_URL; empty = http://<server.fqdn>:<http.port>/websheet, or behind a trusted proxy (http.trust_proxy) its X-Forwarded-Host; never the request\'s Host header' }),
      private_user_id: Type.Union([Type.Literal('auto'), Type.Literal('pseudonym'), Type.Literal('none')], { default: 'auto', description: 'ap2013 private user identity (docs/odsa.md § ap2013): pseudonym = the AAA behind eap_aka.backend swm issues EAP-AKA pseudonyms (AT_NEXT_PSEUDONYM), so ap2013 answers EntitlementStatus 1 with PrivateUserIDType 1; none = EntitlementStatus 2; auto = pseudonym when that AAA is the built-in one with aaa.pseudonyms on (eap_aka.backend swm, aaa.enabled), else none' }),
    }),
    odsa: o('ODSA: eSIM companion (ap2006) and primary (ap2009) devices (docs/odsa.md)', {
      companion_eligibility: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 1, description: 'CheckEligibility CompanionAppEligibility: 0 disabled, 1 enabled, 2 incompatible' }),
      primary_eligibility: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 1, description: 'CheckEligibility PrimaryAppEligibility: 0 disabled, 1 enabled, 2 incompatible' }),
      companion_services: Type.Array(Type.Union([Type.Literal('SharedNumber'), Type.Literal('DiffNumber'), Type.Literal('FamilyNumber')]), { minItems: 1, default: ['SharedNumber'], description: 'CompanionDeviceServices offered; the first is a new companion\'s service when the device names none' }),
      not_enabled_url: Type.String({ default: '', description: 'NotEnabledURL sent when eligibility is not 1; empty = none' }),
      not_enabled_user_data: Type.String({ default: '', description: 'NotEnabledUserData sent with not_enabled_url' }),
      polling_interval_seconds: Type.Integer({ minimum: 1, default: 60, description: 'PollingInterval (PollingIntervalUnit 1 = seconds) while a profile is being prepared' }),
      transfer_message: Type.String({ default: '', description: 'question shown before an eSIM transfer (SubscriptionResult 8 + MSG); empty = none' }),
      require_redownloadable_profile: Type.Boolean({ default: false, description: 'true = a subscribe or transfer without redownloadable_profile=1 gets SubscriptionResult 7' }),
      mvno_name: Type.String({ default: '', description: 'MvnoName in GetSubscriberInfo; empty = none' }),
      subscription_service_url: Type.String({ default: '', description: 'the operator\'s subscription web view: non-empty = ManageSubscription subscribe/change answers SubscriptionResult 1 (CONTINUE TO WEBSHEET) with this SubscriptionServiceURL and the order is polled on AcquireConfiguration; empty = omnisep orders at once' }),
      subscription_service_user_data: Type.String({ default: '', description: 'SubscriptionServiceUserData sent with subscription_service_url; empty = none' }),
      subscription_service_contents_type: Type.Union([Type.Literal(''), Type.Literal('json'), Type.Literal('xml')], { default: '', description: 'SubscriptionServiceContentsType: empty = the device GETs the URL with the user data as query; json / xml = it POSTs them' }),
      delete_profile_in_use: Type.Boolean({ default: false, description: 'true = an eSIM transfer asked by the old device itself answers SubscriptionResult 6 (DELETE PROFILE IN USE): it deletes its profile, the new device downloads with AcquireConfiguration' }),
      max_refresh_requests: Type.Integer({ minimum: 0, maximum: 10000, default: 0, description: 'MaxRefreshRequest: AcquireConfiguration polls of an activating subscription (ServiceStatus 2) before it ends with ServiceStatus 4 DEACTIVATED NO REUSE, and CheckEligibility polls of a primary device while primary_eligibility is 0 before it is answered 2 INCOMPATIBLE; 0 = no limit' }),
      temporary_token_seconds: Type.Integer({ minimum: 30, maximum: 86400, default: 900, description: 'lifetime of a temporary token (AcquireTemporaryToken, TS.43 §2.8.6), seconds' }),
      operator: Type.Union([Type.Literal('lab'), Type.Literal('http')], { default: 'lab', description: 'who reserves eSIM profiles and lists plans: lab = the built-in SM-DP+ keeping profiles in the store; http = POST to operator_url (docs/odsa.md § Operator port)' }),
      operator_url: Type.String({ default: '', description: 'base URL of the operator\'s ODSA call-out (odsa.operator http)' }),
      operator_timeout_ms: Type.Integer({ minimum: 100, maximum: 60000, default: 3000, description: 'time allowed for one call to operator_url' }),
      operator_retries: Type.Integer({ minimum: 0, maximum: 5, default: 2, description: 'extra attempts after a call to operator_url times out or answers 5xx (back-off 200 ms, doubling)' }),
      lab_smdp_address: Type.String({ default: 'smdp.example.net', description: 'SM-DP+ address in the lab operator\'s activation codes' }),
      lab_iccid_prefix: Type.String({ pattern: '^89[0-9]{3,10}$', default: '8900101', description: 'ICCID prefix of the lab operator\'s profiles (Luhn digit appended, 19 digits)' }),
      lab_delay_polls: Type.Integer({ minimum: 0, maximum: 100, default: 0, description: 'lab operator: polls before a new profile is ready (0 = at once; >0 exercises SubscriptionResult 4)' }),
      plans: Type.Array(
        Type.Object({ plan_id: Type.String({ minLength: 1 }), plan_name: Type.String(), plan_description: Type.String() }, { additionalProperties: false }),
        { default: [{ plan_id: 'companion-shared', plan_name: 'Companion, shared number', plan_description: 'The companion device shares the phone number' }], description: 'AcquirePlan offers of the lab operator' },
      ),
    }),
    operator_token: o('operator tokens (TS.43 §14, app ap2015; docs/odsa.md § Operator tokens): the issuer whose signed JWTs omnisep accepts as operator_token', {
      issuer: Type.String({ default: '', description: 'the iss every operator token must carry; empty = operator tokens are refused (401)' }),
      audience: Type.String({ default: '', description: 'a value the aud of every operator token must contain (this entitlement server)' }),
      hmac_secret: Type.String({ default: '', ...secret, description: 'shared secret of HS256/384/512 operator tokens; empty = use jwks_file' }),
      jwks_file: Type.String({ default: '', description: 'JSON Web Key Set file with the issuer\'s public keys (RS*, PS*, ES*, EdDSA); read at first use, and again when the path changes (SIGHUP)' }),
      clock_skew_seconds: Type.Integer({ minimum: 0, maximum: 600, default: 30, description: 'leeway on exp and nbf for clocks that differ' }),
      lifetime_seconds: Type.Integer({ minimum: 60, maximum: 86400, default: 3600, description: 'lifetime of an operator token omnisep mints for a device (AcquireOperatorToken), seconds' }),
      signing_key_file: Type.String({ default: '', description: 'with jwks_file: the issuer\'s private key as a JWK file (JSON with kid; alg, else ES256/EdDSA/RS256 from its type) that AcquireOperatorToken signs with; its public half must be in jwks_file; empty = AcquireOperatorToken answers OperationResult 100 (with hmac_secret, tokens are signed HS256 with the secret)' }),
      auth_url: Type.String({ default: '', description: 'OperatorTokenAuthURL sent with a minted operator token (where the app\'s back end validates it); empty = none' }),
    }),
    enterprise: o('server-initiated ODSA (ap2011, TS.43 §10, §2.8.3; docs/odsa.md § ap2011): the operator\'s authorization server whose access tokens app servers (MDM) send', {
      issuer: Type.String({ default: '', description: 'the iss every access token must carry; empty = ap2011 requests are refused (401)' }),
      audience: Type.String({ default: '', description: 'a value the aud of every access token must contain (this entitlement server)' }),
      hmac_secret: Type.String({ default: '', ...secret, description: 'shared secret of HS256/384/512 access tokens; empty = use jwks_file' }),
      jwks_file: Type.String({ default: '', description: 'JSON Web Key Set file with the authorization server\'s public keys (RS*, PS*, ES*, EdDSA); read at first use, and again when the path changes (SIGHUP)' }),
      clock_skew_seconds: Type.Integer({ minimum: 0, maximum: 600, default: 30, description: 'leeway on exp and nbf for clocks that differ' }),
      token_seconds: Type.Integer({ minimum: 60, maximum: 86400, default: 3600, description: 'validity of the TOKEN a good CheckEligibility answers (bound to requestor_id + enterprise_id), seconds' }),
    }),
    push: o('push on change (TS.43 §2.6, docs/odsa.md § Push): devices that sent notif_token are told when their configuration changes', {
      mode: Type.Union([Type.Literal('off'), Type.Literal('fcm'), Type.Literal('local')], { default: 'off', description: 'off: nothing is sent (registrations are still kept); fcm: Firebase Cloud Messaging HTTP v1; local: the same request to push.url (a lab gateway)' }),
      url: Type.String({ default: '', description: 'local: the gateway URL (required); fcm: replaces the FCM HTTP v1 messages:send URL built from push.project_id' }),
      project_id: Type.String({ default: '', description: 'fcm: the Firebase project id' }),
      access_token: Type.String({ default: '', ...secret, description: 'OAuth 2.0 bearer token sent as Authorization, as configured (fcm: this or service_account_file; it expires hourly: reload it with SIGHUP)' }),
      service_account_file: Type.String({ default: '', description: 'fcm: a Google service-account JSON file; omnisep signs the RS256 JWT assertion, exchanges it at the token URI for an access token and refreshes it before it expires (replaces access_token)' }),
      token_uri: Type.String({ default: '', description: 'OAuth 2.0 token endpoint of the service-account exchange; empty = the file\'s token_uri (https://oauth2.googleapis.com/token)' }),
      timeout_ms: Type.Integer({ minimum: 100, maximum: 60000, default: 2000, description: 'time allowed for one send' }),
      max_attempts: Type.Integer({ minimum: 1, maximum: 50, default: 6, description: 'sends of one notification before it is kept as failed' }),
      backoff_ms: Type.Integer({ minimum: 10, default: 1000, description: 'wait after the first failure; doubles on each further one' }),
      max_backoff_ms: Type.Integer({ minimum: 10, default: 300000, description: 'longest wait between two attempts' }),
      poll_ms: Type.Integer({ minimum: 50, maximum: 60000, default: 1000, description: 'how often the backlog is looked at for retries (a change is sent at once)' }),
      concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8, description: 'sends in flight at once' }),
      failed_retention_seconds: Type.Integer({ minimum: 60, default: 86400, description: 'failed notifications stay listed (push ls) this long' }),
    }),
    default_entitlements: o('entitlements of every subscriber without an override (TS43.md § Defaults), snake_case fields per app', {
      ap2003: Type.Record(Type.String(), Type.Unknown(), {
        default: {
          entries: [
            { access_type: 1, home_roaming_nw_type: 1, entitlement_status: 1 },
            { access_type: 2, home_roaming_nw_type: 1, entitlement_status: 1, network_voice_irat_capability: 'EPS-Fallback' },
          ],
        },
        description: 'VoLTE/VoNR: entries, one per access type',
      }),
      ap2004: Type.Record(Type.String(), Type.Unknown(), {
        default: {
          entitlement_status: 1, addr_status: 2, tc_status: 2, prov_status: 1,
          service_flow_url: '', service_flow_user_data: '', message_for_incompatible: 'This service is not available for your subscription. Please contact customer care.',
        },
        description: 'VoWiFi',
      }),
      ap2005: Type.Record(Type.String(), Type.Unknown(), { default: { entitlement_status: 1 }, description: 'SMS over IP' }),
      ap2010: Type.Record(Type.String(), Type.Unknown(), { default: { entitlement_status: 1 }, description: 'data plan' }),
      ap2012: Type.Record(Type.String(), Type.Unknown(), { default: { entitlement_status: 0, tc_status: 2 }, description: 'direct carrier billing' }),
      ap2014: Type.Record(Type.String(), Type.Unknown(), { default: { entitlement_status: 1, msisdn: '' }, description: 'device and user info / phone number' }),
      ap2016: Type.Record(Type.String(), Type.Unknown(), { default: { entitlement_status: 0 }, description: 'satellite mode' }),
    }),
    activity: o('the activity log (ADMIN-API.md § Activity log); retention is enforced continuously and reloaded on SIGHUP', {
      max_records_per_subscriber: Type.Integer({ minimum: 1, default: 1000, description: 'records kept per IMSI (oldest dropped)' }),
      retention_seconds: Type.Integer({ minimum: 60, default: 2592000, description: 'records older than this are dropped (default 30 days)' }),
      max_body_bytes: Type.Integer({ minimum: 0, default: 4096, description: 'request/response bodies stored per record are cut to this size' }),
      max_field_bytes: Type.Integer({ minimum: 16, default: 512, description: 'every other stored text (each header value, path, terminal_id, User-Agent, …) is cut to this many characters, the cut marked …[N more]; at most 48 headers are kept' }),
      anonymous_records_per_minute: Type.Integer({ minimum: 0, default: 120, description: 'records of requests without an IMSI (unauthenticated) kept per minute; the rest are only counted (omnisep_activity_records_sampled_out_total)' }),
      max_bytes: Type.Integer({ minimum: 0, default: 536870912, description: 'disk bound of the activity log (embedded driver): the oldest records are dropped to keep the live ones under half of it, and the file is compacted when it reaches it; 0 = no bound' }),
    }),
    diameter: o('the Diameter node (DIAMETER.md)', {
      service_name: Type.String({ default: 'omni_sep_aaa', description: 'name of the Diameter service' }),
      enabled: Type.Boolean({ default: true, description: 'run the Diameter node (needed by the swm and swx back-ends and XCAP hss_sync)' }),
      listen_ip: Type.String({ default: '127.0.0.1', description: 'where omnisep accepts Diameter peers' }),
      listen_port: port(3868, 'Diameter listen port'),
      host: Type.String({ default: 'omnisep.localdomain', description: 'Origin-Host (env DIAMETER_HOST)' }),
      realm: Type.String({ default: 'localdomain', description: 'Origin-Realm (env DIAMETER_REALM)' }),
      product_name: Type.String({ default: 'OmniSep', description: 'Product-Name in CER/CEA' }),
      vendor_id: Type.Integer({ default: 10415, description: 'Vendor-Id in CER/CEA' }),
      auth_application_ids: Type.Array(Type.Integer(), { default: [16777264], description: 'Auth-Application-Ids advertised: 16777264 SWm, 16777265 SWx, 16777217 Sh (TS 29.273, 29.329)' }),
      acct_application_ids: Type.Array(Type.Integer(), { default: [], description: 'Acct-Application-Ids advertised' }),
      supported_vendor_ids: Type.Array(Type.Integer(), { default: [10415], description: 'Supported-Vendor-Ids advertised' }),
      request_timeout: Type.Integer({ minimum: 100, default: 5000, description: 'per-request answer timeout, ms' }),
      watchdog_seconds: Type.Integer({ minimum: 6, default: 30, description: 'device watchdog interval Tw (RFC 3539), seconds, jittered' }),
      reconnect_seconds: Type.Integer({ minimum: 1, default: 30, description: 'reconnect timer Tc, seconds (back-off applies)' }),
      allow_undefined_peers_to_connect: Type.Boolean({ default: true, description: 'accept incoming peers that are not listed in peers' }),
      peer_selection_algorithm: Type.Union([Type.Literal('round_robin'), Type.Literal('failover')], { default: 'round_robin', description: 'how requests spread over connected peers' }),
      tls: o('TLS/TCP for Diameter (RFC 6733 §13): mutual certificates signed by one CA, each naming its Origin-Host', {
        listen: Type.Boolean({ default: false, description: 'also accept peers with TLS from the first byte on listen_port (the secure port)' }),
        listen_port: port(5658, 'Diameter TLS listen port (RFC 6733 secure port)'),
        cert: Type.String({ default: '', description: 'PEM certificate of this node; must name diameter.host (subjectAltName DNS or CN)' }),
        key: Type.String({ default: '', description: 'PEM private key of the certificate' }),
        ca: Type.String({ default: '', description: 'PEM CA bundle that peers\' certificates must chain to' }),
      }),
      peers: Type.Array(Peer, {
        default: [{ host: 'aaa.localdomain', ip: '127.0.0.1', port: 3869, transport: 'tcp' }],
        description: 'peers to connect to (peers[0].host env AAA_PEER_HOST, peers[0].ip env AAA_PEER_IP); the default is the built-in AAA',
      }),
      routes: Type.Array(Route, {
        default: [],
        description: 'realm routing table (RFC 6733 §2.7): Destination-Realm + application → local, relay, proxy or redirect with its peers; realm * is the default route; empty: every request goes to any connected peer supporting its application',
      }),
      max_redirects: Type.Integer({ minimum: 0, maximum: 10, default: 3, description: 'redirects (3006 DIAMETER_REDIRECT_INDICATION) one request follows before it fails; a redirect back to a host that had the request fails at once' }),
    }),
    aaa: o('the built-in AAA/HSS (EAP-AKA.md § The built-in peers), for labs without a 3GPP AAA', {
      enabled: Type.Boolean({ default: true, description: 'run the built-in AAA inside serve, on loopback' }),
      listen_ip: Type.String({ default: '127.0.0.1', description: 'where the built-in AAA listens' }),
      listen_port: port(3869, 'built-in AAA Diameter port'),
      host: Type.String({ default: 'aaa.localdomain', description: 'Origin-Host of the built-in AAA' }),
      realm: Type.String({ default: 'localdomain', description: 'Origin-Realm of the built-in AAA' }),
      subscribers_file: Type.String({ default: 'fixtures/subscribers/lab.csv', description: 'CSV of lab SIMs (imsi,msisdn,ki,opc,amf,sqn) loaded into the local subscriber store on start' }),
      allowed_peers: Type.Array(
        Type.Object({
          host: Type.String({ minLength: 1, description: 'the peer\'s Origin-Host' }),
          ip: Type.String({ minLength: 1, description: 'the source address it must connect from (an IP, or "loopback")' }),
        }, { additionalProperties: false }),
        { default: [], description: 'Diameter peers the built-in AAA accepts besides this daemon\'s own diameter.host on loopback; any other CER gets 3010 DIAMETER_UNKNOWN_PEER and a disconnect' },
      ),
      pseudonyms: Type.Boolean({ default: true, description: 'issue an EAP-AKA pseudonym (AT_NEXT_PSEUDONYM) after each full authentication (RFC 4187 §4.1.1.7)' }),
      fast_reauth: Type.Boolean({ default: true, description: 'issue fast re-authentication identities (AT_NEXT_REAUTH_ID) and accept EAP-AKA fast re-authentication (RFC 4187 §5)' }),
      max_reauths: Type.Integer({ minimum: 0, maximum: 65534, default: 16, description: 'fast re-authentications in a row before a full authentication is required (0 = none)' }),
      pseudonym_lifetime_seconds: Type.Integer({ minimum: 60, default: 604800, description: 'an issued pseudonym is recognised this long, seconds' }),
      reauth_id_lifetime_seconds: Type.Integer({ minimum: 60, default: 86400, description: 'an issued fast re-authentication identity is accepted this long, seconds' }),
    }),
    xcap: o('the XCAP server for simservs (XCAP.md)', {
      enabled: Type.Boolean({ default: true, description: 'serve XCAP on the public HTTP port' }),
      root: Type.String({ default: '', description: 'XCAP root prefix, e.g. /xcap-root' }),
      trusted_proxies: Type.Array(Type.String(), { default: [], description: 'addresses or CIDR blocks whose X-3GPP-Asserted-Identity is trusted' }),
      digest_realm: Type.String({ default: 'omnisep', description: 'HTTP Digest realm' }),
      max_document_bytes: Type.Integer({ minimum: 1024, maximum: 16777216, default: 262144, description: 'largest XCAP document (or PUT body) parsed, bytes; larger → 409 constraint-failure / 413' }),
      max_attributes_per_element: Type.Integer({ minimum: 4, maximum: 4096, default: 64, description: 'attributes (namespace declarations included) allowed on one XML element; more → 409 not-well-formed' }),
      max_digest_failures: Type.Integer({ minimum: 1, default: 10, description: 'failed HTTP Digest attempts per user within digest_lockout_seconds before that user is locked out (429) for the rest of the window' }),
      digest_lockout_seconds: Type.Integer({ minimum: 1, default: 300, description: 'window of xcap.max_digest_failures, seconds' }),
      hss_sync: Type.Boolean({ default: false, description: 'read misses from and push writes to the HSS over Sh' }),
      no_reply_timer: Type.Object(
        {
          min: Type.Integer({ minimum: 1, default: 5, description: 'lowest NoReplyTimer accepted, seconds (TS 24.604)' }),
          max: Type.Integer({ minimum: 1, default: 180, description: 'highest NoReplyTimer accepted, seconds (TS 24.604)' }),
        },
        { default: {}, additionalProperties: false, description: 'NoReplyTimer range' },
      ),
    }),
    vvm: o('visual voicemail (VVM.md)', {
      enabled: Type.Boolean({ default: false, description: 'run the IMAP server and the VVM SMS flows' }),
      imap_listen_ip: Type.String({ default: '127.0.0.1', description: 'where the IMAP listeners bind' }),
      imap_port: port(143, 'IMAP port with STARTTLS (what STATUS advertises as ipt=; Android connects in the clear and upgrades)'),
      imaps_port: port(993, 'IMAP port with implicit TLS'),
      imap_server: Type.String({ default: 'vvm.example.com', description: 'IMAP host name put in STATUS SMS (srv=) and in the addresses and Message-IDs of stored messages' }),
      imap_cert: Type.String({ default: '', description: 'PEM certificate for IMAP TLS; empty = the admin API\'s certificate (admin.tls_cert, or the one generated under the data dir)' }),
      imap_key: Type.String({ default: '', description: 'PEM key for IMAP TLS; empty = the admin API\'s key' }),
      imap_allow_plaintext_login: Type.Boolean({ default: false, description: 'lab only: accept LOGIN/AUTHENTICATE on the STARTTLS port before STARTTLS (refused in production)' }),
      imap_max_connections: Type.Integer({ minimum: 1, default: 10000, description: 'open IMAP connections (both ports); more are answered BYE and closed' }),
      imap_max_connections_per_ip: Type.Integer({ minimum: 1, default: 64, description: 'open IMAP connections from one client address; more are answered BYE and closed' }),
      imap_idle_timeout_seconds: Type.Integer({ minimum: 10, default: 1800, description: 'an authenticated connection silent this long (IDLE included, RFC 3501 §5.4: at least 30 min) is closed' }),
      imap_login_timeout_seconds: Type.Integer({ minimum: 5, default: 60, description: 'a connection must log in within this, seconds' }),
      imap_max_line_bytes: Type.Integer({ minimum: 1024, maximum: 16777216, default: 65536, description: 'longest IMAP command line (outside literals); longer → BAD and the connection closed' }),
      imap_max_literal_bytes: Type.Integer({ minimum: 1024, maximum: 1073741824, default: 10485760, description: 'largest IMAP literal (an APPENDed greeting); a larger announcement → NO [TOOBIG] before any byte is read' }),
      max_login_failures: Type.Integer({ minimum: 1, default: 5, description: 'wrong PINs in a row before an account is locked out (counted per account, in the store)' }),
      login_lockout_seconds: Type.Integer({ minimum: 1, default: 900, description: 'how long a locked-out account refuses LOGIN (\'user is blocked\'); the operator\'s set-pin or unblock ends it' }),
      login_failure_delay_ms: Type.Integer({ minimum: 0, maximum: 60000, default: 1000, description: 'every failed LOGIN is answered after this delay, ms' }),
      smtp_port: Type.Integer({ default: 587, description: 'SMTP port advertised in STATUS (spt=)' }),
      tui_number: Type.String({ default: '*86', description: 'TUI number advertised in STATUS' }),
      sms_source_number: Type.String({ default: '+61400000000', description: 'source number of VVM SMS' }),
      sms_gateway: Type.String({ default: '', description: 'SMS gateway URL; empty = SMS are logged only' }),
      client_prefix: Type.String({ default: '//VVM', description: 'client prefix of VVM SMS (Verizon: //VZWVVM)' }),
      sms_gateway_auth: Type.String({ default: '', ...secret, description: 'value of the Authorization header sent to vvm.sms_gateway (e.g. "Bearer KEY"); empty = none' }),
      sms_gateway_body: Type.String({ default: '{"to":"{to}","from":"{from}","text":"{text}","port":"{port}"}', description: 'JSON body POSTed to vvm.sms_gateway: placeholders {to} {from} {text} {port} {type} {id} are filled in; a string that is exactly "{port}" becomes a number (docs/vvm-sms.md § Gateway request)' }),
      sms_gateway_timeout_ms: Type.Integer({ minimum: 100, maximum: 60000, default: 5000, description: 'one gateway call must answer within this, ms; slower is a failed attempt (retried)' }),
      sms_gateway_max_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: 'gateway attempts per SMS (first + retries) before it is kept as failed in the backlog' }),
      sms_gateway_backoff_ms: Type.Integer({ minimum: 10, maximum: 3600000, default: 2000, description: 'wait before the first retry, ms; doubled after each failed attempt, at most 10 minutes' }),
      sms_port: Type.Integer({ minimum: 0, maximum: 65535, default: 5499, description: 'application port of the 8-bit data SMS to the phone ({port}); must match the phones\' carrier configuration; 0 = plain text SMS' }),
      sms_failed_retention_seconds: Type.Integer({ minimum: 60, default: 604800, description: 'an SMS the gateway never took stays visible in the backlog (omnisep vvm sms ls) this long, seconds' }),
      languages: Type.Array(Type.String({ pattern: '^[0-9]{1,2}$' }), { default: ['1'], description: 'OMTP language numbers offered to phones (STATUS lang=, joined with |)' }),
      min_pin_length: Type.Integer({ minimum: 1, default: 4, description: 'shortest PIN' }),
      max_pin_length: Type.Integer({ minimum: 1, default: 15, description: 'longest PIN' }),
      default_max_messages: Type.Integer({ minimum: 1, default: 100, description: 'messages per mailbox' }),
      default_storage_limit_kb: Type.Integer({ minimum: 1, default: 50000, description: 'mailbox quota, KiB' }),
      default_max_greeting_seconds: Type.Integer({ minimum: 1, default: 60, description: 'longest greeting, seconds' }),
    }),
  },
  { additionalProperties: false },
);
export type OmnisepConfig = Static<typeof configSchema>;

/** Environment variables that override keys (CLI.md § Config). `diameter.peers.0.*` addresses the first peer. */
export const ENV_OVERRIDES: ReadonlyArray<readonly [env: string, key: string]> = [
  ['OMNI_SEP_FQDN', 'server.fqdn'],
  ['OMNI_SEP_TOKEN_SECRET', 'token.signing_secret'],
  ['DIAMETER_HOST', 'diameter.host'],
  ['DIAMETER_REALM', 'diameter.realm'],
  ['AAA_PEER_HOST', 'diameter.peers.0.host'],
  ['AAA_PEER_IP', 'diameter.peers.0.ip'],
  ['OMNISEP_SOCKET', 'control.socket'],
  ['OMNISEP_PUSH_ACCESS_TOKEN', 'push.access_token'],
  ['OMNISEP_KEK', 'subscribers.kek'],
];

/** Invalid configuration: every problem names the key and, when there is one, the file. `serve` and `config check` exit EXIT_CONFIG (78). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[], readonly file?: string) {
    super(`invalid configuration${file ? ` in ${file}` : ''}:\n  ${problems.join('\n  ')}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema node at a dotted path (`diameter.peers.0.host`), or undefined for an unknown key. */
export function schemaAt(path: string): TSchema | undefined {
  let node: TSchema | undefined = configSchema;
  for (const seg of path.split('.')) {
    if (!node) return undefined;
    if (node.type === 'object' && node.properties) node = (node.properties as Record<string, TSchema>)[seg] ?? (node.patternProperties ? Object.values(node.patternProperties as Record<string, TSchema>)[0] : undefined);
    else if (node.type === 'object' && node.patternProperties) node = Object.values(node.patternProperties as Record<string, TSchema>)[0];
    else if (node.type === 'array' && /^\d+$/.test(seg)) node = node.items as TSchema;
    else if (node[Kind] === 'Unknown') return node;
    else return undefined;
  }
  return node;
}

/** Turn the text of a `--set`/env value into the type the schema wants at that key. */
export function coerceValue(path: string, raw: string): unknown {
  const node = schemaAt(path);
  const kinds = node ? (node.anyOf ? (node.anyOf as TSchema[]).map((s) => s.type) : [node.type]) : [];
  if (kinds.length === 1 && kinds[0] === 'string') return raw;
  if (kinds.every((k) => k === 'string') && kinds.length) return raw;
  try {
    const v = yaml().parse(raw);
    // `--set admin.api_keys=abc` means a one-element list.
    if (node?.type === 'array' && !Array.isArray(v)) return raw === '' ? [] : raw.split(',').map((s) => s.trim());
    return v === null && kinds.includes('string') ? raw : v;
  } catch {
    return raw;
  }
}

/** Set `value` at a dotted path inside `target`, creating objects (and array slots) on the way. */
export function setPath(target: Obj, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur: Obj | unknown[] = target;
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i]!;
    const key: string | number = Array.isArray(cur) ? Number(seg) : seg;
    let next = (cur as Record<string | number, unknown>)[key];
    if (typeof next !== 'object' || next === null) {
      next = /^\d+$/.test(segs[i + 1]!) ? [] : {};
      (cur as Record<string | number, unknown>)[key] = next;
    }
    cur = next as Obj | unknown[];
  }
  const last = segs[segs.length - 1]!;
  (cur as Record<string | number, unknown>)[Array.isArray(cur) ? Number(last) : last] = value;
}

/** Parse `key.path=value` into [key, value]; throws ConfigError naming a bad or unknown key. */
export function parseSet(expr: string): [string, unknown] {
  const eq = expr.indexOf('=');
  if (eq <= 0) throw new ConfigError([`--set ${JSON.stringify(expr)}: expected key.path=value, e.g. token.validity_seconds=3600`]);
  const key = expr.slice(0, eq).trim();
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(key)) throw new ConfigError([`--set ${key}: keys are snake_case dotted paths, e.g. admin.api_keys`]);
  if (!schemaAt(key)) throw new ConfigError([`--set ${key}: unknown key (see omnisep.conf(5) or \`omnisep config show\`)`]);
  return [key, coerceValue(key, expr.slice(eq + 1))];
}

export interface ResolveInput {
  /** The config file's text (YAML; JSON is valid YAML), if any. */
  text?: string;
  /** The file name, for messages. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** `key.path=value` overrides, applied last, in order. */
  sets?: readonly string[];
  /** More rules over the resolved configuration (the daemon adds the per-app entitlement checks); reported with the rest. */
  extraChecks?: (cfg: OmnisepConfig) => string[];
  /** Told how the seed's names in the file were mapped (config-seed.ts; `config check` prints them). */
  onSeedNames?: (mapped: readonly string[]) => void;
}

/** Keys that existed once, with what replaced them: `config check` says so instead of "unknown key" (release notes in docs/config.md). */
export const RETIRED_KEYS: Readonly<Record<string, string>> = {
  'vvm.imap_ssl': 'removed: vvm.imap_port is now the STARTTLS port (default 143, what STATUS advertises) and vvm.imaps_port the implicit-TLS port (default 993) — delete imap_ssl; if it was true, set imaps_port to the old imap_port',
};

/** Rules that may see a configuration the schema refused: their own crash must not hide the schema's problems. */
function bestEffort(check: (cfg: OmnisepConfig) => string[], cfg: OmnisepConfig): string[] {
  try {
    return check(cfg);
  } catch {
    return [];
  }
}

/** Defaults ← file ← environment ← --set; then validate. Throws ConfigError naming every bad key, all in one pass. */
export function resolveConfig(input: ResolveInput = {}): OmnisepConfig {
  const { file } = input;
  let raw: unknown = {};
  if (input.text !== undefined && input.text.trim() !== '') {
    const doc = yaml().parseDocument(input.text, { prettyErrors: true });
    if (doc.errors.length) throw new ConfigError(doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`), file);
    raw = doc.toJS() ?? {};
  }
  if (!isObj(raw)) throw new ConfigError(['the top level must be a mapping of sections (server:, http:, admin:, ...)'], file);
  // The seed's names (default_entitlements.vowifi, entitlement_version) → omnisep's keys.
  const seed = mapSeedNames(raw);
  input.onSeedNames?.(seed.mapped);
  const merged = structuredClone(seed.raw) as Obj;
  const problems: string[] = [...seed.problems];
  for (const [env, key] of ENV_OVERRIDES) {
    const v = input.env?.[env];
    if (v !== undefined && v !== '') {
      if (key.startsWith('diameter.peers.0.')) ensureFirstPeer(merged);
      setPath(merged, key, coerceValue(key, v));
    }
  }
  for (const s of input.sets ?? []) {
    try {
      const [key, value] = parseSet(s);
      if (key.startsWith('diameter.peers.0.')) ensureFirstPeer(merged);
      setPath(merged, key, value);
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length) throw new ConfigError(problems, file);
  const withDefaults = Value.Default(configSchema, merged) as Obj;
  for (const err of Value.Errors(configSchema, withDefaults)) {
    const key = err.path.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
    const parent = schemaAt(key.split('.').slice(0, -1).join('.'));
    const msg = err.message === 'Unexpected property' && RETIRED_KEYS[key]
      ? RETIRED_KEYS[key]
      : err.message === 'Unexpected property' && parent?.properties
      ? `unknown key (known here: ${Object.keys(parent.properties as Obj).join(', ')})`
      : err.schema.description && err.message.startsWith('Expected union') ? `${err.message} (${err.schema.description})` : err.message;
    problems.push(`${key}: ${msg}`);
  }
  const cfg = orderLike(configSchema, withDefaults) as OmnisepConfig;
  problems.push(...bestEffort(semanticProblems, cfg));
  if (input.extraChecks) problems.push(...bestEffort(input.extraChecks, cfg));
  if (problems.length) throw new ConfigError([...new Set(problems)], file);
  return cfg;
}

/** Keys in schema order, so `config show` reads like omnisep.conf(5). */
function orderLike(schema: TSchema, value: unknown): unknown {
  if (!isObj(value) || schema.type !== 'object' || !schema.properties) return value;
  const out: Obj = {};
  for (const [k, s] of Object.entries(schema.properties as Record<string, TSchema>)) if (k in value) out[k] = orderLike(s, value[k]);
  for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k];
  return out;
}

/** A peer set from env when the file lists none starts from the default built-in-AAA peer. */
function ensureFirstPeer(merged: Obj): void {
  const d = isObj(merged.diameter) ? merged.diameter : ((merged.diameter = {}) as Obj);
  if (!Array.isArray(d.peers) || d.peers.length === 0) d.peers = [{ host: 'aaa.localdomain', ip: '127.0.0.1', port: 3868, transport: 'tcp' }];
}

/** Rules across keys that a schema cannot say. */
export function semanticProblems(cfg: OmnisepConfig): string[] {
  const p: string[] = [];
  if (cfg.server.environment === 'production') {
    if (cfg.token.signing_secret === '' || cfg.token.signing_secret === SAMPLE_SIGNING_SECRET)
      p.push('token.signing_secret: a production start refuses the sample or an empty secret — set OMNI_SEP_TOKEN_SECRET to a long random value (e.g. `openssl rand -hex 32`)');
    else if (cfg.token.signing_secret.length < 32) p.push('token.signing_secret: at least 32 characters in production');
    if (!cfg.admin.tls && cfg.admin.listen_ip !== '127.0.0.1' && cfg.admin.listen_ip !== '::1')
      p.push('admin.tls: production refuses a plain-HTTP admin API on a non-loopback address');
    if (!cfg.eap_aka.enabled) p.push('eap_aka.enabled: false is for development only');
  }
  const t = cfg.diameter.tls;
  const tlsPeers = cfg.diameter.peers.filter((peer) => peer.transport === 'tls').length;
  if ((t.listen || tlsPeers) && (!t.cert || !t.key || !t.ca))
    p.push(`diameter.tls: cert, key and ca are required when ${t.listen ? 'tls.listen is true' : 'a peer uses transport tls'}`);
  if (Boolean(cfg.http.tls_cert) !== Boolean(cfg.http.tls_key))
    p.push(`http.tls_cert and http.tls_key go together: set both for HTTPS on the public listener, or neither for plain HTTP (${cfg.http.tls_cert ? 'tls_key' : 'tls_cert'} is empty)`);
  if (cfg.subscribers.kek && cfg.subscribers.kek_file) p.push('subscribers.kek: set either the KEK (env OMNISEP_KEK) or subscribers.kek_file, not both');
  if (cfg.xcap.no_reply_timer.min > cfg.xcap.no_reply_timer.max) p.push('xcap.no_reply_timer: min is above max');
  if (cfg.vvm.min_pin_length > cfg.vvm.max_pin_length) p.push('vvm.min_pin_length: above vvm.max_pin_length');
  if (Number(cfg.ts43.entitlement_versions.min) > Number(cfg.ts43.entitlement_versions.max)) p.push('ts43.entitlement_versions: min is above max');
  p.push(...policyProblems(cfg));
  return p;
}

/** Dotted paths of every key marked secret in the schema (`admin.api_keys`, `token.signing_secret`). */
export const SECRET_KEYS: readonly string[] = (() => {
  const out: string[] = [];
  const walk = (s: TSchema, prefix: string) => {
    if (s.secret) out.push(prefix);
    if (s.type === 'object' && s.properties) for (const [k, v] of Object.entries(s.properties as Record<string, TSchema>)) walk(v, prefix ? `${prefix}.${k}` : k);
  };
  walk(configSchema, '');
  return out;
})();

/** A copy safe to print: every secret key shows `[REDACTED]` (arrays: one per element; empty stays empty). */
export function redactConfig(cfg: OmnisepConfig): OmnisepConfig {
  const copy = structuredClone(cfg) as unknown as Obj;
  for (const key of SECRET_KEYS) {
    const segs = key.split('.');
    let cur: unknown = copy;
    for (const s of segs.slice(0, -1)) cur = isObj(cur) ? cur[s] : undefined;
    if (!isObj(cur)) continue;
    const last = segs[segs.length - 1]!;
    const v = cur[last];
    if (Array.isArray(v)) cur[last] = v.map(() => REDACTED_VALUE);
    else if (v !== undefined && v !== '') cur[last] = REDACTED_VALUE;
  }
  return copy as unknown as OmnisepConfig;
}

/** The full default configuration (what `omnisep serve` runs with no file). */
export const defaultConfig = (): OmnisepConfig => resolveConfig({});

/** Every leaf key with its default and description, in schema order — for omnisep.conf(5) and `config show --describe`. */
export function describeConfig(): Array<{ key: string; type: string; default: unknown; description: string; secret: boolean; env?: string }> {
  const out: Array<{ key: string; type: string; default: unknown; description: string; secret: boolean; env?: string }> = [];
  const envOf = new Map(ENV_OVERRIDES.map(([e, k]) => [k, e]));
  const walk = (s: TSchema, prefix: string) => {
    if (s.type === 'object' && s.properties) {
      for (const [k, v] of Object.entries(s.properties as Record<string, TSchema>)) walk(v, prefix ? `${prefix}.${k}` : k);
      return;
    }
    const type = s.anyOf ? (s.anyOf as TSchema[]).map((x) => (x.const !== undefined ? JSON.stringify(x.const) : x.type)).join('|') : s.type === 'array' ? `${(s.items as TSchema).type ?? 'object'}[]` : String(s.type ?? 'object');
    out.push({ key: prefix, type, default: s.default, description: String(s.description ?? ''), secret: Boolean(s.secret), env: envOf.get(prefix) ?? (prefix === 'diameter.peers' ? 'AAA_PEER_HOST, AAA_PEER_IP (first peer)' : undefined) });
  };
  walk(configSchema, '');
  return out;
}

/** Where the control socket is and the CLI's pointer to it: ./socket-location.ts (no TypeBox: the CLI loads it alone). */
export { defaultSocketPath, socketPointerPath } from './socket-location.js';

/** `GET /api/config` — the daemon's effective configuration, redacted. */
export const ConfigView = Type.Object({ config: Type.Record(Type.String(), Type.Unknown()), file: Type.Union([Type.String(), Type.Null()]) });
export type ConfigView = Static<typeof ConfigView>;

/**
 * The sample configuration file (fixtures/config/omnisep.yaml): every key at
 * its default with its description as a comment. A test keeps the file equal
 * to this output, so the sample cannot drift from the schema.
 */
export function sampleConfigYaml(): string {
  const { Document, isMap } = yaml();
  const doc = new Document(defaultConfig());
  const walk = (schema: TSchema, node: unknown) => {
    if (!isMap(node) || schema.type !== 'object' || !schema.properties) return;
    for (const pair of node.items) {
      const key = String((pair.key as Scalar).value);
      const s = (schema.properties as Record<string, TSchema>)[key];
      if (!s) continue;
      (pair.key as Scalar).commentBefore = ` ${String(s.description ?? '')}${s.secret ? ' (secret: redacted by `config show`)' : ''}`;
      walk(s, pair.value);
    }
  };
  walk(configSchema, doc.contents);
  return `# omnisep configuration — every key with its default (omnisep.conf(5)).\n# Environment overrides: ${ENV_OVERRIDES.map(([e, k]) => `${e} → ${k}`).join(', ')}.\n${doc.toString({ lineWidth: 0 })}`;
}

/** An incomplete JWT issuer section (operator_token, enterprise): the keys that are missing or clash. */
function jwtIssuerProblems(section: string, what: string, ot: { issuer: string; audience: string; hmac_secret: string; jwks_file: string }): string[] {
  const p: string[] = [];
  if (ot.hmac_secret !== '' && ot.jwks_file !== '') p.push(`${section}.hmac_secret, ${section}.jwks_file: set one of them, not both (allowed: a shared secret for HS256, or the issuer's JWKS file)`);
  if ((ot.hmac_secret !== '' || ot.jwks_file !== '') && (ot.issuer === '' || ot.audience === '')) p.push(`${section}.issuer, ${section}.audience: both are needed to check ${what} (allowed: the issuer's iss and this server's audience, or no key)`);
  if (ot.hmac_secret !== '' && ot.hmac_secret.length < 32) p.push(`${section}.hmac_secret: at least 32 characters (allowed: e.g. \`openssl rand -hex 32\`)`);
  return p;
}

/** Rules that refuse unsafe or lab settings (docs/security.md): every environment for malformed values, production for lab ones. */
export function policyProblems(cfg: OmnisepConfig): string[] {
  const p: string[] = [];
  const listenIp = (key: string, v: string, emptyMeans?: string) => {
    if (v === '' && emptyMeans) return;
    if (!isIP(v)) p.push(`${key}: ${JSON.stringify(v)} is not an IP address (allowed: an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1, ::${emptyMeans ? `; empty = ${emptyMeans}` : ''})`);
  };
  listenIp('http.listen_ip', cfg.http.listen_ip);
  listenIp('admin.listen_ip', cfg.admin.listen_ip);
  listenIp('diameter.listen_ip', cfg.diameter.listen_ip, 'do not listen');
  listenIp('aaa.listen_ip', cfg.aaa.listen_ip);
  listenIp('vvm.imap_listen_ip', cfg.vvm.imap_listen_ip);
  cfg.diameter.routes.forEach((r, i) => {
    if (r.action !== 'local' && r.peers.length === 0) p.push(`diameter.routes.${i}.peers: a ${r.action} route needs at least one peer (allowed: Origin-Hosts of diameter.peers or of peers that connect)`);
    if (r.action === 'local' && r.peers.length) p.push(`diameter.routes.${i}.peers: a local route names no peers (allowed: [] with action local)`);
  });
  cfg.diameter.peers.forEach((peer, i) => {
    if (!isHostOrIp(peer.ip)) p.push(`diameter.peers.${i}.ip: ${JSON.stringify(peer.ip)} is neither an IP address nor a host name (allowed: e.g. 10.0.0.30, 2001:db8::30, aaa.example.net)`);
    if (!isHostOrIp(peer.host)) p.push(`diameter.peers.${i}.host: ${JSON.stringify(peer.host)} is not a Diameter identity (allowed: a host name, e.g. aaa.epc.mnc001.mcc001.3gppnetwork.org)`);
    if (peer.transport !== 'tcp' && peer.transport !== 'tls') p.push(`diameter.peers.${i}.transport: ${peer.transport} is not supported: Node.js has no SCTP sockets (allowed: tcp, tls)`);
  });
  cfg.aaa.allowed_peers.forEach((a, i) => {
    if (a.ip !== 'loopback' && !isIP(a.ip)) p.push(`aaa.allowed_peers.${i}.ip: ${JSON.stringify(a.ip)} is not an IP address (allowed: an IP literal or "loopback")`);
  });
  cfg.xcap.trusted_proxies.forEach((a, i) => {
    // An address or a CIDR block (daemon/http/xcap/identity.ts proxyList reads both).
    const [addr, bits, extra] = a.trim().split('/');
    const family = isIP(addr ?? '');
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !bitsOk || extra !== undefined) p.push(`xcap.trusted_proxies.${i}: ${JSON.stringify(a)} is not an IP address or CIDR block (allowed: e.g. 192.0.2.10, 10.0.0.0/8, 2001:db8::/32)`);
  });
  if (cfg.odsa.operator === 'http') {
    let ok = false;
    try {
      ok = /^https?:$/.test(new URL(cfg.odsa.operator_url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) p.push(`odsa.operator_url: ${JSON.stringify(cfg.odsa.operator_url)} is not an http(s) URL, and odsa.operator is http (allowed: e.g. https://bss.example.net/odsa, or odsa.operator lab)`);
  }
  p.push(...jwtIssuerProblems('operator_token', 'operator tokens', cfg.operator_token));
  p.push(...jwtIssuerProblems('enterprise', 'app servers\' access tokens', cfg.enterprise));
  {
    const ot = cfg.operator_token;
    if (ot.signing_key_file !== '' && ot.jwks_file === '') p.push('operator_token.signing_key_file: only with operator_token.jwks_file, which must hold its public key (allowed: "" with hmac_secret, whose tokens are signed with the secret)');
    if (ot.auth_url !== '' && !/^https?:\/\/[^\s/]+/i.test(ot.auth_url)) p.push(`operator_token.auth_url: ${JSON.stringify(ot.auth_url)} is not an http(s) URL (allowed: "" or e.g. https://auth.operator.example/validate)`);
  }
  if (cfg.ts43.private_user_id === 'pseudonym' && cfg.eap_aka.backend !== 'swm') {
    p.push(`ts43.private_user_id: pseudonym needs eap_aka.backend swm (the device takes AT_NEXT_PSEUDONYM from the AAA's challenge that omnisep relays; the ${cfg.eap_aka.backend} back-end sends none) (allowed: auto, none, or eap_aka.backend swm)`);
  }
  if (cfg.push.mode === 'local' && !/^https?:\/\/[^\s/]+/i.test(cfg.push.url)) p.push(`push.url: ${JSON.stringify(cfg.push.url)} is not an http(s) URL, and push.mode is local (allowed: e.g. http://127.0.0.1:9099/push, or push.mode off)`);
  if (cfg.push.mode === 'fcm' && (cfg.push.project_id === '' || (cfg.push.access_token === '' && cfg.push.service_account_file === ''))) p.push('push.project_id, push.access_token | push.service_account_file: push.mode fcm needs the project id and a credential (allowed: your Firebase project id and a service-account JSON file or an OAuth 2.0 access token, or push.mode off)');
  if (cfg.push.token_uri !== '' && !/^https?:\/\/[^\s/]+/i.test(cfg.push.token_uri)) p.push(`push.token_uri: ${JSON.stringify(cfg.push.token_uri)} is not an http(s) URL (allowed: "" or e.g. https://oauth2.googleapis.com/token)`);
  if (!isHostOrIp(cfg.server.fqdn)) p.push(`server.fqdn: ${JSON.stringify(cfg.server.fqdn)} is not a host name (allowed: e.g. aes.mnc001.mcc001.pub.3gppnetwork.org)`);

  if (cfg.server.environment === 'production') {
    // Features switched on with nothing behind them.
    if (cfg.vvm.imap_allow_plaintext_login) p.push('vvm.imap_allow_plaintext_login: production never takes a PIN in the clear (allowed: false; phones upgrade with STARTTLS)');
    const needsDiameter = cfg.eap_aka.enabled && (cfg.eap_aka.backend === 'swm' || cfg.eap_aka.backend === 'swx');
    if (needsDiameter && !cfg.diameter.enabled) p.push(`eap_aka.backend: ${cfg.eap_aka.backend} needs the Diameter node (allowed: diameter.enabled true, or eap_aka.backend local)`);
    if (needsDiameter && cfg.diameter.enabled && cfg.diameter.peers.length === 0) p.push(`diameter.peers: eap_aka.backend ${cfg.eap_aka.backend} needs at least one peer (allowed: your AAA/HSS, or aaa.enabled with its default peer)`);
    if (needsDiameter && cfg.diameter.enabled && !cfg.aaa.enabled && cfg.diameter.peers.length > 0 && cfg.diameter.peers.every((x) => x.host === cfg.aaa.host))
      p.push(`diameter.peers: the only peer is the built-in AAA (${cfg.aaa.host}) but aaa.enabled is false (allowed: aaa.enabled true, or a peer that runs elsewhere)`);
    if (cfg.xcap.hss_sync && !cfg.diameter.enabled) p.push('xcap.hss_sync: needs the Diameter node for Sh (allowed: false, or diameter.enabled true)');
    if (cfg.xcap.hss_sync && !cfg.xcap.enabled) p.push('xcap.hss_sync: XCAP is disabled (allowed: false, or xcap.enabled true)');
    if (isLocalName(cfg.server.fqdn)) p.push(`server.fqdn: ${cfg.server.fqdn} cannot be reached by a phone (allowed in production: the public name, e.g. aes.mnc001.mcc001.pub.3gppnetwork.org)`);
    if (cfg.aaa.enabled && cfg.aaa.subscribers_file !== '' && isLabFile(cfg.aaa.subscribers_file))
      p.push(`aaa.subscribers_file: ${cfg.aaa.subscribers_file} holds the published TS 35.208 lab SIMs (allowed in production: "" or your own subscriber file)`);
    if (cfg.ts43.websheet_base_url !== '' && !/^https:\/\//i.test(cfg.ts43.websheet_base_url))
      p.push('ts43.websheet_base_url: production sends the websheet link over https only (allowed: "" or an https:// URL)');
    else if (cfg.ts43.websheet_base_url !== '') {
      try {
        if (isLocalName(new URL(cfg.ts43.websheet_base_url).hostname.replace(/^\[|\]$/g, ''))) p.push('ts43.websheet_base_url: points at a local name (allowed: a URL phones can reach)');
      } catch {
        p.push('ts43.websheet_base_url: not a URL (allowed: "" or an https:// URL)');
      }
    }
  } else if (cfg.ts43.websheet_base_url !== '') {
    try {
      new URL(cfg.ts43.websheet_base_url);
    } catch {
      p.push('ts43.websheet_base_url: not a URL (allowed: "" or an absolute http(s):// URL)');
    }
  }
  p.push(...vvmSmsProblems(cfg));
  return p;
}

/** The VVM SMS gateway keys (docs/vvm-sms.md): a URL and a JSON body template everywhere; in production a real https gateway. */
export function vvmSmsProblems(cfg: OmnisepConfig): string[] {
  const p: string[] = [];
  const v = cfg.vvm;
  let url: URL | null = null;
  if (v.sms_gateway !== '') {
    try {
      url = new URL(v.sms_gateway);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      url = null;
      p.push(`vvm.sms_gateway: ${JSON.stringify(v.sms_gateway)} is not an http(s) URL (allowed: "" or e.g. https://sms-gateway.example.com/api/send)`);
    }
  }
  try {
    const body = JSON.parse(v.sms_gateway_body) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    for (const need of ['{to}', '{text}']) if (!v.sms_gateway_body.includes(need)) p.push(`vvm.sms_gateway_body: has no ${need} placeholder (the gateway could not know ${need === '{to}' ? 'the destination' : 'the text'})`);
  } catch {
    p.push('vvm.sms_gateway_body: not a JSON object (allowed: e.g. {"to":"{to}","from":"{from}","text":"{text}","port":"{port}"})');
  }
  if (cfg.server.environment === 'production' && v.enabled) {
    if (v.sms_gateway === '') p.push('vvm.sms_gateway: production VVM needs an SMS gateway: without one no STATUS or SYNC reaches a phone (allowed: an https:// URL)');
    else if (url && url.protocol !== 'https:') p.push('vvm.sms_gateway: production sends VVM credentials (STATUS pw=) to the gateway over https only (allowed: an https:// URL)');
    else if (url && isLocalName(url.hostname.replace(/^\[|\]$/g, ''))) p.push('vvm.sms_gateway: points at a local name, a lab gateway (allowed: your SMS gateway\'s URL)');
    if (isLocalName(v.imap_server)) p.push(`vvm.imap_server: ${v.imap_server} cannot be reached by a phone; STATUS sends it as srv= (allowed: the public IMAP host name)`);
  }
  return p;
}
