/**
 * From effective entitlements (snake_case, catalog fields) to the TS.43
 * APPLICATION characteristics (wire names, GSMA TS.43 v12.0 §3, §4, §5, §9,
 * §11, §13, §15), and the VERS version. Pure.
 */
import { createHash } from 'node:crypto';
import type { EntitlementData } from '../../contracts/entitlements.js';
import type { Characteristic } from '../../codec/ts43/document.js';
import type { TSchema } from '@sinclair/typebox';
import { fieldMeta, fieldShape, schemaFields } from '../../contracts/entitlement-apps.js';
import { SUPPORTED_APPS, UNKNOWN_APP_ANSWER, UNSERVED_APPS, unservedAnswer, type UnservedAnswerOptions } from './catalog.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parameters of one object (top-level app data or a list item), in the order of its schema. */
function fieldsToCharacteristic(type: string, schema: TSchema, data: Readonly<Record<string, unknown>>, listChildren = false): Characteristic {
  const c: Characteristic = { type, parms: [], children: [], listChildren };
  for (const [name, field] of Object.entries(schemaFields(schema))) {
    const v = data[name];
    if (v === undefined || v === null) continue;
    const meta = fieldMeta(field);
    // A field sent only with a given sibling value (MessageForIncompatible with EntitlementStatus 2, TS.43 §3.2, §4.2).
    if (meta.sentWhen && Number(data[meta.sentWhen.field]) !== meta.sentWhen.equals) continue;
    const wire = meta.wire ?? name;
    const shape = fieldShape(field);
    switch (shape.type) {
      case 'enum_int':
      case 'integer':
        c.parms.push([wire, String(v)]);
        break;
      case 'enum_string':
      case 'string':
        if (v !== '') c.parms.push([wire, String(v)]);
        break;
      case 'string_list':
        if (Array.isArray(v) && v.length) c.parms.push([wire, v.map(String).join(',')]);
        break;
      case 'list': {
        if (!Array.isArray(v)) break;
        const holder: Characteristic = { type: wire, parms: [], children: [], listChildren: true };
        for (const item of v) if (isObj(item)) holder.children.push(fieldsToCharacteristic(meta.itemWire ?? wire, field.items as TSchema, item));
        c.children.push(holder);
        break;
      }
    }
  }
  return c;
}

/**
 * One APPLICATION characteristic for a requested app id: the full parameter
 * set for served apps, the documented per-app answer for known-but-unserved
 * ones, and `EntitlementStatus 2` for ids nobody knows.
 */
export function buildApplication(appId: string, data: EntitlementData | undefined, opts?: UnservedAnswerOptions): Characteristic {
  const app = Object.hasOwn(SUPPORTED_APPS, appId) ? SUPPORTED_APPS[appId]! : undefined;
  if (app) {
    const c = fieldsToCharacteristic('APPLICATION', app.schema, data ?? {});
    c.parms.unshift(['AppID', appId]);
    return c;
  }
  const answer = Object.hasOwn(UNSERVED_APPS, appId) ? unservedAnswer(appId, opts) : UNKNOWN_APP_ANSWER;
  return { type: 'APPLICATION', parms: [['AppID', appId], ...Object.entries(answer)], children: [] };
}

export const buildApplications = (appIds: readonly string[], effective: Readonly<Record<string, EntitlementData>>, opts?: UnservedAnswerOptions): Characteristic[] =>
  appIds.map((id) => buildApplication(id, effective[id], opts));

/** JSON with object keys sorted, so equal data hashes equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * VERS version (TS.43 §2.9.4): a positive 31-bit integer derived from the
 * subscriber's effective configuration, so it changes exactly when that
 * configuration changes, survives restarts and needs no counter in storage.
 * Never 0 (= "no configuration") and never negative (special values).
 */
export function versVersion(effective: Readonly<Record<string, unknown>>): number {
  const h = createHash('sha256').update(canonical(effective)).digest();
  const n = h.readUInt32BE(0) & 0x7fffffff;
  return n === 0 ? 1 : n;
}
