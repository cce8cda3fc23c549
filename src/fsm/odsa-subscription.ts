/**
 * The life of one ODSA subscription (GSMA TS.43 v12.0 §6.5 ManageSubscription,
 * §6.5 ManageService, §6.5 AcquireConfiguration; companion flow §7.1–7.4,
 * eSIM transfer §8.7, §8.9; ODSA.md). One subscription = one device (a
 * companion watch, or a primary device's eSIM) of one subscriber (the IMSI that
 * authenticated), in one app (ap2006 companion, ap2009 primary).
 *
 *   none ──subscribe/transfer──▶ pending ──profile_ready──▶ ready ──installed──▶ active
 *     ▲                           │  (operator said "later")   │ (DownloadInfo sent)  │  ▲
 *     └──────unsubscribe──────────┴────────────────────────────┴──────────────────────┤  │ activate
 *                                                                       deactivate ▼  │
 *                                                                              deactivated
 *
 * `change` on an active subscription orders a new profile (pending/ready again);
 * `refused` (the operator's systems said no) goes back to none. Pure: the table
 * below is the whole machine; `transition()` refuses any pair it does not declare.
 */

export type SubscriptionState = 'none' | 'pending' | 'ready' | 'active' | 'deactivated';

export type SubscriptionEvent =
  | 'subscribe' // ManageSubscription 0
  | 'transfer' // ManageSubscription 3 (the new device's subscription)
  | 'change' // ManageSubscription 2
  | 'unsubscribe' // ManageSubscription 1
  | 'profile_ready' // the operator's systems reserved a profile (at once or on a later poll)
  | 'profile_delayed' // the operator's systems will have one later (SubscriptionResult 4)
  | 'refused' // the operator's systems refused the order
  | 'installed' // the device reports the profile's ICCID (AcquireConfiguration, ManageSubscription 4)
  | 'activate' // ManageService 10
  | 'deactivate'; // ManageService 11

/** The declared transitions: state → event → next state. Anything else is refused. */
export const SUBSCRIPTION_TRANSITIONS: Readonly<Record<SubscriptionState, Partial<Record<SubscriptionEvent, SubscriptionState>>>> = {
  none: { subscribe: 'pending', transfer: 'pending' },
  pending: { profile_ready: 'ready', profile_delayed: 'pending', refused: 'none', subscribe: 'pending', unsubscribe: 'none' },
  ready: { installed: 'active', subscribe: 'ready', profile_ready: 'ready', unsubscribe: 'none', activate: 'active', deactivate: 'deactivated' },
  active: { change: 'pending', subscribe: 'active', installed: 'active', activate: 'active', deactivate: 'deactivated', unsubscribe: 'none' },
  deactivated: { activate: 'active', deactivate: 'deactivated', subscribe: 'pending', unsubscribe: 'none', installed: 'deactivated' },
};

export type TransitionResult = { ok: true; state: SubscriptionState } | { ok: false; state: SubscriptionState; reason: string };

export function transition(state: SubscriptionState, event: SubscriptionEvent): TransitionResult {
  const next = SUBSCRIPTION_TRANSITIONS[state][event];
  return next === undefined ? { ok: false, state, reason: `${event} is not possible while the subscription is ${state}` } : { ok: true, state: next };
}

/** TS.43 §6.5 ServiceStatus of a subscription in each state. */
export const SERVICE_STATUS: Readonly<Record<Exclude<SubscriptionState, 'none'>, 1 | 2 | 3 | 4>> = {
  pending: 2, // ACTIVATING
  ready: 2, // ACTIVATING: the profile waits for the device to download it
  active: 1, // ACTIVATED
  deactivated: 3, // DEACTIVATED
};

/**
 * MaxRefreshRequest (§6.5 AcquireConfiguration PollingInterval: "the maximum number of AcquireConfiguration
 * requests before sending a ServiceStatus 4 - DEACTIVATED, NO REUSE" is an ECS configuration variable):
 * the poll count after this poll, and whether it is past the limit. `max` 0 = no limit (nothing counted).
 * Only polls while the subscription is activating (ServiceStatus 2) count.
 */
export function refreshPoll(state: Exclude<SubscriptionState, 'none'>, polls: number, max: number): { count: boolean; polls: number; exceeded: boolean } {
  if (max <= 0 || SERVICE_STATUS[state] !== 2) return { count: false, polls, exceeded: false };
  return { count: true, polls: polls + 1, exceeded: polls + 1 > max };
}

/** A primary device's CheckEligibility polls while PrimaryAppEligibility is 0 (the count and the last poll, ms). */
export interface EligibilityPolls {
  polls: number;
  last_ms: number;
}

/**
 * MaxRefreshRequest for CheckEligibility (§6.5 CheckEligibility: PollingInterval is sent only while
 * PrimaryAppEligibility is 0 - DISABLED, and the device polls CheckEligibility at that interval; the number of
 * those polls is bounded by the same ECS configuration variable): the count after this poll, and whether it is
 * past `max` — then the device is answered 2 (INCOMPATIBLE) and polls no more. A poll later than `max` polling
 * intervals after the previous one starts a new count (the device had stopped; it asks afresh). `max` 0 = no
 * limit (nothing counted, nothing stored).
 */
export function eligibilityPoll(prev: EligibilityPolls | undefined, nowMs: number, max: number, intervalSeconds: number): { count: boolean; next: EligibilityPolls; exceeded: boolean } {
  if (max <= 0) return { count: false, next: prev ?? { polls: 0, last_ms: nowMs }, exceeded: false };
  const stale = prev === undefined || nowMs - prev.last_ms > max * intervalSeconds * 1000;
  const polls = (stale ? 0 : prev.polls) + 1;
  return { count: true, next: { polls, last_ms: nowMs }, exceeded: polls > max };
}

/** TS.43 §6.5 SubscriptionResult of a ManageSubscription that leaves the subscription in each state. */
export const SUBSCRIPTION_RESULT: Readonly<Record<SubscriptionState, 2 | 3 | 4>> = {
  none: 3, // DONE (unsubscribed)
  pending: 4, // DELAYED DOWNLOAD
  ready: 2, // DOWNLOAD PROFILE (+ DownloadInfo)
  active: 3, // DONE
  deactivated: 2, // DOWNLOAD PROFILE again: re-subscribing a deactivated device downloads its profile
};
