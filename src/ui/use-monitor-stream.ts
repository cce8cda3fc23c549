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
import { parseEventLine, type StreamItem } from '../client/event-stream.js';
import type { ActivityRecord } from '../contracts/activity.js';
import { isPaneActivity, type MonitorAction, type Snapshot } from './monitor-state.js';
import type { RowAction } from './monitor-types.js';
import { RingBuffer } from './ring-buffer.js';

/** The list routes in groups: `core` (status, activity history, sessions, tokens, peers), `vvm`, `odsa` (with push). */
export type ListGroup = 'core' | 'vvm' | 'odsa';

/** What an action did, for the status line (and the records `activity-of` read). */
export interface ActionOutcome {
  text: string;
  records?: ActivityRecord[];
}

export interface MonitorSource {
  /** Start delivering stream items; `close()` stops. */
  subscribe(onItem: (item: StreamItem) => void): { close(): Promise<void> | void };
  /** Lists to start from after each (re)connect (all groups), or of some groups again; optional. */
  snapshot?(groups?: readonly ListGroup[]): Promise<Snapshot>;
  /** Carry out a row action; rejects with the API's error (shown in the status line). */
  act?(action: RowAction): Promise<ActionOutcome>;
}

/**
 * The VVM and ODSA lists have no events of their own: their activity (VVM SMS and IMAP-side records, ODSA
 * requests, admin calls under /api/vvm, /api/odsa, /api/push) says they changed, and the lists of that group
 * are read again, at most once per `REFRESH_MS` whatever the rate.
 */
export const REFRESH_MS = 1000;

/** Default frame period: at most 2 batches (and so 2 renders) a second from the stream. */
export const DEFAULT_FRAME_MS = 500;

/**
 * May this raw activity line (`activity-lines`, not parsed yet) be a VVM or ODSA record (`isPaneActivity`)? A
 * superset test on the daemon's serialisation (no spaces): a header that happens to carry the same text only
 * costs a needless list read (throttled), and a real one is never missed, even when the frame queue drops it.
 */
export function lineMayBePaneActivity(group: 'vvm' | 'odsa', line: string): boolean {
  if (group === 'vvm') return line.includes('"request_type":"vvm_') || line.includes('"request_path":"/api/vvm');
  return line.includes('"request_type":"odsa"') || line.includes('"request_path":"/api/odsa') || line.includes('"request_path":"/api/push');
}

/**
 * The batching, independent of React (the hook wires it; tests and the bench drive it directly). Activity
 * arrives parsed (`add`) or as the daemon's raw line (`addLine`): raw lines are parsed and checked only when a
 * frame takes them, so at thousands of events a second the ones the ring lets fall out cost no parse at all.
 */
export class EventBatcher {
  readonly #activity: RingBuffer<DaemonEvent | string>;
  #other: DaemonEvent[] = [];
  #invalid = 0;

  constructor(capacity: number) {
    this.#activity = new RingBuffer(capacity);
  }

  add(e: DaemonEvent): void {
    if (e.kind === 'activity') this.#activity.push(e);
    else this.#other.push(e);
  }

  /** An activity event's line, unparsed (checked at `flush` if it is still in the ring then). */
  addLine(line: string): void {
    this.#activity.push(line);
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
    const skipped = this.#activity.overwritten;
    const activity: DaemonEvent[] = [];
    for (const item of this.#activity.drain()) {
      if (typeof item !== 'string') activity.push(item);
      else {
        const parsed = parseEventLine(item);
        if (parsed.ok) activity.push(parsed.event);
        else this.#invalid += 1;
      }
    }
    if (this.#invalid) out.push({ type: 'invalid', count: this.#invalid });
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

/** Throttle of the group re-reads: the first change starts a timer; changes until it fires ride along. */
export class RefreshThrottle {
  readonly #due = new Set<ListGroup>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  constructor(
    private readonly run: (groups: ListGroup[]) => void,
    private readonly ms = REFRESH_MS,
  ) {}

  note(group: ListGroup): void {
    this.#due.add(group);
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      const groups = [...this.#due];
      this.#due.clear();
      this.run(groups);
    }, this.ms);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
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
    const lists = (groups?: ListGroup[]) =>
      source.snapshot?.(groups).then(
        (snapshot) => live && dispatch({ type: 'snapshot', snapshot }),
        () => undefined, // the lists are a convenience; the stream still works
      );
    const refresh = new RefreshThrottle((groups) => void lists(groups));
    const sub = source.subscribe((item) => {
      if (!live) return;
      if (item.type === 'activity-lines') {
        for (const line of item.lines) {
          batcher.addLine(line);
          if (lineMayBePaneActivity('vvm', line)) refresh.note('vvm');
          else if (lineMayBePaneActivity('odsa', line)) refresh.note('odsa');
        }
      } else if (item.type === 'event') {
        batcher.add(item.event);
        if (item.event.kind === 'activity') {
          if (isPaneActivity('vvm', item.event.record)) refresh.note('vvm');
          else if (isPaneActivity('odsa', item.event.record)) refresh.note('odsa');
        }
      }
      else if (item.type === 'invalid') batcher.invalid();
      else {
        flush(); // keep order: events before the state change
        dispatch({ type: 'connection', status: item.status });
        if (item.status.state === 'connected') void lists();
      }
    });
    const timer = setInterval(() => batcher.pending && flush(), frameMs);
    return () => {
      live = false;
      clearInterval(timer);
      refresh.stop();
      void sub.close();
    };
  }, [source, dispatch, capacity, frameMs]);
}
