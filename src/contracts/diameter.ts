import { Type, type Static } from '@sinclair/typebox';

export const PEER_STATUSES = ['Connected', 'Disconnected', 'Connecting', 'Closed'] as const;

/** One Diameter peer as `GET /api/diameter` shows it (ADMIN-API.md § Diameter, DIAMETER.md § Status). */
export const PeerView = Type.Object({
  host: Type.String(),
  status: Type.Union(PEER_STATUSES.map((s) => Type.Literal(s))),
  ip: Type.Union([Type.String(), Type.Null()]),
  port: Type.Union([Type.Integer(), Type.Null()]),
  transport: Type.String(),
  connection_initiation: Type.Union([Type.Literal('OmniSEP -> Peer'), Type.Literal('Peer -> OmniSEP')]),
  realm: Type.Union([Type.String(), Type.Null()]),
  product_name: Type.Union([Type.String(), Type.Null()]),
  application_ids: Type.Record(Type.String(), Type.Array(Type.Integer())),
  counters: Type.Object({
    requests_sent: Type.Integer(),
    answers_received: Type.Integer(),
    requests_received: Type.Integer(),
    answers_sent: Type.Integer(),
    timeouts: Type.Integer(),
    errors: Type.Integer(),
  }),
  last_dwa_at: Type.Union([Type.String(), Type.Null()]),
  /** Non-success answers received from this peer, per result (docs/diameter.md § Result model). */
  failed_answers: Type.Array(Type.Object({
    code: Type.Integer(),
    vendor_id: Type.Integer({ description: '0 for a base Result-Code, else the Experimental-Result Vendor-Id' }),
    name: Type.Union([Type.String(), Type.Null()]),
    count: Type.Integer(),
  })),
});
export type PeerView = Static<typeof PeerView>;

export const DiameterStatus = Type.Object({
  status: Type.String(),
  connected_count: Type.Integer(),
  disconnected_count: Type.Integer(),
  peers: Type.Array(PeerView),
  /** xcap.hss_sync: XCAP documents whose Sh push (PUR) waits in the durable backlog; null without hss_sync. */
  sh_backlog: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});
export type DiameterStatus = Static<typeof DiameterStatus>;

/** One entry of the realm routing table (`GET /api/diameter/routes`, `omnisep diameter routes`; docs/diameter.md § Realm routing). */
export const DiameterRouteView = Type.Object({
  index: Type.Integer({ description: 'position in diameter.routes' }),
  realm: Type.String({ description: 'Destination-Realm, or * for the default route' }),
  application_id: Type.Union([Type.Integer(), Type.Null()], { description: 'null: any application' }),
  action: Type.Union([Type.Literal('local'), Type.Literal('relay'), Type.Literal('proxy'), Type.Literal('redirect')]),
  peers: Type.Array(Type.String(), { description: 'next hops (relay, proxy) or the hosts a redirect names' }),
  default: Type.Boolean(),
});
export type DiameterRouteView = Static<typeof DiameterRouteView>;

export const DiameterRoutes = Type.Object({
  /** How many redirects (3006) one request follows before it fails. */
  max_redirects: Type.Integer(),
  /** True when the table is empty: every request goes to any open peer supporting its application. */
  implicit_default: Type.Boolean(),
  routes: Type.Array(DiameterRouteView),
});
export type DiameterRoutes = Static<typeof DiameterRoutes>;
