/**
 * Server-initiated ODSA, ap2011 (GSMA TS.43 v12.0 §10, §2.8.3; docs/odsa.md § ap2011): enterprises (who may
 * act for them, their plans), the app server's authentication (an access token from the operator's
 * authorization server, then omnisep's own TOKEN bound to requestor_id + enterprise_id) and the four
 * operations over subscriptions keyed by enterprise + enterprise_terminal_id. The subscription life is the
 * ODSA state machine (src/fsm/odsa-subscription.ts); eligibility, plans and profiles come from the operator
 * port (lab or HTTP). Sees only ports.
 *
 * Every lookup is by key (enterprise, enterprise.terminal) or by the `enterprise_id` index (admin only):
 * nothing on a request path scans.
 */
import type { Characteristic } from '../../codec/ts43/document.js';
import type { Clock, Collection, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { pages } from '../../util/pages.js';
import type { EnterpriseBody, EnterprisePlan, EnterpriseSubscriptionView, EnterpriseView, OdsaEnterpriseParams, EnterpriseOperation } from '../../contracts/enterprise.js';
import { transition, SERVICE_STATUS, type SubscriptionState } from '../../fsm/odsa-subscription.js';
import { OperationResult, plansAnswer, subscriptionAnswer, type ProfileInfo } from '../../fsm/odsa-operations.js';
import {
  ENTERPRISE_APP,
  enterpriseConfigurationAnswer,
  enterpriseEligibilityAnswer,
  enterpriseErrorAnswer,
  mintEnterpriseToken,
  verifyEnterpriseToken,
} from '../../fsm/odsa-enterprise.js';
import { OperatorUnavailableError, type EnterpriseOperatorSystems, type OperatorSystems, type ProfileOrder, type ProfileReply } from './operator.js';
import type { JwtIssuerVerifier, JwtIssuerReason } from './jwt-issuer.js';
import { deviceFields } from './odsa-service.js';

export interface EnterpriseRecord {
  id: string;
  name: string;
  requestor_ids: string[];
  plans: EnterprisePlan[];
  eligibility: 0 | 1 | 2;
  created_at: string;
  updated_at: string;
}

export interface EnterpriseSubscriptionRecord {
  id: string;
  /** Indexed: an enterprise's devices (admin). */
  enterprise_id: string;
  terminal_id: string;
  requestor_id: string;
  state: Exclude<SubscriptionState, 'none'>;
  plan_id: string | null;
  eid: string | null;
  vendor: string | null;
  model: string | null;
  friendly_name: string | null;
  profile: ProfileInfo | null;
  iccid: string;
  created_at: string;
  updated_at: string;
}

export const enterpriseSubscriptionId = (enterpriseId: string, terminalId: string): string => `${enterpriseId}.${terminalId.toLowerCase()}`;

const view = (r: EnterpriseRecord): EnterpriseView => ({ ...r, requestor_ids: [...r.requestor_ids], plans: r.plans.map((p) => ({ ...p })) });
export const enterpriseSubscriptionView = (r: EnterpriseSubscriptionRecord): EnterpriseSubscriptionView => ({
  id: r.id,
  enterprise_id: r.enterprise_id,
  terminal_id: r.terminal_id,
  requestor_id: r.requestor_id,
  state: r.state,
  service_status: SERVICE_STATUS[r.state],
  plan_id: r.plan_id,
  ...deviceFields(r),
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export interface EnterprisePolicy {
  /** Validity of the TOKEN of a good CheckEligibility, seconds. */
  token_seconds: number;
  polling_interval_seconds: number;
}

/** Who is asking, once authenticated: the app server and the enterprise it acts for. */
export interface EnterprisePrincipal {
  requestor_id: string;
  enterprise_id: string;
  method: 'ACCESS_TOKEN' | 'TOKEN';
  /** A TOKEN request: its expiry (echoed in the answer with the remaining validity). */
  token_expires_at?: number;
}

export type EnterpriseAuthResult =
  | { ok: true; principal: EnterprisePrincipal }
  | { ok: false; status: 401 | 403; reason: JwtIssuerReason | 'subject' | 'forged' | 'not_allowed' | 'unknown_enterprise' | 'wrong_enterprise' };

export interface EnterpriseOutcome {
  application: Characteristic;
  /** A TOKEN for the answer (a good CheckEligibility, or the one the request came with). */
  token?: { value: string; validity: number };
  /** For the activity log: never a token or an activation code. */
  summary: Record<string, unknown>;
}

export interface EnterpriseServiceDeps {
  store: Store;
  clock: Clock;
  operator: OperatorSystems & EnterpriseOperatorSystems;
  /** The operator's authorization server (config `enterprise`), the same jose verifier as operator tokens. */
  accessTokens: Pick<JwtIssuerVerifier, 'verify'>;
  /** token.signing_secret: the HMAC key of the TOKEN. */
  signingSecret: () => string;
  policy: () => EnterprisePolicy;
}

const resultOf = (a: Characteristic): number => Number(a.parms.find(([k]) => k === 'OperationResult')?.[1]);

export class EnterpriseService {
  readonly #enterprises: Collection<EnterpriseRecord>;
  readonly #subs: Collection<EnterpriseSubscriptionRecord>;

  constructor(private readonly deps: EnterpriseServiceDeps) {
    this.#enterprises = openCollection<EnterpriseRecord>(deps.store, 'enterprises');
    this.#subs = openCollection<EnterpriseSubscriptionRecord>(deps.store, 'enterprise_subscriptions');
  }

  get operatorName(): string {
    return this.deps.operator.name;
  }

  #now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  #nowSeconds(): number {
    return Math.floor(this.deps.clock.now() / 1000);
  }

  /** The enterprise, and whether this requestor may act for it: 403 otherwise (unknown enterprise too). */
  async #allowed(requestorId: string, enterpriseId: string): Promise<{ ok: true } | { ok: false; reason: 'unknown_enterprise' | 'not_allowed' }> {
    const e = await this.#enterprises.get(enterpriseId);
    if (!e) return { ok: false, reason: 'unknown_enterprise' };
    return e.requestor_ids.includes(requestorId) ? { ok: true } : { ok: false, reason: 'not_allowed' };
  }

  /**
   * §2.8.3: an access token (JWT of the operator's authorization server; `sub` or `client_id` =
   * requestor_id) naming its enterprise with `enterprise_id`, or this server's TOKEN with requestor_id.
   * 401: the token is invalid, expired, or not the requestor's. 403: the requestor may not act for the
   * enterprise (or the TOKEN's enterprise is not the one the request names).
   */
  async authenticate(input: { requestor_id: string; access_token: string | null; token: string | null; enterprise_id: string | null }): Promise<EnterpriseAuthResult> {
    let enterpriseId: string;
    let method: EnterprisePrincipal['method'];
    let expiresAt: number | undefined;
    if (input.access_token !== null) {
      const check = await this.deps.accessTokens.verify(input.access_token, ['exp']);
      if (!check.ok) return { ok: false, status: 401, reason: check.reason };
      const p = check.payload;
      const client = [p.sub, p.client_id].filter((v): v is string => typeof v === 'string');
      if (!client.includes(input.requestor_id)) return { ok: false, status: 401, reason: 'subject' };
      if (input.enterprise_id === null) return { ok: true, principal: { requestor_id: input.requestor_id, enterprise_id: '', method: 'ACCESS_TOKEN' } };
      enterpriseId = input.enterprise_id;
      method = 'ACCESS_TOKEN';
    } else {
      const check = verifyEnterpriseToken(this.deps.signingSecret(), input.token ?? '', input.requestor_id, this.#nowSeconds());
      if (!check.ok) return { ok: false, status: 401, reason: check.reason === 'expired' ? 'expired' : check.reason === 'forged' ? 'forged' : 'malformed' };
      if (input.enterprise_id !== null && input.enterprise_id !== check.enterprise_id) return { ok: false, status: 403, reason: 'wrong_enterprise' };
      enterpriseId = check.enterprise_id;
      method = 'TOKEN';
      expiresAt = check.expires_at;
    }
    const allowed = await this.#allowed(input.requestor_id, enterpriseId);
    if (!allowed.ok) return { ok: false, status: 403, reason: allowed.reason };
    return { ok: true, principal: { requestor_id: input.requestor_id, enterprise_id: enterpriseId, method, ...(expiresAt !== undefined ? { token_expires_at: expiresAt } : {}) } };
  }

  async run(who: EnterprisePrincipal, op: EnterpriseOperation, opType: number | null, params: OdsaEnterpriseParams): Promise<EnterpriseOutcome> {
    let application: Characteristic;
    let token: EnterpriseOutcome['token'];
    try {
      ({ application, token } = await this.#dispatch(who, op, opType, params));
    } catch (e) {
      if (!(e instanceof OperatorUnavailableError)) throw e;
      application = enterpriseErrorAnswer(OperationResult.GENERAL_ERROR, 'the operator\'s systems are unavailable, try again later');
    }
    const sub = application.parms.find(([k]) => k === 'SubscriptionResult')?.[1];
    return {
      application,
      ...(token ? { token } : {}),
      summary: {
        operation: op,
        operation_type: opType,
        operation_result: resultOf(application),
        ...(sub ? { subscription_result: Number(sub) } : {}),
        requestor_id: who.requestor_id,
        enterprise_id: who.enterprise_id,
        ...(params.enterprise_terminal_id ? { enterprise_terminal_id: params.enterprise_terminal_id } : {}),
        operator: this.deps.operator.name,
        token_issued: !!token,
      },
    };
  }

  async #dispatch(who: EnterprisePrincipal, op: EnterpriseOperation, opType: number | null, p: OdsaEnterpriseParams): Promise<{ application: Characteristic; token?: EnterpriseOutcome['token'] }> {
    const ask = { enterprise_id: who.enterprise_id, requestor_id: who.requestor_id };
    switch (op) {
      case 'CheckEligibility': {
        const eligibility = await this.deps.operator.enterpriseEligibility(ask);
        if (eligibility !== 1) return { application: enterpriseEligibilityAnswer(eligibility) };
        const validity = this.deps.policy().token_seconds;
        const value = mintEnterpriseToken(this.deps.signingSecret(), { ...ask, expires_at: this.#nowSeconds() + validity });
        return { application: enterpriseEligibilityAnswer(1), token: { value, validity } };
      }
      case 'AcquirePlan':
        return { application: plansAnswer(ENTERPRISE_APP, await this.deps.operator.enterprisePlans(ask)) };
      case 'ManageSubscription':
        return { application: opType === 1 ? await this.#unsubscribe(who, p) : await this.#subscribe(who, p) };
      case 'AcquireConfiguration':
        return { application: await this.#configuration(who, p) };
    }
  }

  #order(r: EnterpriseSubscriptionRecord): ProfileOrder {
    return { imsi: '', enterprise_id: r.enterprise_id, app: ENTERPRISE_APP, device_id: r.terminal_id, eid: r.eid, companion_service: null, kind: 'subscribe', plan_id: r.plan_id };
  }

  /** The operator's reply folded into the record: ready → DownloadInfo, delayed → pending, refused → gone. */
  #applyReply(r: EnterpriseSubscriptionRecord, reply: ProfileReply): EnterpriseSubscriptionRecord | { refused: string } {
    if (reply.status === 'refused') return { refused: reply.reason };
    if (reply.status === 'delayed') return { ...r, state: 'pending', updated_at: this.#now() };
    return { ...r, state: 'ready', profile: reply.profile, iccid: reply.profile.iccid, updated_at: this.#now() };
  }

  async #drop(r: EnterpriseSubscriptionRecord): Promise<void> {
    if (r.profile) await this.deps.operator.releaseProfile(this.#order(r), r.profile.iccid);
    await this.#subs.delete(r.id);
  }

  async #subscribe(who: EnterprisePrincipal, p: OdsaEnterpriseParams): Promise<Characteristic> {
    const pol = this.deps.policy();
    const terminal = p.enterprise_terminal_id!;
    const id = enterpriseSubscriptionId(who.enterprise_id, terminal);
    const cur = await this.#subs.get(id);
    const t = transition(cur?.state ?? 'none', 'subscribe');
    if (!t.ok) return enterpriseErrorAnswer(OperationResult.GENERAL_ERROR, t.reason);
    if (t.state === 'active') return subscriptionAnswer(ENTERPRISE_APP, { result: 3 }); // already done: nothing to order
    if (cur && cur.plan_id !== (p.plan_id ?? null) && cur.state !== 'deactivated')
      return enterpriseErrorAnswer(OperationResult.GENERAL_ERROR, `the terminal already has plan ${cur.plan_id ?? '(none)'}: unsubscribe it first`);
    if (t.state === 'ready' && cur?.profile) return subscriptionAnswer(ENTERPRISE_APP, { result: 2, profile: cur.profile, eidGiven: true });
    const now = this.#now();
    const rec: EnterpriseSubscriptionRecord = {
      id,
      enterprise_id: who.enterprise_id,
      terminal_id: cur?.terminal_id ?? terminal,
      requestor_id: who.requestor_id,
      state: 'pending',
      plan_id: p.plan_id ?? null,
      eid: p.enterprise_terminal_eid ?? cur?.eid ?? null,
      vendor: p.enterprise_terminal_vendor ?? cur?.vendor ?? null,
      model: p.enterprise_terminal_model ?? cur?.model ?? null,
      friendly_name: p.enterprise_terminal_friendly_name ?? cur?.friendly_name ?? null,
      profile: cur?.profile ?? null,
      iccid: cur?.iccid ?? '',
      created_at: cur?.created_at ?? now,
      updated_at: now,
    };
    const applied = this.#applyReply(rec, await this.deps.operator.orderProfile(this.#order(rec)));
    if ('refused' in applied) {
      if (cur) await this.#drop(cur);
      return enterpriseErrorAnswer(OperationResult.GENERAL_ERROR, `the operator refused the order: ${applied.refused}`);
    }
    await this.#subs.put(id, applied);
    return applied.state === 'ready' && applied.profile
      ? subscriptionAnswer(ENTERPRISE_APP, { result: 2, profile: applied.profile, eidGiven: applied.eid !== null })
      : subscriptionAnswer(ENTERPRISE_APP, { result: 4, polling_interval_seconds: pol.polling_interval_seconds });
  }

  async #unsubscribe(who: EnterprisePrincipal, p: OdsaEnterpriseParams): Promise<Characteristic> {
    const cur = await this.#subs.get(enterpriseSubscriptionId(who.enterprise_id, p.enterprise_terminal_id!));
    if (cur) await this.#drop(cur);
    return subscriptionAnswer(ENTERPRISE_APP, { result: 3 });
  }

  async #configuration(who: EnterprisePrincipal, p: OdsaEnterpriseParams): Promise<Characteristic> {
    const pol = this.deps.policy();
    let s = await this.#subs.get(enterpriseSubscriptionId(who.enterprise_id, p.enterprise_terminal_id!));
    if (s?.state === 'pending') {
      // A delayed order is polled (idempotent per enterprise + terminal at the operator).
      const applied = this.#applyReply(s, await this.deps.operator.orderProfile(this.#order(s)));
      if ('refused' in applied) {
        await this.#drop(s);
        s = undefined;
      } else {
        if (applied.state !== s.state) await this.#subs.put(s.id, applied);
        s = applied;
      }
    }
    // The device reports the profile's ICCID: it is installed.
    if (s && s.state === 'ready' && s.iccid !== '' && (p.enterprise_terminal_iccid ?? '').toLowerCase() === s.iccid.toLowerCase()) {
      const t = transition(s.state, 'installed');
      if (t.ok) {
        s = { ...s, state: t.state as EnterpriseSubscriptionRecord['state'], updated_at: this.#now() };
        await this.#subs.put(s.id, s);
      }
    }
    return enterpriseConfigurationAnswer(s ? { state: s.state, companion_service: null, profile: s.profile, eid: s.eid } : null, pol.polling_interval_seconds);
  }

  // ---------------------------------------------------------------------------
  // Admin (omnisep enterprise add|ls|show|rm)

  /** Create or replace an enterprise (its subscriptions stay). */
  async put(id: string, body: EnterpriseBody): Promise<{ enterprise: EnterpriseView; created: boolean }> {
    const now = this.#now();
    return this.#enterprises.update<{ enterprise: EnterpriseView; created: boolean }>(id, (cur) => {
      const next: EnterpriseRecord = {
        id,
        name: body.name ?? cur?.name ?? '',
        requestor_ids: [...body.requestor_ids],
        plans: (body.plans ?? cur?.plans ?? []).map((p) => ({ ...p })),
        eligibility: body.eligibility ?? cur?.eligibility ?? 1,
        created_at: cur?.created_at ?? now,
        updated_at: now,
      };
      return { result: { enterprise: view(next), created: !cur }, put: next };
    });
  }

  async get(id: string): Promise<EnterpriseView | undefined> {
    const r = await this.#enterprises.get(id);
    return r ? view(r) : undefined;
  }

  /** One page in key order. */
  async list(opts: { limit?: number } = {}): Promise<EnterpriseView[]> {
    return (await this.#enterprises.scan({ limit: opts.limit ?? 1000 })).map(([, r]) => view(r));
  }

  /** An enterprise's subscriptions, by index: the first `limit` in key order (read a page, not all of them). */
  async subscriptions(enterpriseId: string, limit = 1000): Promise<EnterpriseSubscriptionView[]> {
    return (await this.#subs.findPage('enterprise_id', enterpriseId, { limit })).map(([, s]) => enterpriseSubscriptionView(s));
  }

  /** Remove an enterprise and its subscriptions (their profiles go back to the operator); its TOKENs stop working at once. */
  async remove(id: string): Promise<{ enterprise: EnterpriseView; subscriptions_removed: number } | undefined> {
    const r = await this.#enterprises.get(id);
    if (!r) return undefined;
    let removed = 0;
    for await (const page of pages((o) => this.#subs.findPage('enterprise_id', id, o), 1000)) {
      for (const [, s] of page) { await this.#drop(s); removed++; }
    }
    await this.#enterprises.delete(id);
    return { enterprise: view(r), subscriptions_removed: removed };
  }

  count(): Promise<number> {
    return this.#enterprises.count();
  }
}
