/**
 * Every collection the daemon keeps, with its kind and indexes (docs/storage.md). Services open their
 * collections through `openCollection(store, name)` so that every caller, every driver, the PostgreSQL
 * migrations and `omnisep db copy` agree on one list. A new area adds its rows here.
 */
import { XMLValidator } from 'fast-xml-parser';
import type { Collection, CollectionSpec, Store } from '../ports.js';

export const COLLECTIONS = {
  /** Subscribers and their keys (Ki/OPc; never returned by any API). SQN lives in `sqn`, not here. */
  subscribers: { kind: 'provisioning', indexes: ['msisdn'] },
  /** SQN_HE per IMSI (TS 33.102 Annex C): advanced on every vector with an atomic update. */
  sqn: { kind: 'state' },
  entitlements: { kind: 'provisioning' },
  xcap_profiles: { kind: 'provisioning', indexes: ['imsi'] },
  websheet: { kind: 'provisioning' },
  /** The live websheet link per IMSI (docs/security.md § Websheet tokens): deleted on submit, revoke, override or subscriber removal. */
  websheet_grants: { kind: 'state' },
  /** The built-in HSS's Sh repository data (DIAMETER.md § Sh). */
  sh_repository: { kind: 'provisioning' },
  /** XCAP documents whose Sh push (PUR) to the HSS failed, by MSISDN: retried until the HSS takes them (docs/diameter.md § Sh). */
  sh_backlog: { kind: 'state' },
  /** The AS side of Sh SNR (docs/diameter.md § Sh notifications): per MSISDN the granted expiry; `renew_slot` (minute) finds those due. */
  sh_subscriptions: { kind: 'state', indexes: ['renew_slot'] },
  /** The built-in HSS's Sh SNR subscriptions, key MSISDN|Service-Indication|AS host; `target` (MSISDN|Service-Indication) finds an update's subscribers. */
  sh_hss_subscriptions: { kind: 'state', indexes: ['target'] },
  /** TS.43 tokens by token_id; `binding` is the digest of IMSI + terminal_id + app_name (one live token per binding); `expires_slot` the expiry minute (purge). */
  tokens: { kind: 'state', indexes: ['imsi', 'binding', 'expires_slot'] },
  /** The live token of each binding (key = binding digest), swapped with one `update()` so issue is atomic across daemons. */
  token_bindings: { kind: 'state' },
  /** How far a background job has got, kept across restarts and shared by the daemons of one store (key = the job: `tokens.purge`). */
  job_progress: { kind: 'state' },
  /** The admin view of EAP sessions (SessionView). */
  sessions: { kind: 'volatile', indexes: ['imsi'] },
  /** The server side of an EAP session in flight, sealed with the cluster key, so any daemon can take the next step. */
  eap_state: { kind: 'volatile' },
  /** The built-in AAA's pseudonyms and fast re-authentication identities (p:/r:/i: keys, src/services/eap-auth/eap-identities.ts). */
  eap_identities: { kind: 'state' },
  /** ODSA subscriptions (docs/odsa.md): key = IMSI/app/device; `imsi` lists a subscriber's, `iccid` finds a profile's owner. */
  odsa_subscriptions: { kind: 'provisioning', indexes: ['imsi', 'iccid'] },
  /** The built-in lab SM-DP+'s profiles (docs/odsa.md § Operator port): key = ICCID. */
  odsa_profiles: { kind: 'state' },
  /** AcquireConfiguration polls of an activating ODSA subscription (MaxRefreshRequest, docs/odsa.md): key = the subscription's; CheckEligibility polls while disabled: key IMSI.ap2009.device#eligibility. */
  odsa_refresh_polls: { kind: 'state' },
  /** ODSA temporary tokens (TS.43 §2.8.6) by token_id; never the value. */
  temporary_tokens: { kind: 'state', indexes: ['imsi'] },
  /** Devices that registered notif_token/notif_action (TS.43 §2.6), key IMSI.<digest>; never shown. */
  push_registrations: { kind: 'state', indexes: ['imsi'] },
  /** Push notifications waiting or failed, one per registration (docs/odsa.md § Push). */
  push_backlog: { kind: 'state' },
  /** Visual-voicemail accounts by IMSI (src/services/vvm/accounts.ts): status, language, the PIN as a salted scrypt hash. */
  vvm_accounts: { kind: 'provisioning' },
  /** One VVM mailbox per IMSI: UIDVALIDITY and per folder UIDNEXT and the index of live messages with their flags (src/services/vvm/mailbox.ts). */
  vvm_mailboxes: { kind: 'state' },
  /** One VVM message per `<imsi>/<folder>/<uid>`: the RFC 5322 bytes, written once. */
  vvm_messages: { kind: 'provisioning' },
  /** VVM SMS waiting for (or refused by) the SMS gateway (docs/vvm-sms.md § Backlog); never holds a password. */
  vvm_sms_outbox: { kind: 'state' },
  /** Enterprises of server-initiated ODSA (ap2011, docs/odsa.md § ap2011): key = enterprise_id; allowed requestor ids, plans, eligibility. */
  enterprises: { kind: 'provisioning' },
  /** ap2011 subscriptions, key = enterprise_id.terminal_id; `enterprise_id` lists an enterprise's devices. */
  enterprise_subscriptions: { kind: 'provisioning', indexes: ['enterprise_id'] },
} as const satisfies Record<string, CollectionSpec>;

export type CollectionId = keyof typeof COLLECTIONS;

export function openCollection<T>(store: Store, name: CollectionId): Collection<T> {
  return store.collection<T>(name, COLLECTIONS[name]);
}

/**
 * Checks a stored record against what its collection expects; the embedded driver runs it on every record
 * at load and refuses to start on a failure (issue 13 item 7: damage is found at start, not by a later 500).
 * Returns why the record is wrong, or null. Only shape facts the services rely on are checked; a collection
 * without a row here is not checked.
 */
export type RecordCheck = (key: string, record: unknown) => string | null;

const isObject = (r: unknown): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r);
const IMSI_RE = /^[0-9]{5,15}$/;

export const RECORD_CHECKS: Partial<Record<CollectionId, RecordCheck>> = {
  subscribers: (key, r) => {
    if (!isObject(r)) return 'not an object';
    if (typeof r.imsi !== 'string' || !IMSI_RE.test(r.imsi)) return `imsi ${JSON.stringify(r.imsi)} is not 5 to 15 digits`;
    if (r.imsi !== key) return `stored under key ${JSON.stringify(key)} but its imsi is ${r.imsi}`;
    return null;
  },
  sqn: (_key, r) => (typeof r === 'string' || typeof r === 'number' || isObject(r) ? null : 'not an SQN record'),
  entitlements: (_key, r) => (isObject(r) ? null : 'not an object'),
  xcap_profiles: (_key, r) => {
    if (!isObject(r)) return 'not an object';
    if (r.document === null || r.document === undefined) return null;
    if (typeof r.document !== 'string') return 'document is not a string';
    const v = XMLValidator.validate(r.document);
    return v === true ? null : `document is not well-formed XML (${v.err.msg}, line ${v.err.line})`;
  },
  tokens: (_key, r) => (isObject(r) ? null : 'not an object'),
  eap_identities: (key, r) => {
    if (!isObject(r)) return 'not an object';
    const want = ({ p: 'pseudonym', r: 'reauth', i: 'imsi' } as Record<string, string>)[key.slice(0, key.indexOf(':'))];
    return want && r.kind === want ? null : `kind ${JSON.stringify(r.kind)} does not fit key ${JSON.stringify(key)}`;
  },
};

export function checkRecord(collection: string, key: string, record: unknown): string | null {
  const check = (RECORD_CHECKS as Record<string, RecordCheck | undefined>)[collection];
  return check ? check(key, record) : null;
}
