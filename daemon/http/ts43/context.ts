/**
 * What the TS.43 plugin and its websheet routes need of the DaemonContext
 * (daemon/context.ts satisfies it). A module of its own so that index.ts and
 * websheet.ts both import it and neither imports the other's types.
 */
import type { Registry } from 'prom-client';
import type { OmnisepConfig } from '../../../src/contracts/config.js';
import type { Clock, EventSink, Random, Store } from '../../../src/ports.js';
import type { ActivityInput } from '../../../src/services/activity.js';
import type { Services } from '../../services.js';
import type { LeanPaths } from '../lean.js';

/** What the plugin needs of the DaemonContext (daemon/context.ts satisfies it): the services it uses, built by the composition root. */
export interface Ts43Context {
  config: OmnisepConfig;
  store: Store;
  clock: Clock;
  random: Random;
  activity: { record(input: ActivityInput): Promise<unknown> };
  /** The event bus (the websheet withdraws a link when the subscriber's token is revoked). */
  events?: EventSink | undefined;
  services: Pick<Services, 'tokens' | 'eapAuth' | 'entitlements' | 'subscribers' | 'websheetGrants' | 'backends' | 'odsa' | 'temporaryTokens' | 'push' | 'operatorTokens' | 'enterprises'>;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void } | undefined;
  /** The daemon's Prometheus registry; absent = no metrics. */
  metrics?: Registry | undefined;
  /** The public listener's lean path (../lean.ts): the token query takes it. Absent = fastify serves every request. */
  leanPaths?: LeanPaths | undefined;
}
