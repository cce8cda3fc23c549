/**
 * The realm routing table (RFC 6733 §2.7): Destination-Realm + Application-Id → an action and the peers that
 * carry it out. Pure (no sockets, no timers): the request service asks it where an originated request goes,
 * the dispatcher asks it what to do with a request a peer sent us.
 *
 * Actions (§2.7 "Local Action"):
 *   local    — the request is for this node: our handlers answer it.
 *   relay    — forwarded unchanged (Route-Record added) to the route's peers, whatever the application.
 *   proxy    — forwarded like relay, but only for applications this node advertises (else 3007).
 *   redirect — answered 3006 DIAMETER_REDIRECT_INDICATION naming the route's peers in Redirect-Host.
 * For requests omnisep originates only relay and proxy routes apply (they name the next hops); local and
 * redirect entries describe what omnisep does for others.
 *
 * Matching: the most specific entry wins — exact realm before `*` (the default route), a named application
 * before "any"; among equals the first in the configuration.
 */
import type { DiameterRouteView } from '../../src/contracts/diameter.js';

export type RouteAction = 'local' | 'relay' | 'proxy' | 'redirect';

export interface RouteConfig {
  /** Destination-Realm, matched case-insensitively; `*` is the default route. */
  realm: string;
  /** Absent: any application. */
  application_id?: number | undefined;
  action: RouteAction;
  /** Origin-Hosts: the next hops (relay/proxy, in order of preference) or the hosts a redirect names. */
  peers: string[];
}

export interface Route extends RouteConfig {
  /** Position in the configuration (shown by `diameter routes`). */
  index: number;
}

export const DEFAULT_REALM = '*';

export class RouteTable {
  readonly #routes: Route[];

  constructor(routes: readonly RouteConfig[]) {
    this.#routes = routes.map((r, index) => ({ ...r, realm: r.realm.toLowerCase(), peers: [...r.peers], index }));
  }

  get size(): number {
    return this.#routes.length;
  }

  /** The entry for (realm, application), most specific first; undefined when none matches. */
  match(realm: string | undefined, applicationId: number, accept: (r: Route) => boolean = () => true): Route | undefined {
    const want = (realm ?? '').toLowerCase();
    let best: Route | undefined;
    let bestScore = -1;
    for (const r of this.#routes) {
      if (r.realm !== want && r.realm !== DEFAULT_REALM) continue;
      if (r.application_id !== undefined && r.application_id !== applicationId) continue;
      if (!accept(r)) continue;
      const score = (r.realm === want ? 2 : 0) + (r.application_id !== undefined ? 1 : 0);
      if (score > bestScore) {
        best = r;
        bestScore = score;
      }
    }
    return best;
  }

  /** For a request this node originates: the relay/proxy route naming its next hops. */
  forOutgoing(realm: string | undefined, applicationId: number): Route | undefined {
    return this.match(realm, applicationId, (r) => r.action === 'relay' || r.action === 'proxy');
  }

  views(): DiameterRouteView[] {
    return this.#routes.map((r) => ({
      index: r.index, realm: r.realm, application_id: r.application_id ?? null, action: r.action, peers: [...r.peers],
      default: r.realm === DEFAULT_REALM,
    }));
  }
}

/**
 * RFC 6733 §4.3.1 DiameterURI: `aaa://host[:port][;transport=tcp][;protocol=diameter]` (aaas:// for TLS).
 * Returns the FQDN, or null for what is not a Diameter URI.
 */
export function uriHost(uri: string): string | null {
  const m = /^aaas?:\/\/([^:;/]+)(?::\d+)?(?:;.*)?$/i.exec(uri.trim());
  return m ? m[1]!.toLowerCase() : null;
}

/** A DiameterURI for a peer: TLS peers get `aaas://` (§4.3.1), others `aaa://` with `transport=tcp`. */
export function peerUri(host: string, port: number, transport: string | undefined): string {
  return transport === 'tls' ? `aaas://${host}:${port};transport=tcp` : `aaa://${host}:${port};transport=tcp`;
}
