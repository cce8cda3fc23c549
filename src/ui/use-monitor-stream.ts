/**
 * The one hook that owns the event stream (STYLE.md "Do this" 9). It
 * subscribes to a `MonitorSource`, queues events between frames and hands
 * them to the reducer in one batch per frame, so at thousands of events per
 * second React renders a few times a second and memory stays bounded: the
 * activity queue is a ring of the newest `capacity` records (older ones
 * would fall out of the list anyway); other kinds are rare and kept whole.
 */
import { useEffect, type Dispatch } from 'react';
import type { DaemonEvent } from '../contracts/events.js';
import type { StreamItem } from '../client/event-stream.js';
import type { MonitorAction, Snapshot } from './monitor-state.js';
import { RingBuffer } from './ring-buffer.js';

export interface MonitorSource {
  /** Start delivering stream items; `close()` stops. */
  subscribe(onItem: (item: StreamItem) => void): { close(): Promise<void> | void };
  /** Lists to start from after each (re)connect (sessions, tokens, peers, status); optional. */
  snapshot?(): Promise<Snapshot>;
}

/** Default frame period: at most 2 batches (and so 2 renders) a second from the stream. */
export const DEFAULT_FRAME_MS = 500;

/** The batching, independent of React (the hook wires it; tests and the bench drive it directly). */
export class EventBatcher {
  readonly #activity: RingBuffer<DaemonEvent>;
  #other: DaemonEvent[] = [];
  #invalid = 0;

  constructor(capacity: number) {
    this.#activity = new RingBuffer(capacity);
  }

  add(e: DaemonEvent): void {
    if (e.kind === 'activity') this.#activity.push(e);
    else this.#other.push(e);
  }

  invalid(): void {
    this.#invalid += 1;
  }

  get pending(): number {
    return this.#activity.size + this.#other.length + this.#invalid;
  }

  /** The actions for one frame (empty when nothing arrived). */
  flush(): MonitorAction[] {
    const out: MonitorAction[] = [];
    if (this.#invalid) out.push({ type: 'invalid', count: this.#invalid });
    const skipped = this.#activity.overwritten;
    const activity = this.#activity.drain();
    const events = this.#other.length ? [...this.#other, ...activity] : activity;
    if (events.length) {
      // Order by daemon time so a session change and its activity record land together.
      if (this.#other.length) events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      out.push(skipped ? { type: 'events', events, skipped } : { type: 'events', events });
    }
    this.#other = [];
    this.#invalid = 0;
    return out;
  }
}

export function useMonitorStream(source: MonitorSource, dispatch: Dispatch<MonitorAction>, opts: { capacity: number; frameMs?: number }): void {
  const { capacity, frameMs = DEFAULT_FRAME_MS } = opts;
  useEffect(() => {
    const batcher = new EventBatcher(capacity);
    let live = true;
    const flush = () => {
      for (const a of batcher.flush()) dispatch(a);
    };
    const sub = source.subscribe((item) => {
      if (!live) return;
      if (item.type === 'event') batcher.add(item.event);
      else if (item.type === 'invalid') batcher.invalid();
      else {
        flush(); // keep order: events before the state change
        dispatch({ type: 'connection', status: item.status });
        if (item.status.state === 'connected' && source.snapshot) {
          source.snapshot().then(
            (snapshot) => live && dispatch({ type: 'snapshot', snapshot }),
            () => undefined, // the lists are a convenience; the stream still works
          );
        }
      }
    });
    const timer = setInterval(() => batcher.pending && flush(), frameMs);
    return () => {
      live = false;
      clearInterval(timer);
      void sub.close();
    };
  }, [source, dispatch, capacity, frameMs]);
}
