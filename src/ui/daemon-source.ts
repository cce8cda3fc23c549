/**
 * The monitor's source when a daemon is there: the live event stream with
 * reconnect, plus the list routes read once per (re)connect so panes open
 * with history rather than empty (activity, sessions, tokens, Diameter peers,
 * VVM accounts and SMS backlog, ODSA subscriptions, push backlog), and the
 * admin routes the row actions call (tokens revoke, sessions rm, activity ls --imsi).
 */
import { ControlClient, type Target } from '../client/control-client.js';
import { subscribeEvents, type Backoff, type EventFilter } from '../client/event-stream.js';
import { routes } from '../contracts/routes.js';
import { vvmRoutes } from '../contracts/vvm.js';
import { DEFAULT_SAMPLE, type Snapshot } from './monitor-state.js';
import type { RowAction } from './monitor-types.js';
import type { ActionOutcome, ListGroup, MonitorSource } from './use-monitor-stream.js';

/** Most records one list route returns (the API's own page limit). */
const API_PAGE = 1000;

/**
 * `filter.sample`: most activity records a second the daemon sends this TUI (default DEFAULT_SAMPLE; 0: every one).
 * Two frames a second show a few dozen rows; reading every record of a busy daemon cost the monitor most of its CPU on
 * a machine the daemon already fills (docs/performance.md § Thirtieth round). The rest are counted in the header.
 */
export function daemonSource(target: Target, opts: { filter?: EventFilter; backoff?: Partial<Backoff>; history?: number } = {}): MonitorSource {
  const limit = Math.max(1, Math.min(API_PAGE, opts.history ?? API_PAGE));
  const withClient = async <T>(f: (c: ControlClient) => Promise<T>): Promise<T> => {
    const client = new ControlClient(target, { timeoutMs: 5000 });
    try {
      return await f(client);
    } finally {
      await client.close();
    }
  };
  return {
    subscribe(onItem) {
      // Activity as raw lines: the TUI parses only what its frames keep (use-monitor-stream.ts, EventBatcher).
      const filter: EventFilter = { ...opts.filter, sample: opts.filter?.sample ?? DEFAULT_SAMPLE };
      return subscribeEvents({ target, filter, reconnect: opts.backoff ?? true, deferActivity: true }, onItem);
    },
    snapshot(groups?: readonly ListGroup[]): Promise<Snapshot> {
      const want = (g: ListGroup) => !groups || groups.includes(g);
      // Each list is optional: a daemon without the Diameter, VVM or ODSA area (404) still feeds the other panes.
      const get = <T>(on: boolean, p: () => Promise<T>) => (on ? p().catch(() => undefined) : Promise.resolve(undefined));
      return withClient(async (client) => {
        const [status, activity, sessions, tokens, diameter, accounts, sms, odsa, push] = await Promise.all([
          get(want('core'), () => client.call(routes.status)),
          get(want('core'), () => client.call(routes.listActivity, { query: { limit } })),
          get(want('core'), () => client.call(routes.listSessions)),
          get(want('core'), () => client.call(routes.listTokens)),
          get(want('core'), () => client.call(routes.diameterPeers)),
          get(want('vvm'), () => client.call(vvmRoutes.listAccounts, { query: { limit } })),
          get(want('vvm'), () => client.call(vvmRoutes.listSms, { query: { limit } })),
          get(want('odsa'), () => client.call(routes.listOdsa)),
          get(want('odsa'), () => client.call(routes.pushStatus)),
        ]);
        return {
          status,
          activity: activity?.activities,
          sessions: sessions?.sessions,
          tokens: tokens?.tokens,
          peers: diameter?.peers,
          vvmAccounts: accounts?.accounts,
          vvmSms: sms?.sms,
          odsa: odsa?.subscriptions,
          push: push?.backlog,
        };
      });
    },
    act(action: RowAction): Promise<ActionOutcome> {
      return withClient(async (client) => {
        switch (action.kind) {
          case 'revoke-token': {
            const r = await client.call(routes.revokeToken, { params: { id: action.id } });
            return { text: `revoked token ${r.token_id}` };
          }
          case 'drop-session': {
            const r = await client.call(routes.deleteSession, { params: { id: action.id } });
            return { text: `dropped EAP session ${r.session_id} (the phone starts over)` };
          }
          case 'activity-of': {
            const r = await client.call(routes.listActivity, { query: { imsi: action.imsi, limit } });
            return { text: `activity of ${action.imsi}: ${r.count} of ${r.total}${r.total_capped ? '+' : ''} record(s) read`, records: r.activities };
          }
        }
      });
    },
  };
}
