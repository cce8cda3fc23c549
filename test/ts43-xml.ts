/** A TS.43 XML provisioning document as each characteristic's parms by type (one level: flat answers such as ap2013, ap2015). */
import { XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'characteristic' || n === 'parm' });

export function xmlParms(xml: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const root = (parser.parse(xml) as { 'wap-provisioningdoc': { characteristic: Array<Record<string, unknown>> } })['wap-provisioningdoc'];
  for (const c of root.characteristic) out[c['@_type'] as string] = Object.fromEntries(((c.parm as Array<Record<string, string>>) ?? []).map((p) => [p['@_name']!, p['@_value']!]));
  return out;
}
