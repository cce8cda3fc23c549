/**
 * The monitor's source when a daemon is there: the live event stream with
 * reconnect, plus the list routes (status, sessions, tokens, Diameter peers)
 * read once per (re)connect so panes start full rather than empty.
 */
import { ControlClient, type Target } from '../client/control-client.js';
import { subscribeEvents, type Backoff, type EventFilter } from '../client/event-stream.js';
import { routes } from '../contracts/routes.js';
import type { Snapshot } from './monitor-state.js';
import type { MonitorSource } from './use-monitor-stream.js';

export function daemonSource(target: Target, opts: { filter?: EventFilter; backoff?: Partial<Backoff> } = {}): MonitorSource {
  return {
    subscribe(onItem) {
      return subscribeEvents({ target, filter: opts.filter, reconnect: opts.backoff ?? true }, onItem);
    },
    async snapshot(): Promise<Snapshot> {
      const client = new ControlClient(target, { timeoutMs: 5000 });
      // Each list is optional: a daemon without the Diameter area (404) still feeds the other panes.
      const get = <T>(p: Promise<T>) => p.catch(() => undefined);
      try {
        const [status, sessions, tokens, diameter] = await Promise.all([
          get(client.call(routes.status)),
          get(client.call(routes.listSessions)),
          get(client.call(routes.listTokens)),
          get(client.call(routes.diameterPeers)),
        ]);
        return { status, sessions: sessions?.sessions, tokens: tokens?.tokens, peers: diameter?.peers };
      } finally {
        await client.close();
      }
    },
  };
}
