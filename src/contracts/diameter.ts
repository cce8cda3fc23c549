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
});
export type PeerView = Static<typeof PeerView>;

export const DiameterStatus = Type.Object({
  status: Type.String(),
  connected_count: Type.Integer(),
  disconnected_count: Type.Integer(),
  peers: Type.Array(PeerView),
});
export type DiameterStatus = Static<typeof DiameterStatus>;
