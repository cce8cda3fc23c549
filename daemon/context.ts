/**
 * What every daemon part sees: config, store, logger, events, activity,
 * metrics, clock, random, and the typed `Services` the composition root
 * (daemon/main.ts) builds once.
 */
import type { Logger } from 'pino';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { OmnisepConfig } from '../src/contracts/config.js';
import type { ListenerAddress } from '../src/contracts/status.js';
import type { Clock, Random, Store } from '../src/ports.js';
import type { ActivityService } from '../src/services/activity.js';
import type { EventBus } from './events/bus.js';
import type { Lifecycle } from './lifecycle.js';
import type { Services } from './services.js';
import type { LeanPaths } from './http/lean.js';

export interface DaemonContext {
  /** The effective configuration. SIGHUP replaces the reloadable parts in place (see reload.ts). */
  config: OmnisepConfig;
  /** The push sender (daemon/push/worker.ts), set once the store and services exist. */
  pushWorker?: { readonly sentTotal: number };
  /** The config file the daemon started from, if any. */
  configFile: string | null;
  /** Absolute data directory. */
  dataDir: string;
  version: string;
  startedAt: Date;
  store: Store;
  logger: Logger;
  events: EventBus;
  activity: ActivityService;
  metrics: Registry;
  clock: Clock;
  random: Random;
  lifecycle: Lifecycle;
  /** Filled as listeners bind; `GET /api/status` → listeners. */
  listeners: Record<string, ListenerAddress>;
  /** Health contributors: name → null when fine, else the reason (GET /health answers 503 with it). */
  healthChecks: Map<string, () => string | null>;
  /** Run on SIGHUP after the config is re-read: each returns what it reloaded (e.g. a certificate), or null. Throwing keeps the old state. */
  reloaders: Map<string, () => string | null>;
  /** The public listener's lean path (daemon/http/lean.ts), set when the listener is built; its routes come from the plugins. */
  leanPaths?: LeanPaths;
  /** Public-listener plugins registered before start (TS.43, XCAP); see daemon/http/public.ts. */
  publicPlugins: Array<FastifyPluginAsync<{ ctx: DaemonContext }>>;
  /** Extra lines for serve's start banner (e.g. the TS.43 area's ready-to-paste `omnisep simulate eap-aka ...`). */
  bannerLines: string[];
  /** Every service, built once by the composition root (daemon/main.ts, daemon/services.ts). */
  services: Services;
}
