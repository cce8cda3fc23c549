/**
 * What every daemon part sees: config, store, logger, events, activity,
 * metrics, clock, random — plus the optional services other areas register
 * in daemon/main.ts (Diameter node, AAA relay, vector source, ...).
 */
import type { Logger } from 'pino';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { OmnisepConfig } from '../src/contracts/config.js';
import type { ListenerAddress } from '../src/contracts/status.js';
import type { AaaRelay, AuthVectorSource, Clock, Random, Store } from '../src/ports.js';
import type { ActivityService } from '../src/services/activity.js';
import type { EventBus } from './events/bus.js';
import type { Lifecycle } from './lifecycle.js';

export interface DaemonContext {
  /** The effective configuration. SIGHUP replaces the reloadable parts in place (see reload.ts). */
  config: OmnisepConfig;
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
  /** Public-listener plugins registered before start (TS.43, XCAP); see daemon/http/public.ts. */
  publicPlugins: Array<FastifyPluginAsync<{ ctx: DaemonContext }>>;
  /** Extra lines for serve's start banner (e.g. the TS.43 area's ready-to-paste `omnisep simulate eap-aka ...`). */
  bannerLines: string[];
  /** Services registered by other areas (all optional: absent = feature off or not wired yet). */
  services: DaemonServices;
}

export interface DaemonServices {
  /** The Diameter node (daemon/diameter/node.ts createDiameterNode): peers for GET /api/diameter. */
  diameter?: unknown;
  /** SWm relay to the AAA (daemon/diameter/swm-client.ts createSwmRelay). */
  aaaRelay?: AaaRelay;
  /** Vector source for the swx/local back-ends. */
  vectorSource?: AuthVectorSource;
  /** Built-in AAA server (daemon/diameter/builtin-aaa.ts createBuiltinAaa). */
  builtinAaa?: unknown;
  /** Anything else an area wants to share, by name. */
  [name: string]: unknown;
}
