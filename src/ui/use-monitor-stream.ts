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
import { startsWithBytes } from '../client/ndjson-lines.js';

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

const bytes = (s: string) => Buffer.from(s, 'utf8');
const TYPE_KEY = bytes('"request_type":"');
const PATH_KEY = bytes('"request_path":"');
const VVM_TYPE = bytes('vvm_');
const ODSA_TYPE = bytes('odsa"');
const VVM_PATH = bytes('/api/vvm');
const ODSA_PATH = bytes('/api/odsa');
const PUSH_PATH = bytes('/api/push');

/**
 * The pane group (`isPaneActivity`, VVM first) of a raw activity line (`activity-lines`: the daemon's bytes, not
 * decoded), or null. Read on the daemon's serialisation (`ActivityService.build`: `id`, `timestamp`, `request_type`,
 * `request_method`, `request_path` first, no spaces), where the first `"request_type":"` and the `"request_path":"`
 * after it are the record's own (a value before them cannot hold an unescaped quote): two short searches from the
 * start of the line, not a scan of the whole record per test. A real VVM or ODSA record is never missed, even when
 * the frame queue drops it.
 */
export function linePaneGroup(buf: Buffer): 'vvm' | 'odsa' | null {
  const t = buf.indexOf(TYPE_KEY);
  if (t < 0) return null;
  const type = t + TYPE_KEY.length;
  const p = buf.indexOf(PATH_KEY, type);
  const path = p < 0 ? buf.length : p + PATH_KEY.length; // no path: no prefix matches at the end
  if (startsWithBytes(buf, VVM_TYPE, type) || startsWithBytes(buf, VVM_PATH, path)) return 'vvm';
  if (startsWithBytes(buf, ODSA_TYPE, type) || startsWithBytes(buf, ODSA_PATH, path) || startsWithBytes(buf, PUSH_PATH, path)) return 'odsa';
  return null;
}

/**
 * The batching, independent of React (the hook wires it; tests and the bench drive it directly). Activity
 * arrives parsed (`add`) or as the daemon's raw line (`addLine`, bytes): raw lines are decoded, parsed and checked
 * only when a frame takes them, so at thousands of events a second the ones the ring lets fall out cost no more
 * than a view into the chunk they came in.
 */
export class EventBatcher {
  readonly #activity: RingBuffer<DaemonEvent | Buffer>;
  #other: DaemonEvent[] = [];
  #invalid = 0;

  constructor(capacity: number) {
    this.#activity = new RingBuffer(capacity);
  }

  add(e: DaemonEvent): void {
    if (e.kind === 'activity') this.#activity.push(e);
    else this.#other.push(e);
  }

  /** An activity event's line as the daemon's bytes, undecoded (decoded and checked at `flush` if it is still in the ring then). */
  addLine(line: Buffer): void {
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
      if (!Buffer.isBuffer(item)) activity.push(item);
      else {
        const parsed = parseEventLine(item.toString('utf8'));
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
          const group = linePaneGroup(line);
          if (group) refresh.note(group);
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
