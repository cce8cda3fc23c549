/**
 * The composition root: the one place the daemon is wired.
 *
 *   startDaemon(config, opts) → { addresses, ctx, close() }
 *
 * Order of start: dial the control socket (refuse if a daemon answers) →
 * open the store (refuse a corrupt one) → every service, once, into the typed
 * `Services` of the context (daemon/services.ts) → the Diameter parts and the
 * authentication back-end (daemon/diameter/wire.ts) → public HTTP → admin TCP
 * (TLS) → control socket (0600). Plugins and routes take what they need from
 * `ctx.services`; none builds a service. Every part registers its closer with
 * the Lifecycle, which stops in the fixed order of lifecycle.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { OmnisepConfig } from '../src/contracts/config.js';
import type { ListenerAddress } from '../src/contracts/status.js';
import type { Clock, Random } from '../src/ports.js';
import { ActivityService } from '../src/services/activity.js';
import { repoPath } from '../src/util/repo-path.js';
import { resolvePaths } from './config/index.js';
import type { DaemonContext } from './context.js';
import { EventBus } from './events/bus.js';
import { RateMeter } from './events/rates.js';
import { buildAdminApp } from './http/admin/index.js';
import { commitWaitMetric, createMetricsRegistry, heldTextMetric } from './http/admin/metrics-routes.js';
import { buildPublicApp } from './http/public.js';
import ts43Plugin from './http/ts43/index.js';
import xcapPlugin from './http/xcap/index.js';
import { resolveSubscribersFile, wireDiameter } from './diameter/wire.js';
import { simulateLineForLab } from '../src/ue/command-line.js';
import { Lifecycle, type StopReport } from './lifecycle.js';
import { cliInvocation } from './banner.js';
import { createLogger } from './logging.js';
import { publishedKeyProblems } from './security/published-keys.js';
import { loadKeyring } from './config/kek.js';
import { activitySampledOut } from './security/counters.js';
import { ConfigError, socketPointerPath } from '../src/contracts/config.js';
import { createStore } from './store/index.js';
import type { EmbeddedStore } from './store/embedded-store.js';
import { buildServices, startMaintenance } from './services.js';
import { startPushWorker } from './push/worker.js';
import { startVvmSms } from './vvm/start.js';
import type { Store } from '../src/ports.js';
import { ensureAdminTls } from './tls/self-signed.js';
import { reloadableTls } from './http/tls-listener.js';
import { wireImap } from './imap/wire.js';
import { leaveSocketPointer, lockDownSocket, prepareSocketPath, removeSocket } from './control/socket.js';
import { pooledRandomBytes } from '../src/util/random-pool.js';

export interface StartOptions {
  logger?: Logger;
  /** Environment used for path defaults (XDG_RUNTIME_DIR, OMNISEP_SOCKET); default process.env. */
  env?: Record<string, string | undefined>;
  /** The file the config came from (shown by GET /api/config). */
  configFile?: string | null;
  clock?: Clock;
  random?: Random;
  /**
   * Called after the context exists and before any listener binds: the hook
   * where areas register services, health checks, public plugins and closers
   * (tests use it too). See the registration points below.
   */
  beforeListen?: (ctx: DaemonContext) => Promise<void> | void;
  /** A store opened by the caller (tests: two daemons sharing one memory store); the caller closes it. */
  store?: Store;
}

export interface DaemonAddresses {
  http: ListenerAddress;
  admin: ListenerAddress;
  socket: ListenerAddress;
  diameter?: ListenerAddress;
  aaa?: ListenerAddress;
  [name: string]: ListenerAddress | undefined;
}

export interface RunningDaemon {
  addresses: DaemonAddresses;
  ctx: DaemonContext;
  /** Graceful stop in the fixed order; resolves with what each closer did. */
  close(): Promise<StopReport[]>;
}

let cachedVersion: string | undefined;
export function daemonVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

export const tcpListener = (protocol: string, a: AddressInfo): ListenerAddress => {
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { transport: 'tcp', host: a.address, port: a.port, protocol, url: protocol === 'http' || protocol === 'https' ? `${protocol}://${host}:${a.port}` : `${host}:${a.port}` };
};

export async function startDaemon(config: OmnisepConfig, opts: StartOptions = {}): Promise<RunningDaemon> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger({ level: config.log.level, pretty: config.log.pretty });
  const { dataDir, socket } = resolvePaths(config, env);
  const lifecycle = new Lifecycle();

  // 1. The control socket first: a live daemon there means we must not start (and must not touch its store).
  await prepareSocketPath(socket);

  // 2. Storage: refuses a corrupt store or a data dir held by another live daemon.
  // Set once the metrics registry exists (below): the store starts first and may commit before it (a migration).
  let commitWait: ((log: string, waitMs: number) => void) | undefined;
  const store = opts.store ?? (await createStore(config, dataDir, (msg) => logger.warn({ data_dir: dataDir }, msg), (log, ms) => commitWait?.(log, ms)));
  if (!opts.store) lifecycle.register({ name: 'store', phase: 'store', close: () => store.close(), timeoutMs: 15_000 });

  try {
    // Production refuses published test keys in the subscriber store (docs/security.md § Refused configurations).
    if (config.server.environment === 'production') {
      const problems = await publishedKeyProblems(store, 1000, loadKeyring(config));
      if (problems.length) throw new ConfigError(problems, opts.configFile ?? undefined);
    }
    const clock = opts.clock ?? { now: () => Date.now() };
    const random = opts.random ?? { bytes: pooledRandomBytes(), uuid: () => randomUUID() };
    const events = new EventBus(() => clock.now());
    let sampledOut: ((requestType: string) => void) | undefined; // set once the metrics registry exists
    const activity = new ActivityService({
      log: store.activity, events, clock, random, maxBodyBytes: config.activity.max_body_bytes,
      maxFieldBytes: config.activity.max_field_bytes, anonymousPerMinute: config.activity.anonymous_records_per_minute, onSampledOut: (t) => sampledOut?.(t),
    });
    const metrics = createMetricsRegistry();
    const services = buildServices({ config, store, clock, random, events, activity, logger, metrics });
    const ctx: DaemonContext = {
      config,
      configFile: opts.configFile ?? null,
      dataDir,
      version: daemonVersion(),
      startedAt: new Date(clock.now()),
      store,
      logger,
      events,
      activity,
      metrics,
      clock,
      random,
      lifecycle,
      listeners: {},
      healthChecks: new Map(),
      reloaders: new Map(),
      publicPlugins: [],
      bannerLines: [],
      services,
    };
    sampledOut = activitySampledOut(ctx.metrics);
    commitWait = commitWaitMetric(ctx.metrics);
    const held = (store as Partial<EmbeddedStore>).heldText;
    if (held) heldTextMetric(ctx.metrics, held);
    const rates = new RateMeter(events, () => clock.now());
    events.observe((e) => rates.observe(e));
    rates.start();
    lifecycle.register({ name: 'event streams', phase: 'streams', close: () => { rates.stop(); events.closeAll(); } });

    if (config.server.environment === 'development' && !config.eap_aka.enabled)
      logger.warn('eap_aka.enabled is false: SIM authentication is OFF, entitlements are answered for any IMSI given (development only)');

    await wireDiameter(ctx); // built-in AAA, Diameter node (DPR closer, health), auth back-end per eap_aka.backend (daemon/diameter/wire.ts)
    // Sessions stored as in flight by a previous run cannot continue (their back-end state was in memory).
    await services.eapAuth.recover();
    const stopMaintenance = startMaintenance(services, logger);
    lifecycle.register({ name: 'maintenance timers', phase: 'streams', close: stopMaintenance });
    // Push on change (docs/odsa.md § Push): store changes → backlog → gateway.
    const pushWorker = startPushWorker({ config, store, push: services.push, nodeName: config.server.node_name || hostname(), metrics, logger });
    ctx.pushWorker = pushWorker;
    lifecycle.register({ name: 'push worker', phase: 'streams', close: () => pushWorker.stop() });
    if (config.vvm.enabled) startVvmSms(ctx); // OMTP STATUS/SYNC SMS through the gateway, durable backlog (daemon/vvm/wire.ts)
    ctx.publicPlugins.push(ts43Plugin); // TS.43 entitlement server + websheet (daemon/http/ts43/)
    if (config.xcap.enabled) ctx.publicPlugins.push(xcapPlugin); // XCAP simservs (daemon/http/xcap/)
    await opts.beforeListen?.(ctx);

    // 3. Public HTTP.
    // Each server's closer is registered as soon as it exists, so a start that fails later still closes it.
    const servers = {
      push: (s: { name: string; app: FastifyInstance }) =>
        lifecycle.register({ name: `${s.name} server`, phase: 'http', close: () => s.app.close(), timeoutMs: 10_000 }),
    };
    const publicTls = config.http.tls_cert ? reloadableTls({ certFile: config.http.tls_cert, keyFile: config.http.tls_key }, config.http, 'http', ctx.metrics) : undefined;
    if (publicTls) ctx.reloaders.set('http.tls_cert', () => (publicTls.reload() ? `http.tls_cert (certificate ${publicTls.fingerprint().slice(0, 16)})` : null));
    const pub = await buildPublicApp(ctx, rates, publicTls);
    servers.push({ name: 'http', app: pub });
    await pub.listen({ host: config.http.listen_ip, port: config.http.port });
    ctx.listeners.http = tcpListener(publicTls ? 'https' : 'http', pub.server.address() as AddressInfo);
    // The ready-to-paste UE run against the first lab SIM (CLI.md: `npm start` prints one that succeeds).
    if (config.aaa.enabled && config.eap_aka.enabled && config.eap_aka.backend !== 'swx' && config.aaa.subscribers_file) {
      const csvFile = resolveSubscribersFile(config.aaa.subscribers_file);
      const line = existsSync(csvFile) ? simulateLineForLab({ url: `${ctx.listeners.http.url}/`, csv: readFileSync(csvFile, 'utf8'), simFile: displayPath(csvFile), bin: cliInvocation() }) : undefined;
      if (line) ctx.bannerLines.push(`try: ${line}`);
    }

    // 4. Admin API on TCP (TLS by default).
    const tls = config.admin.tls
      ? await ensureAdminTls({ dataDir, certFile: config.admin.tls_cert || undefined, keyFile: config.admin.tls_key || undefined, hostnames: [config.server.fqdn] })
      : null;
    if (tls?.generated) logger.info({ cert: tls.certFile }, 'generated a self-signed certificate for the admin API');
    const admin = await buildAdminApp(ctx, { transport: 'tcp', ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}) });
    servers.push({ name: 'admin', app: admin });
    await admin.listen({ host: config.admin.listen_ip, port: config.admin.port });
    ctx.listeners.admin = tcpListener(tls ? 'https' : 'http', admin.server.address() as AddressInfo);
    if (config.admin.api_keys.length === 0) logger.warn('admin.api_keys is empty: the TCP admin API refuses every request (the control socket still works)');

    // 4b. VVM IMAP (vvm.enabled): STARTTLS and implicit-TLS listeners (daemon/imap/), up before the control
    // socket answers, so a client that sees the daemon ready sees them too.
    await wireImap(ctx);

    // 5. Control socket: same routes, no token, 0600.
    const control = await buildAdminApp(ctx, { transport: 'socket' });
    servers.push({ name: 'control', app: control });
    await control.listen({ path: socket });
    lockDownSocket(socket);
    ctx.listeners.socket = { transport: 'unix', path: socket, protocol: 'http', url: `unix:${socket}` };

    lifecycle.register({ name: 'control socket file', phase: 'socket', close: () => removeSocket(socket) });
    // The default data-dir socket (no control.socket, OMNISEP_SOCKET or XDG_RUNTIME_DIR) is found by the CLI from
    // another directory only through the per-user pointer (docs/cli.md § Where the daemon is).
    const uid = process.getuid?.();
    if (!config.control.socket && !env.OMNISEP_SOCKET && !env.XDG_RUNTIME_DIR && uid !== undefined) {
      const left = leaveSocketPointer(socketPointerPath(tmpdir(), uid), resolve(socket), uid);
      if ('remove' in left) lifecycle.register({ name: 'control socket pointer', phase: 'socket', close: left.remove });
      else logger.warn({ reason: left.skipped }, 'no socket pointer left: the CLI finds this daemon from its data directory or with --socket');
    }

    logger.info({ listeners: Object.fromEntries(Object.entries(ctx.listeners).map(([k, v]) => [k, v.url])), version: ctx.version, data_dir: dataDir }, 'omnisep is ready');
    return {
      addresses: ctx.listeners as DaemonAddresses,
      ctx,
      close: async () => {
        const report = await lifecycle.stop();
        for (const r of report) if (!r.ok) logger.warn({ closer: r.name, phase: r.phase, error: r.error }, 'stop step failed');
        return report;
      },
    };
  } catch (e) {
    // A failed start releases what it took (store lock, half-open listeners) so a retry can succeed.
    await lifecycle.stop();
    throw e;
  }
}

/** A path as short as it can be printed: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(file);
}
