/**
 * Sh User-Data, Profile-Update, Subscribe-Notifications and Push-Notification
 * (3GPP TS 29.329 §6.1.1-6.1.8, commands 306-309, Application-Id 16777217) on
 * RepositoryData (Data-Reference 0),
 * and the Sh-Data XML (TS 29.328 Annex C/D) that carries it, read with a real
 * XML parser (fast-xml-parser) and written by buildShData. Pure.
 *
 * UDR: <Session-Id> {Vendor-Specific-Application-Id} {Auth-Session-State}
 *      {Origin-Host} {Origin-Realm} [Destination-Host] {Destination-Realm}
 *      {User-Identity} *[Service-Indication] {Data-Reference}
 * PUR: the same without Service-Indication, with {User-Data}
 * SNR: the UDR head, *[Service-Indication] [Send-Data-Indication] {Subs-Req-Type} *{Data-Reference} [Expiry-Time]
 * PNR: the head with {Destination-Host} (the subscribed AS), {User-Identity} {User-Data}
 * UDA/PUA/SNA/PNA: [Result-Code] [Experimental-Result] ... [User-Data] [Expiry-Time (SNA)]
 * User-Identity holds MSISDN here: E.164 digits as a TBCD string (TS 29.329 §6.3.2).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DecodeError } from '../decode-error.js';
import { AppId, Avp, Avp3gpp, AuthSessionState, CmdFlag, CommandCode, SendDataIndication, SubsReqType, VENDOR_3GPP } from './constants.js';
import type { Dictionary } from './dictionary.js';
import { answerHeaderFor, resultAvp, type Ids, type LocalIdentity } from './base.js';
import { avp, decodeAvps, getOctets, getString, getU32, NTP_OFFSET, resultOf, type DiameterAvp, type DiameterMessage } from './message.js';
import type { DiameterResult } from './result.js';

/** TS 29.329 Data-Reference RepositoryData. */
export const DATA_REFERENCE_REPOSITORY_DATA = 0;

/** TBCD (TS 29.002 §17.7.8): two digits per octet, low nibble first, F filler. */
export function encodeTbcd(digits: string): Buffer {
  const d = digits.replace(/^\+/, '');
  if (!/^[0-9]*$/.test(d)) throw new TypeError('TBCD takes digits only');
  const out = Buffer.alloc(Math.ceil(d.length / 2));
  for (let i = 0; i < d.length; i += 2) {
    const lo = Number(d[i]);
    const hi = i + 1 < d.length ? Number(d[i + 1]) : 0xf;
    out[i / 2] = (hi << 4) | lo;
  }
  return out;
}

export function decodeTbcd(b: Buffer): string {
  let s = '';
  for (const o of b) {
    const lo = o & 0x0f;
    const hi = o >> 4;
    if (lo <= 9) s += String(lo);
    if (hi <= 9) s += String(hi);
  }
  return s;
}

const vsai = (dict: Dictionary): DiameterAvp =>
  avp(dict, 'Vendor-Specific-Application-Id', [avp(dict, 'Vendor-Id', VENDOR_3GPP), avp(dict, 'Auth-Application-Id', AppId.Sh)]);

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Sh-Data with one RepositoryData; ServiceData holds the service's XML document (its declaration removed). */
export function buildShData(r: { serviceIndication: string; sequenceNumber: number; serviceData: string }): string {
  const inner = r.serviceData.replace(/^\uFEFF?\s*<\?xml[^>]*\?>\s*/, '');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Sh-Data><RepositoryData><ServiceIndication>${xmlEscape(r.serviceIndication)}</ServiceIndication>`
    + `<SequenceNumber>${r.sequenceNumber}</SequenceNumber><ServiceData>${inner}</ServiceData></RepositoryData></Sh-Data>`;
}

/** One RepositoryData of Sh-Data (TS 29.328 Annex C, tShData/tRepositoryData). */
export interface ShRepositoryData {
  serviceIndication: string;
  sequenceNumber: number;
  /** The service's own XML document, as the raw text between <ServiceData> and </ServiceData>. */
  serviceData: string;
}

/**
 * Sh-Data is read with fast-xml-parser. ServiceData is a stop node: its content is another schema's
 * document (simservs), kept as the raw text between the tags rather than parsed and re-serialised, so
 * what the HSS stored comes back byte for byte. Entities in ServiceIndication are decoded by the parser.
 */
const SERVICE_DATA_PATH = 'Sh-Data.RepositoryData.ServiceData';
const shDataParser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  stopNodes: [SERVICE_DATA_PATH],
  isArray: (_name, jpath) => jpath === 'Sh-Data.RepositoryData',
});

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Every RepositoryData of an Sh-Data document, in document order. Throws DecodeError('sh-data')
 * when the XML is not well-formed or the root is not Sh-Data; an entry without a ServiceIndication
 * or a SequenceNumber of 0-65535 (TS 29.328 §7.6) is not a RepositoryData and is left out.
 */
export function readRepositoryData(xml: string): ShRepositoryData[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new DecodeError('sh-data', 0, `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const doc = shDataParser.parse(xml) as Record<string, unknown>;
  if (!Object.hasOwn(doc, 'Sh-Data')) throw new DecodeError('sh-data', 0, `the root element is not Sh-Data (${Object.keys(doc).join(', ') || 'none'})`);
  const root = doc['Sh-Data'];
  const entries = typeof root === 'object' && root !== null ? (root as { RepositoryData?: unknown[] }).RepositoryData ?? [] : [];
  const out: ShRepositoryData[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    const serviceIndication = text(e['ServiceIndication']);
    const sequence = text(e['SequenceNumber'])?.trim();
    if (serviceIndication === undefined || sequence === undefined || !/^\d{1,5}$/.test(sequence) || Number(sequence) > 65535) continue;
    out.push({ serviceIndication, sequenceNumber: Number(sequence), serviceData: text(e['ServiceData']) ?? '' });
  }
  return out;
}

/**
 * The RepositoryData for one Service-Indication from Sh-Data, or null when there is none.
 * Throws DecodeError when the document is not Sh-Data (see readRepositoryData).
 */
export function readShData(xml: string, serviceIndication: string): { sequenceNumber: number; serviceData: string } | null {
  const found = readRepositoryData(xml).find((r) => r.serviceIndication === serviceIndication);
  return found ? { sequenceNumber: found.sequenceNumber, serviceData: found.serviceData } : null;
}

export interface ShRequestFields {
  sessionId: string;
  destinationRealm: string;
  destinationHost?: string;
  msisdn: string;
}

function shHeaderAvps(dict: Dictionary, id: LocalIdentity, f: ShRequestFields): DiameterAvp[] {
  const avps = [
    avp(dict, 'Session-Id', f.sessionId), vsai(dict), avp(dict, 'Auth-Session-State', AuthSessionState.NO_STATE_MAINTAINED),
    avp(dict, 'Origin-Host', id.host), avp(dict, 'Origin-Realm', id.realm),
  ];
  if (f.destinationHost) avps.push(avp(dict, 'Destination-Host', f.destinationHost));
  avps.push(avp(dict, 'Destination-Realm', f.destinationRealm), avp(dict, 'User-Identity', [avp(dict, 'MSISDN', encodeTbcd(f.msisdn))]));
  return avps;
}

export function buildUdr(dict: Dictionary, id: LocalIdentity, f: ShRequestFields & { serviceIndication: string }, ids: Ids): DiameterMessage {
  const avps = [...shHeaderAvps(dict, id, f), avp(dict, 'Service-Indication', Buffer.from(f.serviceIndication)), avp(dict, 'Data-Reference', DATA_REFERENCE_REPOSITORY_DATA)];
  return { flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.USER_DATA, applicationId: AppId.Sh, ...ids, avps };
}

export function buildPur(dict: Dictionary, id: LocalIdentity, f: ShRequestFields & { userData: string }, ids: Ids): DiameterMessage {
  const avps = [...shHeaderAvps(dict, id, f), avp(dict, 'Data-Reference', DATA_REFERENCE_REPOSITORY_DATA), avp(dict, 'User-Data', Buffer.from(f.userData, 'utf8'))];
  return { flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.PROFILE_UPDATE, applicationId: AppId.Sh, ...ids, avps };
}

/**
 * SNR (TS 29.329 §6.1.5; TS 29.328 §6.1.3 Sh-Subs-Notif): subscribe to (or, with `subscribe: false`,
 * unsubscribe from) changes of the RepositoryData of one Service-Indication. `expiryTime` (Unix seconds) asks
 * for a subscription lifetime; `sendData` asks the HSS to return the current data in the SNA.
 */
export function buildSnr(
  dict: Dictionary, id: LocalIdentity,
  f: ShRequestFields & { serviceIndication: string; subscribe: boolean; expiryTime?: number; sendData?: boolean }, ids: Ids,
): DiameterMessage {
  const avps = [...shHeaderAvps(dict, id, f), avp(dict, 'Service-Indication', Buffer.from(f.serviceIndication))];
  if (f.sendData) avps.push(avp(dict, 'Send-Data-Indication', SendDataIndication.USER_DATA_REQUESTED));
  avps.push(avp(dict, 'Subs-Req-Type', f.subscribe ? SubsReqType.SUBSCRIBE : SubsReqType.UNSUBSCRIBE), avp(dict, 'Data-Reference', DATA_REFERENCE_REPOSITORY_DATA));
  if (f.expiryTime !== undefined && f.subscribe) avps.push(avp(dict, 'Expiry-Time', f.expiryTime));
  return { flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.SUBSCRIBE_NOTIFICATIONS, applicationId: AppId.Sh, ...ids, avps };
}

/**
 * PNR (TS 29.329 §6.1.7; TS 29.328 §6.1.4 Sh-Notif), sent by the HSS to the subscribed AS: {Destination-Host}
 * is that AS, User-Data the changed Sh-Data.
 */
export function buildPnr(dict: Dictionary, id: LocalIdentity, f: ShRequestFields & { destinationHost: string; userData: string }, ids: Ids): DiameterMessage {
  const avps = [...shHeaderAvps(dict, id, f), avp(dict, 'User-Data', Buffer.from(f.userData, 'utf8'))];
  return { flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.PUSH_NOTIFICATION, applicationId: AppId.Sh, ...ids, avps };
}

export interface ShRequestView {
  sessionId: string;
  originHost: string | null;
  originRealm: string | null;
  msisdn: string | null;
  serviceIndication: string | null;
  dataReference: number | null;
  userData: string | null;
  /** SNR: Subs-Req-Type (0 subscribe, 1 unsubscribe). */
  subsReqType: number | null;
  /** SNR: Expiry-Time, Unix seconds. */
  expiryTime: number | null;
  /** SNR: Send-Data-Indication USER_DATA_REQUESTED. */
  sendData: boolean;
}

export function readShRequest(m: DiameterMessage): ShRequestView | undefined {
  const sessionId = getString(m.avps, Avp.SESSION_ID);
  if (!sessionId) return undefined;
  const ui = getOctets(m.avps, Avp3gpp.USER_IDENTITY, VENDOR_3GPP);
  const msisdn = ui ? getOctets(decodeAvps(ui), Avp3gpp.MSISDN, VENDOR_3GPP) : undefined;
  const expiry = getU32(m.avps, Avp3gpp.EXPIRY_TIME, VENDOR_3GPP);
  return {
    sessionId,
    originHost: getString(m.avps, Avp.ORIGIN_HOST) ?? null,
    originRealm: getString(m.avps, Avp.ORIGIN_REALM) ?? null,
    msisdn: msisdn ? decodeTbcd(msisdn) : null,
    serviceIndication: getOctets(m.avps, Avp3gpp.SERVICE_INDICATION, VENDOR_3GPP)?.toString('utf8') ?? null,
    dataReference: getU32(m.avps, Avp3gpp.DATA_REFERENCE, VENDOR_3GPP) ?? null,
    userData: getOctets(m.avps, Avp3gpp.USER_DATA, VENDOR_3GPP)?.toString('utf8') ?? null,
    subsReqType: getU32(m.avps, Avp3gpp.SUBS_REQ_TYPE, VENDOR_3GPP) ?? null,
    expiryTime: expiry === undefined ? null : expiry - NTP_OFFSET,
    sendData: getU32(m.avps, Avp3gpp.SEND_DATA_INDICATION, VENDOR_3GPP) === SendDataIndication.USER_DATA_REQUESTED,
  };
}

/**
 * UDA/PUA/SNA/PNA (TS 29.329 §6.1.2, 6.1.4, 6.1.6, 6.1.8): the result (Result-Code or Experimental-Result),
 * User-Data for a UDA (or an SNA that was asked for it), Expiry-Time (Unix seconds) for an SNA.
 */
export function buildShAnswer(dict: Dictionary, req: DiameterMessage, id: LocalIdentity, f: DiameterResult & { userData?: string; expiryTime?: number }): DiameterMessage {
  const avps: DiameterAvp[] = [avp(dict, 'Session-Id', getString(req.avps, Avp.SESSION_ID) ?? ''), vsai(dict)];
  avps.push(resultAvp(dict, f), avp(dict, 'Auth-Session-State', AuthSessionState.NO_STATE_MAINTAINED), avp(dict, 'Origin-Host', id.host), avp(dict, 'Origin-Realm', id.realm));
  if (f.userData !== undefined) avps.push(avp(dict, 'User-Data', Buffer.from(f.userData, 'utf8')));
  if (f.expiryTime !== undefined) avps.push(avp(dict, 'Expiry-Time', f.expiryTime));
  return answerHeaderFor(req, avps, f);
}

export function readShAnswer(m: DiameterMessage): { result: DiameterResult | undefined; userData: string | null; expiryTime: number | null } {
  const expiry = getU32(m.avps, Avp3gpp.EXPIRY_TIME, VENDOR_3GPP);
  return {
    result: resultOf(m),
    userData: getOctets(m.avps, Avp3gpp.USER_DATA, VENDOR_3GPP)?.toString('utf8') ?? null,
    expiryTime: expiry === undefined ? null : expiry - NTP_OFFSET,
  };
}
