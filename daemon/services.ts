/**
 * The services of the daemon, built once by the composition root (daemon/main.ts) into one typed
 * `Services` object, and their maintenance timers. Plugins and admin routes receive what they need from
 * it; none builds a service of its own. Test harnesses build the same object with `buildServices`.
 *
 * The authentication back-end is chosen from `eap_aka.backend` when each EAP session opens, from what the
 * Diameter wiring (daemon/diameter/wire.ts) registered in `services.backends`: the order in which the
 * parts start does not matter, and a back-end not (yet) registered answers "unavailable" (503).
 */
import type { OmnisepConfig } from '../src/contracts/config.js';
import type { AaaRelay, AuthVectorSource, Clock, EventSink, Random, Store } from '../src/ports.js';
import { ActivityService } from '../src/services/activity.js';
import { EapAuthService } from '../src/services/eap-auth/eap-auth-service.js';
import { FsmBackend, RelayBackend, type BackendSession, type EapBackend, type SavedBackendSession } from '../src/services/eap-auth/backends.js';
import { deriveSealKey } from '../src/crypto/seal.js';
import type { Registry } from 'prom-client';
import { ts43Metrics } from './http/ts43/metrics.js';
import { EntitlementService } from '../src/services/entitlements/overrides.js';
import { SubscriberService } from '../src/services/subscribers.js';
import { loadKeyring } from './config/kek.js';
import { TokenService } from '../src/services/tokens.js';
import { EntitlementBulk } from '../src/services/entitlement-bulk.js';
import { XcapService, type HssSh } from '../src/services/xcap/service.js';
import { WebsheetGrants } from '../src/services/entitlements/websheet-grants.js';
import { Secret } from '../src/util/secret.js';
import type { BuiltinAaa } from './diameter/builtin-aaa.js';
import type { DiameterNode } from './diameter/node.js';
import { buildOdsa, type OdsaServices } from './odsa/build.js';
import { VvmAccountService } from '../src/services/vvm/accounts.js';
import { VvmMailboxService } from '../src/services/vvm/mailbox.js';
import { buildVvmSms, type VvmSms } from './vvm/wire.js';

/** What the Diameter wiring registers (all optional: absent = feature off or not wired). */
export interface AuthBackends {
  /** The Diameter node: peers for GET /api/diameter. */
  diameter?: DiameterNode;
  /** SWm relay to the AAA (eap_aka.backend = swm). */
  aaaRelay?: AaaRelay;
  /** Vector source of the swx/local back-ends. */
  vectorSource?: AuthVectorSource;
  /** The built-in AAA/HSS (aaa.enabled). */
  builtinAaa?: BuiltinAaa;
  /** The Sh client for xcap.hss_sync. */
  hssSh?: HssSh;
}

/** Every service of the daemon, each built once. */
export interface Services {
  activity: ActivityService;
  subscribers: SubscriberService;
  entitlements: EntitlementService;
  /** Entitlement overrides in bulk (`entitlement import|export`). */
  entitlementBulk: EntitlementBulk;
  tokens: TokenService;
  eapAuth: EapAuthService;
  xcap: XcapService;
  /** Websheet links: single-purpose, revocable grants checked on each use (docs/security.md). */
  websheetGrants: WebsheetGrants;
  backends: AuthBackends;
  /** ODSA subscriptions (ap2006/ap2009) and temporary tokens (docs/odsa.md). */
  odsa: OdsaServices['odsa'];
  temporaryTokens: OdsaServices['temporaryTokens'];
  push: OdsaServices['push'];
  operatorTokens: OdsaServices['operatorTokens'];
  /** Server-initiated ODSA (ap2011): enterprises, their subscriptions, app servers' tokens (docs/odsa.md § ap2011). */
  enterprises: OdsaServices['enterprises'];
  /** Visual voicemail (VVM.md): accounts and mailboxes; the IMAP server (daemon/imap) and the OMTP side build on them. */
  vvm: { accounts: VvmAccountService; mailbox: VvmMailboxService };
  /** The VVM SMS side (daemon/vvm/wire.ts): the durable SMS backlog and the OMTP flows (STATUS, SYNC, MO requests). */
  vvmSms: VvmSms;
}

export interface ServiceDeps {
  config: OmnisepConfig;
  store: Store;
  clock: Clock;
  random: Random;
  events: EventSink;
  activity: ActivityService;
  logger?: { warn?(obj: object, msg?: string): void; error(obj: object, msg?: string): void } | undefined;
  /** The daemon's Prometheus registry: EAP sessions refused by a limit are counted there. */
  metrics?: Registry | undefined;
}

/** The back-end of `eap_aka.backend` over what is registered now, or null when nothing is. */
export function chooseBackend(config: OmnisepConfig, backends: AuthBackends, clock: Clock): EapBackend | null {
  const c = config.eap_aka;
  if (c.backend === 'swm') return backends.aaaRelay ? new RelayBackend(backends.aaaRelay) : null;
  const source = backends.vectorSource;
  if (!source) return null;
  return new FsmBackend(c.backend, source, {
    variant: c.aka_prime ? 'aka-prime' : 'aka',
    networkName: c.network_name,
    maxResync: c.max_resync,
    timeoutMs: c.session_timeout_ms,
    now: () => clock.now(),
    sourceGivesPrimeKeys: c.backend === 'swx',
  });
}

/** The configured back-end, looked up when each session opens. Not registered → every attempt is "unavailable". */
class ConfiguredBackend implements EapBackend {
  constructor(private readonly config: OmnisepConfig, private readonly backends: AuthBackends, private readonly clock: Clock) {}
  get name(): 'swm' | 'swx' | 'local' {
    return this.config.eap_aka.backend;
  }
  open(): BackendSession {
    const real = chooseBackend(this.config, this.backends, this.clock);
    if (real) return real.open();
    return this.#unconfigured();
  }
  /** Continues a session another daemon (or this one) began, from its saved state in eap_state. */
  resume(saved: SavedBackendSession): BackendSession {
    const real = chooseBackend(this.config, this.backends, this.clock);
    return real ? real.resume(saved) : this.#unconfigured();
  }
  #unconfigured(): BackendSession {
    const failure = { type: 'failure', cause: 'unavailable', result: null, detail: `${this.name} back-end is not configured` } as const;
    return { aaaSessionId: null, start: async () => failure, respond: async () => failure, save: () => { throw new Error('no back-end'); }, close: () => {} };
  }
}

export function buildServices(deps: ServiceDeps, opts: { backends?: AuthBackends; eapBackend?: EapBackend } = {}): Services {
  const { config, store, clock, random, events } = deps;
  const backends: AuthBackends = opts.backends ?? {};
  const xcapCfg = config.xcap;
  // Session keys in eap_state are sealed under the cluster key (docs/eap-aka.md § Sessions across daemons);
  // without a cluster secret, a key of this process: sessions then complete only on the daemon that began them.
  const clusterSecret = config.storage.cluster_secret;
  if (!clusterSecret && config.storage.driver === 'postgres')
    deps.logger?.warn?.({ driver: config.storage.driver }, 'eap: storage.cluster_secret is empty: an EAP session completes only on the daemon that started it');
  const refused = deps.metrics ? ts43Metrics(deps.metrics).eapRefused : null;
  const subscribers = new SubscriberService(store, clock, { keyring: loadKeyring(config), randomBytes: (n) => random.bytes(n), countryCode: config.subscribers.country_code });
  const vvm = buildVvm(config, store, clock);
  return {
    activity: deps.activity,
    // Keys at rest: sealed under the KEK when one is configured (docs/storage.md § Subscriber keys at rest).
    subscribers,
    entitlements: new EntitlementService(store, clock),
    entitlementBulk: new EntitlementBulk(store, clock),
    tokens: new TokenService({
      store, clock, random, events,
      signingSecret: new Secret(config.token.signing_secret),
      validitySeconds: config.token.validity_seconds,
    }),
    eapAuth: new EapAuthService({
      store, clock, random, events,
      backend: opts.eapBackend ?? new ConfiguredBackend(config, backends, clock),
      timeoutMs: config.eap_aka.session_timeout_ms,
      keepFinishedMs: config.eap_aka.keep_finished_ms,
      limits: {
        maxSessions: config.eap_aka.max_sessions,
        maxPerImsi: config.eap_aka.max_sessions_per_imsi,
        clientRatePerS: config.eap_aka.client_rate_per_s,
        clientBurst: config.eap_aka.client_burst,
      },
      ...(clusterSecret ? { sealKey: deriveSealKey(clusterSecret, 'eap_state') } : {}),
      onLimit: (limit) => refused?.inc({ limit }),
      onWriteError: (e) => deps.logger?.error({ err: e }, 'eap: session view not stored'),
    }),
    xcap: new XcapService({
      store, clock,
      schema: { noReplyTimer: { min: xcapCfg.no_reply_timer.min, max: xcapCfg.no_reply_timer.max } },
      digestRealm: xcapCfg.digest_realm,
      // docs/security.md § Limits: total size and attributes per element of every XML body parsed.
      limits: { maxBytes: xcapCfg.max_document_bytes, maxAttributes: xcapCfg.max_attributes_per_element },
      // xcap.hss_sync: the Diameter wiring registers the Sh client; without it nothing is called.
      hss: () => (xcapCfg.hss_sync ? backends.hssSh ?? null : null),
    }),
    websheetGrants: new WebsheetGrants(store, clock, () => random.bytes(16).toString('base64url')),
    backends,
    ...buildOdsa({ config, store, clock, random, events, subscribers }),
    vvm,
    vvmSms: buildVvmSms({ config, store, clock, random, activity: deps.activity, metrics: deps.metrics, accounts: vvm.accounts, mailbox: vvm.mailbox, subscribers }),
  };
}

/** The VVM services from `vvm.*` (docs/vvm.md). */
export function buildVvm(config: OmnisepConfig, store: Store, clock: Clock): Services['vvm'] {
  const v = config.vvm;
  const accounts = new VvmAccountService(store, clock, {
    minPinLength: v.min_pin_length, maxPinLength: v.max_pin_length,
    maxLoginFailures: v.max_login_failures, lockoutMs: v.login_lockout_seconds * 1000, domain: v.imap_server,
  });
  const mailbox = new VvmMailboxService(store, clock, accounts, {
    domain: v.imap_server, defaultMaxMessages: v.default_max_messages, defaultStorageLimitKb: v.default_storage_limit_kb,
    maxGreetingSeconds: v.default_max_greeting_seconds,
  });
  return { accounts, mailbox };
}

/** How often each piece of upkeep runs (ms). */
export interface MaintenanceIntervals {
  /** EAP session timeouts and pruning of finished views. */
  sessionsMs: number;
  /** Expired tokens dropped (pages through the collection: not every second). */
  tokensMs: number;
}

export const DEFAULT_MAINTENANCE: MaintenanceIntervals = { sessionsMs: 1000, tokensMs: 60_000 };

/** Starts the upkeep timers; returns the stop function (the composition root registers it as a closer). */
export function startMaintenance(
  services: Services,
  log: { error(obj: object, msg?: string): void },
  every: MaintenanceIntervals = DEFAULT_MAINTENANCE,
): () => void {
  const timers = [
    setInterval(() => services.eapAuth.sweep().catch((e: unknown) => log.error({ err: e }, 'eap: session sweep failed')), every.sessionsMs),
    setInterval(() => services.tokens.purgeExpired().catch((e: unknown) => log.error({ err: e }, 'tokens: purge failed')), every.tokensMs),
    setInterval(() => services.temporaryTokens.purgeExpired().catch((e: unknown) => log.error({ err: e }, 'temporary tokens: purge failed')), every.tokensMs),
  ];
  for (const t of timers) t.unref();
  return () => { for (const t of timers) clearInterval(t); };
}
