/**
 * The operator's systems behind ODSA (docs/odsa.md § Operator port): an SM-DP+ that reserves an eSIM
 * profile for a device, and the BSS that approves a plan. Two implementations:
 *
 *   - `LabOperator` (here): a built-in SM-DP+ that keeps its profiles in the store (`odsa_profiles`), so
 *     a fresh `omnisep serve` runs the whole companion and transfer flows with nothing else;
 *   - `HttpOperator` (daemon/odsa/http-operator.ts): a documented JSON call-out to the operator's own
 *     systems, with timeouts and retries.
 */
import type { Clock, Collection, Random, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import type { PlanOffer, ProfileInfo } from '../../fsm/odsa-operations.js';

/** What the ODSA service asks for when a device subscribes, changes or receives a transfer. */
export interface ProfileOrder {
  imsi: string;
  app: string;
  /** The device the profile is for (companion_terminal_id, target_terminal_id or terminal_id). */
  device_id: string;
  eid: string | null;
  companion_service: string | null;
  kind: 'subscribe' | 'change' | 'transfer';
  plan_id: string | null;
  /** ap2011: the enterprise the device belongs to (imsi is then ''). */
  enterprise_id?: string | null;
}

export type ProfileReply =
  | { status: 'ready'; profile: ProfileInfo }
  /** The SM-DP+ will have one later: the device polls (SubscriptionResult 4, ServiceStatus 2). */
  | { status: 'delayed' }
  | { status: 'refused'; reason: string };

/** An operator system that did not answer in time or answered garbage: the phone gets OperationResult 100. */
export class OperatorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorUnavailableError';
  }
}

export interface OperatorSystems {
  readonly name: 'lab' | 'http';
  /** Reserve a profile for a device (idempotent per IMSI + app + device: asking again asks about the same order). */
  orderProfile(order: ProfileOrder): Promise<ProfileReply>;
  /** Give a profile back (unsubscribe, the old device of a transfer, a change). */
  releaseProfile(order: Pick<ProfileOrder, 'imsi' | 'app' | 'device_id' | 'enterprise_id'>, iccid: string): Promise<void>;
  /** Plans the subscriber may choose (AcquirePlan). */
  plans(input: { imsi: string; app: string }): Promise<PlanOffer[]>;
}

/**
 * The enterprise side of the operator's systems (ap2011, docs/odsa.md § ap2011): whether an enterprise may
 * use server-initiated ODSA, and its plans. Profiles are ordered with `orderProfile` (`enterprise_id` set).
 */
export interface EnterpriseOperatorSystems {
  /** EnterpriseAppEligibility: 0 disabled, 1 enabled, 2 incompatible. */
  enterpriseEligibility(input: { enterprise_id: string; requestor_id: string }): Promise<0 | 1 | 2>;
  /** Plans the enterprise may choose (AcquirePlan). */
  enterprisePlans(input: { enterprise_id: string; requestor_id: string }): Promise<PlanOffer[]>;
}

/** What the lab operator reads of an enterprise record (collection `enterprises`). */
interface LabEnterprise {
  plans: PlanOffer[];
  eligibility: 0 | 1 | 2;
}

export interface LabOperatorConfig {
  smdp_address: string;
  /** ICCID prefix (issuer identification: 89 + country + issuer), digits. */
  iccid_prefix: string;
  /** Polls (orders or AcquireConfiguration) a new order waits before its profile is ready; 0 = at once. */
  delay_polls: number;
  plans: readonly PlanOffer[];
}

/** What `odsa_profiles` holds, keyed by IMSI/app/device. */
export interface LabProfileRecord {
  key: string;
  imsi: string;
  app: string;
  device_id: string;
  iccid: string;
  matching_id: string;
  smdp_address: string;
  eid: string | null;
  polls_left: number;
  released: boolean;
  created_at: string;
}

/** Luhn check digit (ITU-T E.118 ICCIDs end with one). */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export const orderKey = (o: Pick<ProfileOrder, 'imsi' | 'app' | 'device_id' | 'enterprise_id'>): string =>
  `${o.enterprise_id ? `enterprise:${o.enterprise_id}` : o.imsi}.${o.app}.${o.device_id.toLowerCase()}`;

export class LabOperator implements OperatorSystems, EnterpriseOperatorSystems {
  readonly name = 'lab' as const;
  readonly #profiles: Collection<LabProfileRecord>;
  readonly #enterprises: Collection<LabEnterprise>;

  constructor(private readonly deps: { store: Store; clock: Clock; random: Random; config: () => LabOperatorConfig }) {
    this.#profiles = openCollection<LabProfileRecord>(deps.store, 'odsa_profiles');
    this.#enterprises = openCollection<LabEnterprise>(deps.store, 'enterprises');
  }

  #newIccid(): string {
    const prefix = this.deps.config().iccid_prefix;
    const n = 18 - prefix.length;
    const rnd = this.deps.random.bytes(n);
    const body = prefix + Array.from(rnd, (b) => String(b % 10)).join('');
    return body + luhnDigit(body);
  }

  async orderProfile(order: ProfileOrder): Promise<ProfileReply> {
    const cfg = this.deps.config();
    const plans = order.enterprise_id ? await this.enterprisePlans({ enterprise_id: order.enterprise_id }) : cfg.plans;
    if (order.plan_id !== null && !plans.some((p) => p.plan_id === order.plan_id)) return { status: 'refused', reason: `no plan ${order.plan_id}` };
    const key = orderKey(order);
    const rec = await this.#profiles.update<LabProfileRecord>(key, (cur) => {
      if (cur && !cur.released && order.kind !== 'change') {
        const next = { ...cur, polls_left: Math.max(0, cur.polls_left - 1) };
        return { result: next, put: next };
      }
      const fresh: LabProfileRecord = {
        key,
        imsi: order.imsi,
        app: order.app,
        device_id: order.device_id,
        iccid: this.#newIccid(),
        matching_id: this.deps.random.bytes(10).toString('hex').toUpperCase(),
        smdp_address: cfg.smdp_address,
        eid: order.eid,
        polls_left: cfg.delay_polls,
        released: false,
        created_at: new Date(this.deps.clock.now()).toISOString(),
      };
      return { result: fresh, put: fresh };
    });
    if (rec.polls_left > 0) return { status: 'delayed' };
    return { status: 'ready', profile: { iccid: rec.iccid, smdp_address: rec.smdp_address, matching_id: rec.matching_id } };
  }

  async releaseProfile(order: Pick<ProfileOrder, 'imsi' | 'app' | 'device_id' | 'enterprise_id'>, iccid: string): Promise<void> {
    await this.#profiles.update<void>(orderKey(order), (cur) => (cur && cur.iccid === iccid ? { result: undefined, delete: true } : { result: undefined }));
  }

  async plans(): Promise<PlanOffer[]> {
    return [...this.deps.config().plans];
  }

  /** The lab answers from the enterprise as provisioned (`omnisep enterprise add --eligibility`); none = 0. */
  async enterpriseEligibility(input: { enterprise_id: string }): Promise<0 | 1 | 2> {
    return (await this.#enterprises.get(input.enterprise_id))?.eligibility ?? 0;
  }

  async enterprisePlans(input: { enterprise_id: string }): Promise<PlanOffer[]> {
    return [...((await this.#enterprises.get(input.enterprise_id))?.plans ?? [])];
  }
}
