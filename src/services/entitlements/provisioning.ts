/**
 * The configuration document for one subscriber and one set of requested
 * apps: defaults (config `default_entitlements`) merged with the IMSI's
 * overrides (EntitlementService), VERS from that effective
 * configuration, the TOKEN, one APPLICATION per requested app. Sees only ports.
 */
import type { EntitlementData } from '../../contracts/entitlements.js';
import type { ProvisioningDoc } from '../../codec/ts43/document.js';
import { storableText } from '../../util/terminal-text.js';
import { DEFAULT_ENTITLEMENTS, effectiveEntitlements } from './catalog.js';
import type { SubscriberService } from '../subscribers.js';
import type { EntitlementService } from './overrides.js';
import type { Secret } from '../../util/secret.js';
import { buildApplications, versVersion } from './document.js';
import type { PrivateUserIdMode } from '../../fsm/ap2013-private-user-id.js';
import { serviceFlowUserData } from './service-flow.js';
import type { WebsheetGrants } from './websheet-grants.js';
import { RecentMap } from '../../util/recent-map.js';

export interface ProvisioningInput {
  imsi: string;
  apps: readonly string[];
  /** Config `default_entitlements` (absent apps fall back to the catalog's TS43.md defaults). */
  defaults?: Readonly<Record<string, EntitlementData | undefined>>;
  token?: { value: string; validity: number } | undefined;
  versValidity: number;
  /** Base of omnisep's websheet (`.../websheet`), used when ap2004 has no ServiceFlow_URL of its own. */
  websheetBase: string;
  signingSecret: Secret<string>;
  nowMs: number;
  /** ap2013's answer (src/fsm/ap2013-private-user-id.ts, from the configuration); absent = incompatible. */
  privateUserId?: PrivateUserIdMode | undefined;
}

export interface ProvisioningResult {
  doc: ProvisioningDoc;
  /** Effective entitlements of every served app (before websheet fill-in): what VERS is computed from. */
  effective: Record<string, EntitlementData>;
}

/** Websheet links stay valid this long (s): long enough for a user to fill the form. */
export const WEBSHEET_TOKEN_SECONDS = 24 * 3600;

/** What the document builder reads: the overrides and the subscriber store (for ap2014's MSISDN). */
export interface ProvisioningSources {
  entitlements: Pick<EntitlementService, 'effective' | 'getShared'>;
  subscribers: Pick<SubscriberService, 'get'>;
  /** Websheet links are bound to a grant kept in the store (docs/security.md § Websheet tokens). */
  websheetGrants: Pick<WebsheetGrants, 'issue'>;
}

export async function buildProvisioning(src: ProvisioningSources, input: ProvisioningInput): Promise<ProvisioningResult> {
  const effective = await src.entitlements.effective(input.imsi, input.defaults);
  const version = versVersion(effective);
  const filled: Record<string, EntitlementData> = { ...effective };
  if (input.apps.includes('ap2004')) {
    const v = { ...(filled.ap2004 ?? {}) };
    if (!v.service_flow_url) {
      v.service_flow_url = `${input.websheetBase.replace(/\/+$/, '')}/vowifi`;
      if (!v.service_flow_user_data) {
        const grant = await src.websheetGrants.issue(input.imsi, 'ap2004', WEBSHEET_TOKEN_SECONDS);
        v.service_flow_user_data = serviceFlowUserData(input.signingSecret, { imsi: input.imsi, app: 'ap2004', exp: grant.exp, jti: grant.jti }, 'VoWiFi');
      }
    }
    filled.ap2004 = v;
  }
  if (input.apps.includes('ap2014') && !filled.ap2014?.msisdn) {
    const sub = await src.subscribers.get(input.imsi);
    if (sub?.msisdn) filled.ap2014 = { ...(filled.ap2014 ?? {}), msisdn: String(sub.msisdn).replace(/^\+/, '') };
  }
  return {
    effective,
    doc: {
      vers: { version, validity: input.versValidity },
      token: input.token ? { token: input.token.value, validity: input.token.validity } : undefined,
      applications: buildApplications(input.apps, filled, { privateUserId: input.privateUserId }),
    },
  };
}

// ---------------------------------------------------------------------------
// Rendered documents, reused (docs/performance.md § Documents)

type Slot = 'token' | 'validity' | 'userData' | 'msisdn';

/** One rendered document cut at its per-request parts: `statics[0] + value(slots[0]) + statics[1] + …`. */
interface Template {
  statics: readonly string[];
  slots: readonly Slot[];
  vers: number;
  /** ServiceFlow_UserData is the subscriber's own signed websheet link: filled in per request. */
  websheetUserData: boolean;
}

/**
 * A document as its template's fixed pieces (the same array for every request served from one template, so a
 * caller may key derived forms, e.g. precompressed pieces, by its identity) and this request's values.
 */
export interface RenderedParts {
  statics: readonly string[];
  values: string[];
}

export const joinParts = (p: RenderedParts): string => {
  let s = p.statics[0]!;
  for (let i = 0; i < p.values.length; i++) s += p.values[i]! + p.statics[i + 1]!;
  return s;
};

/** What a document depends on besides its per-request parts: merged defaults + overrides. */
interface Effective {
  effective: Record<string, EntitlementData>;
  vers: number;
  needsGrant: boolean;
  needsMsisdn: boolean;
}

const escapeXmlAttr = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const escapeJsonText = (v: string): string => JSON.stringify(v).slice(1, -1);

/**
 * The configuration document of `buildProvisioning` + `renderDocument`, byte for byte, rendered once per
 * (configuration defaults, the subscriber's overrides, apps, format, websheet base, VERS validity) and
 * reused: subscribers without overrides share one rendering per app list. The parts that differ per
 * subscriber or per request — the TOKEN value and validity, the websheet link's signed user data and the
 * MSISDN of ap2014 — are placeholders filled in per request. The store is still read on every request
 * (overrides, websheet grant, MSISDN), so a change by any daemon shows at the next poll: the cache is keyed
 * by content, not invalidated by events. Bounded: the `max` entries used most recently are kept, and at most twice
 * as many (src/util/recent-map.ts).
 */
export class ProvisioningRenderer {
  readonly #templates: RecentMap<string, Template>;
  readonly #effective: RecentMap<string, Effective>;
  /** A number per `defaults` object: a reload replaces the object (daemon/config/reload.ts). */
  readonly #defaultsIds = new WeakMap<object, number>();
  #nextDefaultsId = 1;
  readonly #ph: { token: string; validity: string; userData: string; msisdn: string };

  constructor(
    private readonly renderDoc: (doc: ProvisioningDoc, format: 'xml' | 'json') => string,
    private readonly max = 4096,
    nonce = Math.random().toString(36).slice(2, 10),
  ) {
    this.#templates = new RecentMap(max);
    this.#effective = new RecentMap(max);
    // Plain letters and digits: unchanged by XML/JSON escaping and storableText; the nonce keeps configured text from matching.
    this.#ph = { token: `OMNISEPxTOKENx${nonce}`, validity: `OMNISEPxVALIDITYx${nonce}`, userData: `OMNISEPxUSERDATAx${nonce}`, msisdn: `OMNISEPxMSISDNx${nonce}` };
  }

  /**
   * Signed websheet user data per signing secret, by (IMSI, grant): a re-polling phone's grant is the same
   * (WebsheetGrants answers it with a plain read), so its link is signed once, not on every poll.
   */
  readonly #signed = new WeakMap<Secret<string>, RecentMap<string, string>>();

  #userData(secret: Secret<string>, imsi: string, grant: { exp: number; jti: string }): string {
    let m = this.#signed.get(secret);
    if (!m) this.#signed.set(secret, (m = new RecentMap(this.max)));
    const key = `${imsi}\n${grant.exp}\n${grant.jti}`;
    let v = m.get(key);
    if (v === undefined) v = this.#put(m, key, serviceFlowUserData(secret, { imsi, app: 'ap2004', exp: grant.exp, jti: grant.jti }, 'VoWiFi'));
    return v;
  }

  #put<V>(m: RecentMap<string, V>, key: string, v: V): V {
    m.set(key, v);
    return v;
  }

  async render(src: ProvisioningSources, input: ProvisioningInput, format: 'xml' | 'json'): Promise<{ body: string; vers: number }> {
    const { parts, vers } = await this.renderParts(src, input, format);
    return { body: joinParts(parts), vers };
  }

  /** `render` without joining: the template's fixed pieces and this request's values (see `RenderedParts`). */
  async renderParts(src: ProvisioningSources, input: ProvisioningInput, format: 'xml' | 'json'): Promise<{ parts: RenderedParts; vers: number }> {
    const defaults = input.defaults ?? {};
    let dId = this.#defaultsIds.get(defaults);
    if (dId === undefined) this.#defaultsIds.set(defaults, (dId = this.#nextDefaultsId++));
    const rec = await src.entitlements.getShared(input.imsi);
    const effKey = `${dId}\n${rec ? JSON.stringify(rec.apps) : ''}`;
    let eff = this.#effective.get(effKey);
    if (!eff) {
      const effective = effectiveEntitlements({ ...DEFAULT_ENTITLEMENTS, ...defaults }, rec?.apps);
      eff = this.#put(this.#effective, effKey, {
        effective, vers: versVersion(effective),
        needsGrant: !effective.ap2004?.service_flow_url && !effective.ap2004?.service_flow_user_data,
        needsMsisdn: !effective.ap2014?.msisdn,
      });
    }
    const wantsGrant = eff.needsGrant && input.apps.includes('ap2004');
    const wantsMsisdn = eff.needsMsisdn && input.apps.includes('ap2014');
    const msisdn = wantsMsisdn ? (await src.subscribers.get(input.imsi))?.msisdn : undefined;
    const msisdnText = msisdn ? String(msisdn).replace(/^\+/, '') : '';
    const key = `${effKey}\n${format}\n${input.apps.join(',')}\n${input.websheetBase}\n${input.versValidity}\n${input.token ? 1 : 0}\n${msisdnText ? 1 : 0}\n${input.privateUserId ?? ''}`;
    let t = this.#templates.get(key);
    if (!t) {
      const filled: Record<string, EntitlementData> = { ...eff.effective };
      if (input.apps.includes('ap2004') && !filled.ap2004?.service_flow_url) {
        const v = { ...(filled.ap2004 ?? {}) };
        v.service_flow_url = `${input.websheetBase.replace(/\/+$/, '')}/vowifi`;
        if (!v.service_flow_user_data) v.service_flow_user_data = this.#ph.userData;
        filled.ap2004 = v;
      }
      if (msisdnText) filled.ap2014 = { ...(filled.ap2014 ?? {}), msisdn: this.#ph.msisdn };
      const doc: ProvisioningDoc = {
        vers: { version: eff.vers, validity: input.versValidity },
        token: input.token ? { token: this.#ph.token, validity: this.#ph.validity as unknown as number } : undefined,
        applications: buildApplications(input.apps, filled, { privateUserId: input.privateUserId }),
      };
      t = this.#put(this.#templates, key, this.#cut(this.renderDoc(doc, format), eff.vers));
    }
    const esc = format === 'xml' ? escapeXmlAttr : escapeJsonText;
    let userData = '';
    if (t.websheetUserData) {
      const grant = await src.websheetGrants.issue(input.imsi, 'ap2004', WEBSHEET_TOKEN_SECONDS);
      userData = this.#userData(input.signingSecret, input.imsi, grant);
    }
    const values = t.slots.map((slot) => slot === 'token' ? esc(storableText(input.token!.value)) : slot === 'validity' ? String(input.token!.validity)
      : slot === 'userData' ? esc(storableText(userData)) : esc(storableText(msisdnText)));
    return { parts: { statics: t.statics, values }, vers: t.vers };
  }

  /** The rendered template cut at the first occurrence of each placeholder (what a string `replace` fills in). */
  #cut(body: string, vers: number): Template {
    const at = (Object.keys(this.#ph) as Slot[]).map((slot) => ({ slot, i: body.indexOf(this.#ph[slot]) })).filter((x) => x.i !== -1).sort((a, b) => a.i - b.i);
    const statics: string[] = [];
    let from = 0;
    for (const { slot, i } of at) {
      statics.push(body.slice(from, i));
      from = i + this.#ph[slot].length;
    }
    statics.push(body.slice(from));
    return { statics, slots: at.map((x) => x.slot), vers, websheetUserData: at.some((x) => x.slot === 'userData') };
  }
}
