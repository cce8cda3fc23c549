/**
 * Application dispatch (Erlang/OTP diameter's diameter_traffic, incoming side): what this node answers to a
 * request a peer sent it. In order:
 *   1. a Route-Record naming this node → 3005 DIAMETER_LOOP_DETECTED (RFC 6733 §6.1.3);
 *   2. the realm routing table (route-table.ts) for Destination-Realm + application, unless Destination-Host
 *      is this node: relay/proxy → forwarded through the request service, the answer goes back unchanged;
 *      redirect → 3006 with Redirect-Host; local, no entry, or an empty table → this node answers;
 *   3. an AVP with the M-bit the dictionary does not know → 5001 with Failed-AVP (§7.5);
 *   4. the handler registered for (application, command); none → 3001 (our application) or 3007;
 *      a handler that throws → 5012.
 * No sockets: `answer()` returns the message the node sends.
 */
import { Avp, ResultCode, RedirectHostUsage, commandName } from '../../src/codec/diameter/constants.js';
import type { Dictionary } from '../../src/codec/diameter/dictionary.js';
import { findAll, findUnknownMandatory, getString, type DiameterMessage } from '../../src/codec/diameter/message.js';
import { buildErrorAnswer, buildRedirectAnswer } from '../../src/codec/diameter/base.js';
import { peerUri, type RouteTable } from './route-table.js';
import { DiameterUnavailableError, type ForwardOptions } from './service.js';

/** What a handler receives besides the request. */
export interface RequestContext {
  peer: string;
  local: { host: string; realm: string };
  dictionary: Dictionary;
}

/** Answers one incoming request; the returned message is sent as the answer (its ids are fixed up). */
export type RequestHandler = (req: DiameterMessage, ctx: RequestContext) => Promise<DiameterMessage> | DiameterMessage;

export interface DispatchLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface DispatcherDeps {
  local: { host: string; realm: string };
  dictionary: Dictionary;
  /** Names AVPs in log lines and Error-Message texts (may know more than `dictionary`; never decides support). */
  avpName(code: number, vendorId: number): string | undefined;
  routes: RouteTable;
  /** Applications this node advertises (auth + acct): 3001 vs 3007, and what a proxy route may carry. */
  ownApplications: readonly number[];
  /** Relays a request through the request service (service.ts `forward`). */
  forward(m: DiameterMessage, f: ForwardOptions): Promise<DiameterMessage>;
  /** Where a redirect sends a host: its configured address, if any. */
  peerAddress(host: string): { port: number; transport?: string | undefined } | undefined;
  log: DispatchLogger;
}

export class Dispatcher {
  readonly #handlers = new Map<string, RequestHandler>();

  constructor(private readonly deps: DispatcherDeps) {}

  handle(applicationId: number, commandCode: number, handler: RequestHandler): void {
    this.#handlers.set(`${applicationId}:${commandCode}`, handler);
  }

  /** The answer to `m` from `peer` (its header is the request's; the node fixes the ids and clears R). */
  async answer(m: DiameterMessage, peer: string): Promise<DiameterMessage> {
    const { dictionary: dict, local, log } = this.deps;
    const command = commandName(m.commandCode, true);
    if (findAll(m.avps, Avp.ROUTE_RECORD).some((a) => a.data.toString('utf8').toLowerCase() === local.host.toLowerCase())) {
      log.warn({ peer, command }, 'diameter: request came back through this node (Route-Record), answered 3005');
      return buildErrorAnswer(dict, m, local, ResultCode.DIAMETER_LOOP_DETECTED);
    }
    const routed = await this.#route(m, peer, command);
    if (routed) return routed;
    const bad = findUnknownMandatory(m.avps, dict);
    if (bad) {
      const name = this.deps.avpName(bad.code, bad.vendorId);
      log.warn({ peer, command, avp: bad.code, vendor_id: bad.vendorId, ...(name ? { avp_name: name } : {}) }, 'diameter: request with an unsupported mandatory AVP answered 5001');
      return buildErrorAnswer(dict, m, local, ResultCode.DIAMETER_AVP_UNSUPPORTED, { failedAvp: bad, errorMessage: `AVP ${bad.code}${name ? ` ${name}` : ''} (vendor ${bad.vendorId}) not supported` });
    }
    const h = this.#handlers.get(`${m.applicationId}:${m.commandCode}`);
    if (!h) {
      const appKnown = this.deps.ownApplications.includes(m.applicationId);
      return buildErrorAnswer(dict, m, local, appKnown ? ResultCode.DIAMETER_COMMAND_UNSUPPORTED : ResultCode.DIAMETER_APPLICATION_UNSUPPORTED);
    }
    try {
      return await h(m, { peer, local, dictionary: dict });
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err), command, peer }, 'diameter: handler failed');
      return buildErrorAnswer(dict, m, local, ResultCode.DIAMETER_UNABLE_TO_COMPLY);
    }
  }

  /** The routing table's verdict for a request, or undefined when this node answers it itself. */
  async #route(m: DiameterMessage, peer: string, command: string): Promise<DiameterMessage | undefined> {
    const { dictionary: dict, local, log, routes } = this.deps;
    if (!routes.size) return undefined;
    const destHost = getString(m.avps, Avp.DESTINATION_HOST);
    if (destHost && destHost.toLowerCase() === local.host.toLowerCase()) return undefined;
    const realm = getString(m.avps, Avp.DESTINATION_REALM);
    const route = routes.match(realm, m.applicationId);
    if (!route || route.action === 'local') return undefined;
    if (route.action === 'redirect') {
      const uris = route.peers.map((h) => {
        const a = this.deps.peerAddress(h);
        return peerUri(h, a?.port ?? 3868, a?.transport);
      });
      log.info({ peer, command, realm, redirect_hosts: route.peers }, 'diameter: request redirected (3006)');
      return buildRedirectAnswer(dict, m, local, uris, RedirectHostUsage.DONT_CACHE);
    }
    if (route.action === 'proxy' && !this.deps.ownApplications.includes(m.applicationId)) {
      return buildErrorAnswer(dict, m, local, ResultCode.DIAMETER_APPLICATION_UNSUPPORTED);
    }
    try {
      return await this.deps.forward(m, { nextHops: route.peers, from: peer });
    } catch (err) {
      // §6.1.8: nowhere to send it (or no answer in time) → 3002 from this node.
      const why = err instanceof DiameterUnavailableError ? err.message : String(err);
      log.warn({ peer, command, realm, next_hops: route.peers, reason: why }, `diameter: cannot ${route.action} the request, answered 3002`);
      return buildErrorAnswer(dict, m, local, ResultCode.DIAMETER_UNABLE_TO_DELIVER, { errorMessage: why });
    }
  }
}
