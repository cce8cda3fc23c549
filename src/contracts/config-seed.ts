/**
 * The seed's configuration names (the OmniSEP configuration omnisep was created from; TS43.md
 * § Defaults), accepted in a config file and mapped to omnisep's keys, so that a configuration carried
 * over key by key works. `config check` prints how each key was mapped. Pure.
 *
 *   default_entitlements.<service>   vowifi → ap2004, volte → ap2003, smsoip → ap2005,
 *                                     data_plan → ap2010, dcb → ap2012, satmode → ap2016
 *   entitlement_version (top level)   → ts43.entitlement_versions.min (docs/config.md § Seed names)
 */

/** Service names of the seed's default_entitlements, by app id's service. */
export const SEED_SERVICE_APPS: Readonly<Record<string, string>> = {
  vowifi: 'ap2004',
  volte: 'ap2003',
  smsoip: 'ap2005',
  data_plan: 'ap2010',
  dcb: 'ap2012',
  satmode: 'ap2016',
};

export interface SeedMapping {
  /** The file's content with the seed names replaced by omnisep's keys. */
  raw: Record<string, unknown>;
  /** One line per mapped key: `default_entitlements.vowifi → default_entitlements.ap2004`. */
  mapped: string[];
  /** Conflicts (both names given): refused like any bad key. */
  problems: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mapSeedNames(input: Record<string, unknown>): SeedMapping {
  const raw: Record<string, unknown> = { ...input };
  const mapped: string[] = [];
  const problems: string[] = [];
  if (isObj(raw.default_entitlements)) {
    const de: Record<string, unknown> = {};
    const given = raw.default_entitlements;
    for (const [key, value] of Object.entries(given)) {
      const app = Object.hasOwn(SEED_SERVICE_APPS, key) ? SEED_SERVICE_APPS[key]! : undefined;
      if (!app) {
        if (!Object.hasOwn(de, key)) de[key] = value;
        continue;
      }
      if (Object.hasOwn(given, app)) {
        problems.push(`default_entitlements.${key}: the same app as default_entitlements.${app} (${key} is the seed's name for ${app}); keep one of them`);
        continue;
      }
      de[app] = value;
      mapped.push(`default_entitlements.${key} → default_entitlements.${app}`);
    }
    raw.default_entitlements = de;
  }
  if (Object.hasOwn(raw, 'entitlement_version')) {
    const v = raw.entitlement_version;
    delete raw.entitlement_version;
    const ts43 = isObj(raw.ts43) ? { ...raw.ts43 } : {};
    const range = isObj(ts43.entitlement_versions) ? { ...ts43.entitlement_versions } : {};
    if (Object.hasOwn(range, 'min')) problems.push('entitlement_version: ts43.entitlement_versions.min is given too; keep one of them (entitlement_version is the seed\'s name for the lowest version served)');
    else {
      range.min = typeof v === 'number' ? (Number.isInteger(v) ? `${v}.0` : String(v)) : v;
      ts43.entitlement_versions = range;
      raw.ts43 = ts43;
      mapped.push(`entitlement_version → ts43.entitlement_versions.min (${JSON.stringify(range.min)}; phones sending it or a newer version up to ts43.entitlement_versions.max are served)`);
    }
  }
  return { raw, mapped, problems };
}
