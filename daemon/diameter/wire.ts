/**
 * Wiring of the Diameter area into the daemon (the integrator calls this
 * from daemon/main.ts's registration point, before the HTTP listeners bind):
 *
 *   1. the built-in AAA/HSS (config.aaa.enabled) on its own port, its lab
 *      subscribers loaded from aaa.subscribers_file (existing ones kept);
 *   2. the Diameter node (config.diameter.enabled); a configured peer whose
 *      host is the built-in AAA's host is pointed at the AAA's actual port,
 *      so port 0 works in tests;
 *   3. the auth back-end of config.eap_aka.backend: swm → SWm relay,
 *      swx → SWx vector source, local → LocalVectorSource over the subscriber
 *      service; with xcap.hss_sync, the Sh client (and Sh in the CER) — all
 *      registered in ctx.services.backends — the PNR handler feeding the XCAP
 *      service and the timer renewing its Sh subscriptions;
 *   4. stop order: the node's DPR in phase 'diameter', then the AAA.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Gauge } from 'prom-client';
import { isAbsolute } from 'node:path';
import type { DaemonContext } from '../context.js';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { ListenerAddress } from '../../src/contracts/status.js';
import { repoPath } from '../../src/util/repo-path.js';
import { AppId, CommandCode } from '../../src/codec/diameter/constants.js';
import { SH_SERVICE_INDICATION } from '../../src/services/xcap/service.js';
import { LocalVectorSource } from '../../src/services/subscribers.js';
import { createBuiltinAaa } from './builtin-aaa.js';
import { createDiameterNode, type DiameterConfig } from './node.js';
import { extendedDictionary } from './legacy-adapter.js';
import { createSwmRelay } from './swm-client.js';
import { createSwxVectorSource } from './swx-client.js';
import { createShClient, shNotificationHandler } from './sh-client.js';

const listener = (a: { host: string; port: number }): ListenerAddress => ({
  transport: 'tcp', host: a.host, port: a.port, protocol: 'diameter', url: `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`,
});

/** The TLS credentials read from the files `diameter.tls` names (the configuration has checked they are set when needed). */
function diameterTls(t: OmnisepConfig['diameter']['tls']): DiameterConfig['tls'] {
  if (!t.cert || !t.key || !t.ca) return undefined;
  const read = (what: string, file: string) => {
    try { return readFileSync(file); } catch (e) { throw new Error(`diameter.tls.${what}: cannot read ${file}: ${(e as Error).message}`); }
  };
  return { cert: read('cert', t.cert), key: read('key', t.key), ca: read('ca', t.ca), ...(t.listen ? { listen_port: t.listen_port } : {}) };
}

export async function wireDiameter(ctx: DaemonContext): Promise<void> {
  const { config, logger } = ctx;
  const { subscribers, backends } = ctx.services;
  const log = logger.child({ area: 'diameter' });
  let aaaPort: number | undefined;

  if (config.aaa.enabled) {
    const aaa = createBuiltinAaa({
      store: ctx.store, subscribers, logger: logger.child({ area: 'aaa' }), metrics: ctx.metrics,
      random: (n) => ctx.random.bytes(n), now: () => ctx.clock.now(),
      listen: {
        host: config.aaa.host, realm: config.aaa.realm, listen_ip: config.aaa.listen_ip, listen_port: config.aaa.listen_port,
        // Only this daemon's own Diameter identity on loopback, plus what aaa.allowed_peers lists (docs/security.md).
        accept_peers: [{ host: config.diameter.host, ip: 'loopback' }, ...config.aaa.allowed_peers],
      },
      eapConfig: {
        timeoutMs: config.eap_aka.session_timeout_ms, maxResync: config.eap_aka.max_resync, networkName: config.eap_aka.network_name,
        clusterSecret: config.storage.cluster_secret,
        identities: {
          pseudonyms: config.aaa.pseudonyms, fastReauth: config.aaa.fast_reauth, maxReauths: config.aaa.max_reauths,
          pseudonymLifetimeS: config.aaa.pseudonym_lifetime_seconds, reauthIdLifetimeS: config.aaa.reauth_id_lifetime_seconds,
        },
      },
    });
    const file = config.aaa.subscribers_file;
    if (file) {
      const path = resolveSubscribersFile(file);
      if (existsSync(path)) {
        const r = await subscribers.importCsv(readFileSync(path, 'utf8'));
        log.info({ file: path, added: r.added, kept: r.skipped, errors: r.errors.length }, 'aaa: lab subscribers loaded');
      } else {
        log.warn({ file: path }, 'aaa: subscribers_file not found');
      }
    }
    const { listen } = await aaa.start();
    backends.builtinAaa = aaa;
    if (listen) {
      aaaPort = listen.port;
      ctx.listeners.aaa = listener(listen);
    }
    ctx.lifecycle.register({ name: 'built-in AAA', phase: 'diameter', close: () => aaa.stop() });
  }

  if (config.diameter.enabled) {
    const d = config.diameter;
    const cfg: DiameterConfig = {
      ...d,
      // xcap.hss_sync needs Sh (16777217) in the CER even when the config lists only SWm/SWx.
      auth_application_ids: config.xcap.hss_sync && !d.auth_application_ids.includes(AppId.Sh) ? [...d.auth_application_ids, AppId.Sh] : d.auth_application_ids,
      peers: d.peers.map((p) => (aaaPort !== undefined && p.host === config.aaa.host ? { ...p, port: aaaPort } : p)),
      tls: diameterTls(d.tls),
    };
    const node = createDiameterNode(cfg, { logger: log, events: ctx.events, metrics: ctx.metrics, now: () => ctx.clock.now(), names: extendedDictionary() });
    const { listen, tlsListen } = await node.start();
    backends.diameter = node;
    if (listen) ctx.listeners.diameter = listener(listen);
    if (tlsListen) ctx.listeners.diameter_tls = { ...listener(tlsListen), protocol: 'diameter+tls' };
    // A fresh start authenticates at once: wait (briefly) for the CER/CEA with the built-in AAA.
    if (aaaPort !== undefined && cfg.peers.some((p) => p.host === config.aaa.host)) await node.waitForPeer(config.aaa.host, 3000).catch(() => undefined);
    ctx.healthChecks.set('diameter', () => (cfg.peers.length && node.status().connected_count === 0 ? 'no Diameter peer connected' : null));
    // Registered after the AAA: closers of one phase run in reverse order, so the node's DPR goes first.
    ctx.lifecycle.register({ name: 'diameter node', phase: 'diameter', close: () => node.stop() });
    if (config.eap_aka.backend === 'swm') backends.aaaRelay = createSwmRelay(node, { timeoutMs: d.request_timeout });
    if (config.xcap.hss_sync) {
      backends.hssSh = createShClient(node, { timeoutMs: d.request_timeout });
      // The durable PUR backlog (sh_backlog), read at scrape time: the store counts, no scan.
      const xcap = ctx.services.xcap;
      // PNRs from the HSS update the XCAP documents (docs/diameter.md § Sh notifications).
      node.handle(AppId.Sh, CommandCode.PUSH_NOTIFICATION, shNotificationHandler(xcap, SH_SERVICE_INDICATION, log));
      // SNR renewals, off the request path: one index lookup per minute passed.
      const renew = setInterval(() => {
        xcap.renewHssSubscriptions().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'xcap: Sh subscription renewal failed'));
      }, 30_000);
      renew.unref();
      ctx.lifecycle.register({ name: 'Sh subscription renewal', phase: 'diameter', close: async () => clearInterval(renew) });
      if (!ctx.metrics.getSingleMetric('omnisep_sh_backlog')) {
        new Gauge({
          name: 'omnisep_sh_backlog', help: 'XCAP documents whose Sh push (PUR) to the HSS failed and waits for a retry', registers: [ctx.metrics],
          async collect() { this.set(await xcap.hssBacklogCount().catch(() => 0)); },
        });
      }
      if (!ctx.metrics.getSingleMetric('omnisep_sh_subscriptions')) {
        new Gauge({
          name: 'omnisep_sh_subscriptions', help: 'subscribers whose Sh RepositoryData changes the HSS notifies to this AS (SNR granted); past 100,000 on PostgreSQL the database\'s estimate', registers: [ctx.metrics],
          async collect() { this.set(await xcap.hssSubscriptionTally().then((t) => t.n, () => 0)); },
        });
      }
    }
    if (config.eap_aka.backend === 'swx') backends.vectorSource = createSwxVectorSource(node, { anid: config.eap_aka.network_name });
  }
  if (config.eap_aka.backend === 'local') backends.vectorSource = new LocalVectorSource(subscribers, (n) => ctx.random.bytes(n));
}

/** `aaa.subscribers_file` as a path: absolute, else relative to the working directory, else to the repository (the lab fixtures). */
export function resolveSubscribersFile(file: string): string {
  return isAbsolute(file) ? file : existsSync(file) ? file : repoPath(file);
}
