/**
 * The configuration document for one subscriber and one set of requested
 * apps: defaults (config `default_entitlements`) merged with the IMSI's
 * overrides (EntitlementService), VERS from that effective
 * configuration, the TOKEN, one APPLICATION per requested app. Sees only ports.
 */
import type { EntitlementData } from '../../contracts/entitlements.js';
import type { ProvisioningDoc } from '../../codec/ts43/document.js';
import type { SubscriberService } from '../subscribers.js';
import type { EntitlementService } from './overrides.js';
import type { Secret } from '../../util/secret.js';
import { buildApplications, versVersion } from './document.js';
import { serviceFlowUserData } from './service-flow.js';

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
  entitlements: EntitlementService;
  subscribers: Pick<SubscriberService, 'get'>;
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
        const exp = Math.floor(input.nowMs / 1000) + WEBSHEET_TOKEN_SECONDS;
        v.service_flow_user_data = serviceFlowUserData(input.signingSecret, { imsi: input.imsi, app: 'ap2004', exp }, 'VoWiFi');
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
      applications: buildApplications(input.apps, filled),
    },
  };
}
