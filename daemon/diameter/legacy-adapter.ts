/**
 * The `diameter` npm package (0.7.0, GPL-3.0) behind one adapter. What we
 * take from it, and why only that (docs/diameter.md § The diameter package):
 *
 *  - its dictionary data (1 977 AVPs from Wireshark's dictionary), loaded
 *    here and merged UNDER our core dictionary (ours wins on every code we
 *    define), so logs and views can name AVPs of applications we do not
 *    implement. Rows without a type are skipped; its "IPAddress" is our
 *    "Address"; enum lists become code → name maps.
 *  - its codec, only for the side-by-side benchmark (bench/diameter.bench.ts).
 *    It throws on unknown AVPs and enum values, decodes one message per
 *    buffer, searches the dictionary linearly per AVP, decodes OctetString as
 *    UTF-8 text (EAP-Payload is binary) and uses the deprecated `new Buffer`:
 *    omnisep never uses it on the wire.
 * Nothing in src/ imports the package (it loads one global dictionary from
 * disk at require time, which a pure library must not do).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { coreDictionary, type AvpDef, type AvpType, type Dictionary } from '../../src/codec/diameter/dictionary.js';

const require = createRequire(import.meta.url);

interface LegacyAvp {
  code: number;
  name: string;
  vendorId: number;
  type?: string;
  flags: { mandatory: boolean; vendorBit: boolean };
  enums?: { code: number; name: string }[];
}
interface LegacyDictionary {
  applications: { code: number; name: string }[];
  commands: { code: number; name: string; vendorId: number }[];
  avps: LegacyAvp[];
}

const TYPES: Record<string, AvpType> = {
  OctetString: 'OctetString', Unsigned32: 'Unsigned32', Integer32: 'Integer32', Unsigned64: 'Unsigned64',
  Integer64: 'Integer64', Grouped: 'Grouped', IPAddress: 'Address', Time: 'Time',
};

export function legacyDictionaryPath(): string {
  return require.resolve('diameter/dictionary.json');
}

/** The package's AVP rows in our format (rows without a usable type are left out). */
export function loadLegacyAvps(path = legacyDictionaryPath()): AvpDef[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as LegacyDictionary;
  const out: AvpDef[] = [];
  for (const a of raw.avps) {
    const type = a.type ? TYPES[a.type] : undefined;
    if (!type || !Number.isInteger(a.code) || !Number.isInteger(a.vendorId)) continue;
    const enums = a.enums?.length ? Object.fromEntries(a.enums.map((e) => [e.code, e.name])) : undefined;
    out.push({ code: a.code, vendorId: a.vendorId, name: a.name, type, mandatory: Boolean(a.flags?.mandatory), ...(enums ? { enums } : {}) });
  }
  return out;
}

/** Our core dictionary, with the package's rows added where we define nothing. */
export function extendedDictionary(): Dictionary {
  const d = coreDictionary();
  for (const a of loadLegacyAvps()) d.addAvp(a, false);
  const raw = JSON.parse(readFileSync(legacyDictionaryPath(), 'utf8')) as LegacyDictionary;
  for (const app of raw.applications) d.addApplication({ id: app.code, name: app.name }, false);
  return d;
}

/** The package's message format: `[name, value]` pairs, nested for Grouped. */
export type LegacyBody = [string, unknown][];
export interface LegacyMessage {
  header: {
    version: number;
    commandCode: number;
    flags: { request: boolean; proxiable: boolean; error: boolean; potentiallyRetransmitted: boolean };
    applicationId: number;
    hopByHopId: number;
    endToEndId: number;
  };
  body: LegacyBody;
}

interface LegacyCodec {
  encodeMessage(m: LegacyMessage): Buffer;
  decodeMessage(b: Buffer): LegacyMessage & { command: string };
}

let codec: LegacyCodec | undefined;
/** The package's codec (benchmark only). */
export function legacyCodec(): LegacyCodec {
  return (codec ??= require('diameter/lib/diameter-codec') as LegacyCodec);
}
