/**
 * ODSA (GSMA TS.43 v12.0 §6–8; ODSA.md; docs/odsa.md): runs one operation of ap2006 (companion) or
 * ap2009 (primary) for an authenticated subscriber over the subscription model (`odsa_subscriptions`),
 * the subscription state machine (src/fsm/odsa-subscription.ts), the answer builders
 * (src/fsm/odsa-operations.ts) and the operator's systems (operator.ts). Sees only ports.
 *
 * Lookups are by key (IMSI + app + device) or by index (`imsi`, `iccid`): nothing on a request path scans.
 */
import type { Characteristic } from '../../codec/ts43/document.js';
import type { Clock, Collection, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import type { OdsaAppId, OdsaOperation, OdsaParams } from '../../contracts/entitlement-apps.js';
import type { OdsaSubscriptionView } from '../../contracts/odsa.js';
import { eligibilityPoll, refreshPoll, transition, SERVICE_STATUS, type SubscriptionEvent, type SubscriptionState } from '../../fsm/odsa-subscription.js';
import {
  OperationResult,
  OperationType,
  configurationAnswer,
  eligibilityAnswer,
  errorAnswer,
  parseOperationTargets,
  phoneNumberAnswer,
  plansAnswer,
  serviceAnswer,
  subscriberInfoAnswer,
  subscriptionAnswer,
  temporaryTokenAnswer,
  verifyPhoneNumberAnswer,
  type ProfileInfo,
  type SubscriptionFacts,
} from '../../fsm/odsa-operations.js';
import { OperatorUnavailableError, type OperatorSystems, type ProfileOrder, type ProfileReply } from './operator.js';
import type { TemporaryTokenService } from './temporary-tokens.js';

/** The `odsa` config section as the service reads it (per request: SIGHUP reloads it). */
export interface OdsaPolicy {
  companion_eligibility: 0 | 1 | 2;
  primary_eligibility: 0 | 1 | 2;
  companion_services: readonly string[];
  not_enabled_url: string;
  not_enabled_user_data: string;
  polling_interval_seconds: number;
  /** Shown before an eSIM transfer (SubscriptionResult 8 + MSG); empty = no question. */
  transfer_message: string;
  require_redownloadable_profile: boolean;
  mvno_name: string;
  /** Non-empty: subscribe and change answer SubscriptionResult 1 with this web view (the order is polled on AcquireConfiguration). */
  subscription_service_url: string;
  subscription_service_user_data: string;
  subscription_service_contents_type: '' | 'json' | 'xml';
  /** A transfer asked by the old device itself answers SubscriptionResult 6 (delete the profile in use). */
  delete_profile_in_use: boolean;
  /** MaxRefreshRequest: AcquireConfiguration polls while activating before ServiceStatus 4; 0 = no limit. */
  max_refresh_requests: number;
}

/** What `odsa_subscriptions` holds. */
export interface OdsaSubscriptionRecord {
  id: string;
  imsi: string;
  app: OdsaAppId;
  device_id: string;
  state: Exclude<SubscriptionState, 'none'>;
  companion_service: string | null;
  eid: string | null;
  vendor: string | null;
  model: string | null;
  friendly_name: string | null;
  profile: ProfileInfo | null;
  /** Indexed: the profile's ICCID ('' until there is one). */
  iccid: string;
  transferred_from: string | null;
  created_at: string;
  updated_at: string;
}

export const subscriptionId = (imsi: string, app: string, deviceId: string): string => `${imsi}.${app}.${deviceId.toLowerCase()}`;

/** The device and profile fields of a subscription view (ap2006/ap2009 and ap2011 alike). */
export const deviceFields = (r: { eid: string | null; vendor: string | null; model: string | null; friendly_name: string | null; iccid: string; profile: ProfileInfo | null }) => ({
  eid: r.eid,
  vendor: r.vendor,
  model: r.model,
  friendly_name: r.friendly_name,
  iccid: r.iccid === '' ? null : r.iccid,
  smdp_address: r.profile?.smdp_address ?? null,
});

export function subscriptionView(r: OdsaSubscriptionRecord): OdsaSubscriptionView {
  return {
    id: r.id,
    imsi: r.imsi,
    app: r.app,
    device_id: r.device_id,
    state: r.state,
    service_status: SERVICE_STATUS[r.state],
    companion_service: r.companion_service,
    ...deviceFields(r),
    transferred_from: r.transferred_from,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface OdsaRequest {
  app: OdsaAppId;
  imsi: string;
  /** The requesting device (terminal_id). */
  terminal_id: string | null;
  op: OdsaOperation;
  opType: number | null;
  params: OdsaParams;
}

export interface OdsaOutcome {
  application: Characteristic;
  /** For the activity log: never a token or an activation code. */
  summary: Record<string, unknown>;
  /** Subscriptions this operation changed (push on change, docs/odsa.md § Push). */
  changed: OdsaSubscriptionView[];
}

export interface OdsaServiceDeps {
  store: Store;
  clock: Clock;
  operator: OperatorSystems;
  temporaryTokens: TemporaryTokenService;
  subscribers: { get(imsi: string): Promise<{ msisdn: string | null } | undefined> };
  policy: () => OdsaPolicy;
  /** Told after each change of a subscription (push, events). */
  onChange?: (v: OdsaSubscriptionView, change: 'put' | 'delete') => void;
}

const facts = (r: OdsaSubscriptionRecord): SubscriptionFacts => ({ state: r.state, companion_service: r.companion_service, profile: r.profile, eid: r.eid });
const resultOf = (a: Characteristic): string | undefined => a.parms.find(([k]) => k === 'OperationResult')?.[1];

export class OdsaService {
  readonly #subs: Collection<OdsaSubscriptionRecord>;
  /** MaxRefreshRequest counters, apart from the subscriptions: a poll is no change worth a push. */
  readonly #polls: Collection<{ polls: number; last_ms?: number }>;

  constructor(private readonly deps: OdsaServiceDeps) {
    this.#subs = openCollection<OdsaSubscriptionRecord>(deps.store, 'odsa_subscriptions');
    this.#polls = openCollection<{ polls: number; last_ms?: number }>(deps.store, 'odsa_refresh_polls');
  }

  /** Forget a subscription's poll count (it left ServiceStatus 2, or was ordered anew). No write when there is none. */
  async #resetPolls(id: string): Promise<void> {
    await this.#polls.update<void>(id, (cur) => (cur ? { result: undefined, delete: true } : { result: undefined }));
  }

  get operatorName(): string {
    return this.deps.operator.name;
  }

  #now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** The device an operation is about: the companion, or for ap2009 the target (else the requesting device). */
  #deviceOf(req: OdsaRequest): string | null {
    const p = req.params;
    return req.app === 'ap2006' ? p.companion_terminal_id ?? null : p.target_terminal_id ?? req.terminal_id;
  }

  async run(req: OdsaRequest): Promise<OdsaOutcome> {
    const changed: OdsaSubscriptionView[] = [];
    let application: Characteristic;
    try {
      application = await this.#dispatch(req, changed);
    } catch (e) {
      if (!(e instanceof OperatorUnavailableError)) throw e;
      application = errorAnswer(req.app, OperationResult.GENERAL_ERROR, 'the operator\'s systems are unavailable, try again later');
    }
    const sub = application.parms.find(([k]) => k === 'SubscriptionResult')?.[1];
    return {
      application,
      changed,
      summary: { operation: req.op, operation_type: req.opType, operation_result: Number(resultOf(application)), ...(sub ? { subscription_result: Number(sub) } : {}), operator: this.deps.operator.name },
    };
  }

  /**
   * PrimaryAppEligibility for this device: the configured value, except that while it is 0 (the device polls,
   * PollingInterval) a device past `max_refresh_requests` polls is answered 2 INCOMPATIBLE (docs/odsa.md §
   * MaxRefreshRequest). One small write per poll while disabled; nothing read or written otherwise.
   */
  async #primaryEligibility(req: OdsaRequest, pol: OdsaPolicy): Promise<0 | 1 | 2> {
    if (pol.primary_eligibility !== 0 || pol.max_refresh_requests <= 0) return pol.primary_eligibility;
    const now = this.deps.clock.now();
    const key = `${req.imsi}.${req.app}.${this.#deviceOf(req) ?? ''}#eligibility`;
    const poll = await this.#polls.update<ReturnType<typeof eligibilityPoll>>(key, (cur) => {
      const r = eligibilityPoll(cur ? { polls: cur.polls, last_ms: cur.last_ms ?? 0 } : undefined, now, pol.max_refresh_requests, pol.polling_interval_seconds);
      return r.count ? { result: r, put: r.next } : { result: r };
    });
    return poll.exceeded ? 2 : 0;
  }

  async #dispatch(req: OdsaRequest, changed: OdsaSubscriptionView[]): Promise<Characteristic> {
    const pol = this.deps.policy();
    const p = req.params;
    switch (req.op) {
      case 'CheckEligibility':
        return eligibilityAnswer(req.app, {
          eligibility: req.app === 'ap2006' ? pol.companion_eligibility : await this.#primaryEligibility(req, pol),
          companion_services: pol.companion_services,
          not_enabled_url: pol.not_enabled_url,
          not_enabled_user_data: pol.not_enabled_user_data,
          polling_interval_seconds: pol.polling_interval_seconds,
        });
      case 'ManageSubscription':
        return this.#manageSubscription(req, pol, changed);
      case 'ManageService':
        return this.#manageService(req, changed);
      case 'AcquireConfiguration':
        return this.#acquireConfiguration(req, pol, changed);
      case 'AcquirePlan':
        return plansAnswer(req.app, await this.deps.operator.plans({ imsi: req.imsi, app: req.app }));
      case 'AcquireTemporaryToken': {
        const targets = parseOperationTargets(p.operation_targets ?? '');
        const { token, record } = await this.deps.temporaryTokens.issue({ imsi: req.imsi, app: req.app, operation_targets: targets, terminal_id: req.terminal_id });
        return temporaryTokenAnswer(req.app, token.reveal(), record.expires_at * 1000, targets);
      }
      case 'GetPhoneNumber': {
        const msisdn = (await this.deps.subscribers.get(req.imsi))?.msisdn ?? null;
        return msisdn ? phoneNumberAnswer(req.app, msisdn) : errorAnswer(req.app, OperationResult.GENERAL_ERROR, 'no MSISDN is provisioned for this subscriber');
      }
      case 'VerifyPhoneNumber': {
        const msisdn = (await this.deps.subscribers.get(req.imsi))?.msisdn ?? null;
        const asked = (p.msisdn ?? '').replace(/^\+/, '');
        return verifyPhoneNumberAnswer(req.app, msisdn !== null && msisdn.replace(/^\+/, '') === asked, p.msisdn ?? '');
      }
      case 'GetSubscriberInfo': {
        const msisdn = (await this.deps.subscribers.get(req.imsi))?.msisdn ?? null;
        return subscriberInfoAnswer(req.app, { msisdn, imsi: req.imsi, mvno_name: pol.mvno_name });
      }
    }
  }

  async #save(r: OdsaSubscriptionRecord, changed: OdsaSubscriptionView[]): Promise<void> {
    await this.#subs.put(r.id, r);
    if (SERVICE_STATUS[r.state] !== 2) await this.#resetPolls(r.id);
    const v = subscriptionView(r);
    changed.push(v);
    this.deps.onChange?.(v, 'put');
  }

  async #drop(r: OdsaSubscriptionRecord, changed: OdsaSubscriptionView[]): Promise<void> {
    if (r.profile) await this.deps.operator.releaseProfile({ imsi: r.imsi, app: r.app, device_id: r.device_id }, r.profile.iccid);
    await this.#resetPolls(r.id);
    if (await this.#subs.delete(r.id)) {
      const v = { ...subscriptionView(r), state: 'none' as const, service_status: 4 as const };
      changed.push(v);
      this.deps.onChange?.(v, 'delete');
    }
  }

  /** Apply an event; a refused pair leaves the record alone and says why. */
  #step(r: OdsaSubscriptionRecord | undefined, event: SubscriptionEvent): { ok: true; state: SubscriptionState } | { ok: false; reason: string } {
    const t = transition(r?.state ?? 'none', event);
    return t.ok ? t : { ok: false, reason: t.reason };
  }

  /** The operator's reply folded into the record: ready → DownloadInfo, delayed → pending, refused → gone. */
  #applyReply(r: OdsaSubscriptionRecord, reply: ProfileReply): OdsaSubscriptionRecord | { refused: string } {
    if (reply.status === 'refused') return { refused: reply.reason };
    if (reply.status === 'delayed') return { ...r, state: 'pending', updated_at: this.#now() };
    return { ...r, state: 'ready', profile: reply.profile, iccid: reply.profile.iccid, updated_at: this.#now() };
  }

  async #manageSubscription(req: OdsaRequest, pol: OdsaPolicy, changed: OdsaSubscriptionView[]): Promise<Characteristic> {
    const p = req.params;
    const opType = req.opType!;
    const device = this.#deviceOf(req);
    if (device === null) return errorAnswer(req.app, OperationResult.INVALID_PARAMETER, 'invalid parameter: missing terminal_id');
    const id = subscriptionId(req.imsi, req.app, device);
    const cur = await this.#subs.get(id);

    if (opType === OperationType.UNSUBSCRIBE) {
      if (cur) await this.#drop(cur, changed);
      return subscriptionAnswer(req.app, { result: 3 });
    }
    if (opType === OperationType.UPDATE_SUBSCRIPTION) {
      const iccid = p.companion_terminal_iccid ?? p.terminal_iccid ?? p.target_terminal_iccid ?? '';
      if (!cur || cur.iccid.toLowerCase() !== iccid.toLowerCase()) return errorAnswer(req.app, OperationResult.INVALID_PARAMETER, `invalid parameter: ${req.app === 'ap2006' ? 'companion_terminal_iccid' : 'terminal_iccid'} names no profile of this device`);
      const t = this.#step(cur, 'installed');
      if (!t.ok) return errorAnswer(req.app, OperationResult.GENERAL_ERROR, t.reason);
      await this.#save({ ...cur, state: t.state as OdsaSubscriptionRecord['state'], updated_at: this.#now() }, changed);
      return subscriptionAnswer(req.app, { result: 3 });
    }

    // SUBSCRIBE, CHANGE, TRANSFER: the questions first (§6.5: 7, then 8 + MSG, 5, 104).
    if (pol.require_redownloadable_profile && opType !== OperationType.CHANGE_SUBSCRIPTION && p.redownloadable_profile !== '1') return subscriptionAnswer(req.app, { result: 7 });
    let source: OdsaSubscriptionRecord | undefined;
    if (opType === OperationType.TRANSFER_SUBSCRIPTION) {
      if (req.app === 'ap2006') return errorAnswer(req.app, OperationResult.INVALID_PARAMETER, 'invalid parameter: operation_type 3 (transfer) is for ap2009');
      if (pol.transfer_message !== '') {
        if (p.msg_response !== undefined && p.msg_response !== '') return errorAnswer(req.app, OperationResult.INVALID_MSG_RESPONSE, 'invalid MSG_response: this message takes no free text');
        if (p.msg_btn === undefined) return subscriptionAnswer(req.app, { result: 8, msg: { message: pol.transfer_message, accept_freetext: false } });
        if (p.msg_btn === '0') return subscriptionAnswer(req.app, { result: 5 });
      }
      source = p.old_terminal_id ? await this.#subs.get(subscriptionId(req.imsi, req.app, p.old_terminal_id)) : undefined;
      if (!source && p.old_terminal_iccid) {
        const owners = await this.#subs.find('iccid', p.old_terminal_iccid);
        if (owners.some((o) => o.imsi !== req.imsi)) return errorAnswer(req.app, OperationResult.INVALID_PARAMETER, 'invalid parameter: old_terminal_iccid is not this subscriber\'s');
        source = owners.find((o) => o.app === req.app);
      }
      if (source && source.id === id) return errorAnswer(req.app, OperationResult.INVALID_PARAMETER, 'invalid parameter: the target device is the old device');
    }
    const event: SubscriptionEvent = opType === OperationType.SUBSCRIBE ? 'subscribe' : opType === OperationType.CHANGE_SUBSCRIPTION ? 'change' : 'transfer';
    const t = this.#step(cur, event === 'transfer' && cur ? 'subscribe' : event);
    if (!t.ok) return errorAnswer(req.app, OperationResult.GENERAL_ERROR, t.reason);

    const now = this.#now();
    let rec: OdsaSubscriptionRecord = cur
      ? { ...cur, updated_at: now }
      : {
          id,
          imsi: req.imsi,
          app: req.app,
          device_id: device,
          state: 'pending',
          companion_service: req.app === 'ap2006' ? p.companion_terminal_service ?? pol.companion_services[0] ?? 'SharedNumber' : null,
          eid: null,
          vendor: null,
          model: null,
          friendly_name: null,
          profile: null,
          iccid: '',
          transferred_from: null,
          created_at: now,
          updated_at: now,
        };
    rec = {
      ...rec,
      eid: (req.app === 'ap2006' ? p.companion_terminal_eid : p.target_terminal_eid ?? p.terminal_eid) ?? rec.eid,
      vendor: p.companion_terminal_vendor ?? rec.vendor,
      model: p.companion_terminal_model ?? rec.model,
      friendly_name: p.companion_terminal_friendly_name ?? rec.friendly_name,
      ...(source ? { transferred_from: source.device_id } : {}),
    };
    if (t.state === 'active') return subscriptionAnswer(req.app, { result: 3 }); // already done: nothing to order
    if (t.state === 'ready' && rec.profile) {
      await this.#save({ ...rec, state: 'ready' }, changed);
      return subscriptionAnswer(req.app, { result: 2, profile: rec.profile, eidGiven: rec.eid !== null });
    }
    const order: ProfileOrder = { imsi: req.imsi, app: req.app, device_id: device, eid: rec.eid, companion_service: rec.companion_service, kind: event, plan_id: p.plan_id ?? null };
    if (event === 'change' && rec.profile) {
      await this.deps.operator.releaseProfile(order, rec.profile.iccid);
      rec = { ...rec, profile: null, iccid: '' };
    }
    await this.#resetPolls(id);
    // §7.1: the operator's web view takes the order (SubscriptionResult 1); AcquireConfiguration then polls it.
    if (pol.subscription_service_url !== '' && event !== 'transfer') {
      await this.#save({ ...rec, state: 'pending' }, changed);
      return subscriptionAnswer(req.app, { result: 1, portal: { url: pol.subscription_service_url, user_data: pol.subscription_service_user_data, contents_type: pol.subscription_service_contents_type } });
    }
    const applied = this.#applyReply({ ...rec, state: 'pending' }, await this.deps.operator.orderProfile(order));
    if ('refused' in applied) {
      if (cur) await this.#drop(cur, changed);
      return errorAnswer(req.app, OperationResult.GENERAL_ERROR, `the operator refused the order: ${applied.refused}`);
    }
    await this.#save(applied, changed);
    // §8.9: the old device's subscription ends once the new one is ordered.
    if (source) await this.#drop(source, changed);
    // §8.11: asked by the old device itself, whose profile is in use: it deletes that profile (6); the new
    // device gets its DownloadInfo from AcquireConfiguration (target_terminal_id, or a temporary token).
    if (source && pol.delete_profile_in_use && req.terminal_id !== null && req.terminal_id.toLowerCase() === source.device_id.toLowerCase()) return subscriptionAnswer(req.app, { result: 6 });
    return applied.state === 'ready' && applied.profile
      ? subscriptionAnswer(req.app, { result: 2, profile: applied.profile, eidGiven: applied.eid !== null })
      : subscriptionAnswer(req.app, { result: 4, polling_interval_seconds: pol.polling_interval_seconds });
  }

  async #manageService(req: OdsaRequest, changed: OdsaSubscriptionView[]): Promise<Characteristic> {
    const device = this.#deviceOf(req);
    const cur = device === null ? undefined : await this.#subs.get(subscriptionId(req.imsi, req.app, device));
    if (!cur) return errorAnswer(req.app, OperationResult.INVALID_PARAMETER, `invalid parameter: ${req.app === 'ap2006' ? 'companion_terminal_id' : 'target_terminal_id'} names no subscription`);
    const t = this.#step(cur, req.opType === OperationType.ACTIVATE_SERVICE ? 'activate' : 'deactivate');
    if (!t.ok) return errorAnswer(req.app, OperationResult.GENERAL_ERROR, t.reason);
    const next = { ...cur, state: t.state as OdsaSubscriptionRecord['state'], updated_at: this.#now() };
    if (next.state !== cur.state) await this.#save(next, changed);
    return serviceAnswer(req.app, SERVICE_STATUS[next.state]);
  }

  async #acquireConfiguration(req: OdsaRequest, pol: OdsaPolicy, changed: OdsaSubscriptionView[]): Promise<Characteristic> {
    const p = req.params;
    let subs: OdsaSubscriptionRecord[];
    const device = this.#deviceOf(req);
    if (req.app === 'ap2006' && device === null) subs = (await this.#subs.find('imsi', req.imsi)).filter((s) => s.app === req.app).sort((a, b) => a.created_at.localeCompare(b.created_at));
    else if (device !== null) subs = [await this.#subs.get(subscriptionId(req.imsi, req.app, device))].filter((s): s is OdsaSubscriptionRecord => s !== undefined);
    else subs = [];
    if (subs.length === 0 && req.app === 'ap2009' && (p.terminal_iccid || p.target_terminal_iccid)) {
      subs = (await this.#subs.find('iccid', (p.terminal_iccid ?? p.target_terminal_iccid)!)).filter((s) => s.imsi === req.imsi && s.app === req.app);
    }
    const reported = [p.companion_terminal_iccid, p.terminal_iccid, p.target_terminal_iccid].filter((x): x is string => !!x).map((x) => x.toLowerCase());
    const out: Array<OdsaSubscriptionRecord & { no_reuse?: true }> = [];
    for (let s of subs) {
      if (s.state === 'pending') {
        const order: ProfileOrder = { imsi: s.imsi, app: s.app, device_id: s.device_id, eid: s.eid, companion_service: s.companion_service, kind: 'subscribe', plan_id: null };
        const applied = this.#applyReply(s, await this.deps.operator.orderProfile(order));
        if ('refused' in applied) {
          await this.#drop(s, changed);
          continue;
        }
        if (applied.state !== s.state) await this.#save(applied, changed);
        s = applied;
      }
      // The device reports the profile's ICCID: it is installed (§7.4 step 7, §8.9 step 5).
      if (s.state === 'ready' && s.iccid !== '' && reported.includes(s.iccid.toLowerCase())) {
        const t = this.#step(s, 'installed');
        if (t.ok) {
          s = { ...s, state: t.state as OdsaSubscriptionRecord['state'], updated_at: this.#now() };
          await this.#save(s, changed);
        }
      }
      // MaxRefreshRequest: past the limit of polls while activating, ServiceStatus 4 (the ICCID is not reused).
      if (pol.max_refresh_requests > 0 && SERVICE_STATUS[s.state] === 2) {
        const st = s.state;
        const poll = await this.#polls.update<ReturnType<typeof refreshPoll>>(s.id, (cur) => {
          const r = refreshPoll(st, cur?.polls ?? 0, pol.max_refresh_requests);
          return r.count ? { result: r, put: { polls: r.polls } } : { result: r };
        });
        if (poll.exceeded) {
          await this.#drop(s, changed);
          out.push({ ...s, no_reuse: true });
          continue;
        }
      }
      out.push(s);
    }
    return configurationAnswer(req.app, out.map((r) => ({ ...facts(r), ...('no_reuse' in r ? { no_reuse: true } : {}) })), pol.polling_interval_seconds);
  }

  // ---------------------------------------------------------------------------
  // Admin (omnisep odsa ls|show|rm)

  async listByImsi(imsi: string): Promise<OdsaSubscriptionView[]> {
    return (await this.#subs.find('imsi', imsi)).map(subscriptionView);
  }

  /** One page in key order. */
  async list(opts: { after?: string; limit?: number } = {}): Promise<OdsaSubscriptionView[]> {
    return (await this.#subs.scan({ ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit ?? 1000 })).map(([, r]) => subscriptionView(r));
  }

  async get(id: string): Promise<OdsaSubscriptionView | undefined> {
    const r = await this.#subs.get(id);
    return r ? subscriptionView(r) : undefined;
  }

  /** Remove a subscription (its profile goes back to the operator). */
  async remove(id: string): Promise<OdsaSubscriptionView | undefined> {
    const r = await this.#subs.get(id);
    if (!r) return undefined;
    await this.#drop(r, []);
    return subscriptionView(r);
  }

  count(): Promise<number> {
    return this.#subs.count();
  }
}
