/**
 * SWx Multimedia-Auth-Request/Answer (3GPP TS 29.273 §8.2.2.1, command 303,
 * Application-Id 16777265; AVPs from TS 29.229 §6.3). Pure builders and readers.
 *
 * MAR: <Session-Id> {Vendor-Specific-Application-Id} {Auth-Session-State}
 *      {Origin-Host} {Origin-Realm} {Destination-Realm} [Destination-Host]
 *      {User-Name} {SIP-Auth-Data-Item} {SIP-Number-Auth-Items} {RAT-Type} [ANID]
 * MAA: <Session-Id> {Vendor-Specific-Application-Id} [Result-Code] [Experimental-Result]
 *      {Auth-Session-State} {Origin-Host} {Origin-Realm} [User-Name]
 *      [SIP-Number-Auth-Items] *[SIP-Auth-Data-Item]
 * SIP-Auth-Data-Item in the MAA: SIP-Item-Number, SIP-Authentication-Scheme,
 * SIP-Authenticate = RAND ‖ AUTN, SIP-Authorization = XRES, Confidentiality-Key,
 * Integrity-Key. In a resync MAR: SIP-Authorization = RAND ‖ AUTS (TS 29.273 §8.2.3.x).
 */
import { AppId, Avp, Avp3gpp, AuthSessionState, CmdFlag, CommandCode, RatType, SipAuthScheme, VENDOR_3GPP } from './constants.js';
import type { Dictionary } from './dictionary.js';
import { answerHeaderFor, requestHead, resultAvp, type Ids, type LocalIdentity } from './base.js';
import { avp, decodeAvps, findAll, getOctets, getString, getU32, resultOf, type DiameterAvp, type DiameterMessage } from './message.js';
import type { DiameterResult } from './result.js';

const vsai = (dict: Dictionary): DiameterAvp =>
  avp(dict, 'Vendor-Specific-Application-Id', [avp(dict, 'Vendor-Id', VENDOR_3GPP), avp(dict, 'Auth-Application-Id', AppId.SWx)]);

export interface MarFields {
  sessionId: string;
  destinationRealm: string;
  destinationHost?: string;
  /** The IMSI (TS 29.273: User-Name holds the IMSI on SWx). */
  userName: string;
  scheme: string;
  numberOfItems?: number;
  resync?: { rand: Buffer; auts: Buffer };
  ratType?: number;
  anid?: string;
}

export function buildMar(dict: Dictionary, id: LocalIdentity, f: MarFields, ids: Ids): DiameterMessage {
  const item = [avp(dict, 'SIP-Authentication-Scheme', f.scheme)];
  if (f.resync) item.push(avp(dict, 'SIP-Authorization', Buffer.concat([f.resync.rand, f.resync.auts])));
  const avps = requestHead(dict, id, f, [vsai(dict), avp(dict, 'Auth-Session-State', AuthSessionState.NO_STATE_MAINTAINED)]);
  avps.push(
    avp(dict, 'User-Name', f.userName),
    avp(dict, 'SIP-Auth-Data-Item', item),
    avp(dict, 'SIP-Number-Auth-Items', f.numberOfItems ?? 1),
    avp(dict, 'RAT-Type', f.ratType ?? RatType.WLAN),
  );
  if (f.anid) avps.push(avp(dict, 'ANID', f.anid));
  return { flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.MULTIMEDIA_AUTH, applicationId: AppId.SWx, ...ids, avps };
}

export interface MarView {
  sessionId: string;
  userName: string;
  scheme: string;
  numberOfItems: number;
  resync?: { rand: Buffer; auts: Buffer };
}

export function readMar(m: DiameterMessage): MarView | undefined {
  const sessionId = getString(m.avps, Avp.SESSION_ID);
  const userName = getString(m.avps, Avp.USER_NAME);
  const itemAvp = findAll(m.avps, Avp3gpp.SIP_AUTH_DATA_ITEM, VENDOR_3GPP)[0];
  if (!sessionId || !userName || !itemAvp) return undefined;
  const item = decodeAvps(itemAvp.data);
  const scheme = getString(item, Avp3gpp.SIP_AUTHENTICATION_SCHEME, VENDOR_3GPP) ?? SipAuthScheme.EAP_AKA;
  const authz = getOctets(item, Avp3gpp.SIP_AUTHORIZATION, VENDOR_3GPP);
  const n = getU32(m.avps, Avp3gpp.SIP_NUMBER_AUTH_ITEMS, VENDOR_3GPP) ?? 1;
  return {
    sessionId, userName, scheme, numberOfItems: n,
    ...(authz && authz.length === 30 ? { resync: { rand: authz.subarray(0, 16), auts: authz.subarray(16) } } : {}),
  };
}

export interface MaaVector {
  rand: Buffer;
  autn: Buffer;
  xres: Buffer;
  ck: Buffer;
  ik: Buffer;
}

/** The result (one model: Result-Code or Experimental-Result, result.ts) and the rest. */
export type MaaFields = DiameterResult & {
  userName?: string;
  scheme?: string;
  vectors?: MaaVector[];
};

export function buildMaa(dict: Dictionary, req: DiameterMessage, id: LocalIdentity, f: MaaFields): DiameterMessage {
  const avps: DiameterAvp[] = [avp(dict, 'Session-Id', getString(req.avps, Avp.SESSION_ID) ?? ''), vsai(dict)];
  avps.push(resultAvp(dict, f), avp(dict, 'Auth-Session-State', AuthSessionState.NO_STATE_MAINTAINED), avp(dict, 'Origin-Host', id.host), avp(dict, 'Origin-Realm', id.realm));
  if (f.userName) avps.push(avp(dict, 'User-Name', f.userName));
  if (f.vectors?.length) {
    avps.push(avp(dict, 'SIP-Number-Auth-Items', f.vectors.length));
    f.vectors.forEach((v, i) => avps.push(avp(dict, 'SIP-Auth-Data-Item', [
      avp(dict, 'SIP-Item-Number', i + 1),
      avp(dict, 'SIP-Authentication-Scheme', f.scheme ?? SipAuthScheme.EAP_AKA),
      avp(dict, 'SIP-Authenticate', Buffer.concat([v.rand, v.autn])),
      avp(dict, 'SIP-Authorization', v.xres),
      avp(dict, 'Confidentiality-Key', v.ck),
      avp(dict, 'Integrity-Key', v.ik),
    ])));
  }
  return answerHeaderFor(req, avps, f);
}

export interface MaaView {
  result: DiameterResult | undefined;
  vectors: MaaVector[];
}

export function readMaa(m: DiameterMessage): MaaView {
  const vectors: MaaVector[] = [];
  for (const a of findAll(m.avps, Avp3gpp.SIP_AUTH_DATA_ITEM, VENDOR_3GPP)) {
    const g = decodeAvps(a.data);
    const sa = getOctets(g, Avp3gpp.SIP_AUTHENTICATE, VENDOR_3GPP);
    const xres = getOctets(g, Avp3gpp.SIP_AUTHORIZATION, VENDOR_3GPP);
    const ck = getOctets(g, Avp3gpp.CONFIDENTIALITY_KEY, VENDOR_3GPP);
    const ik = getOctets(g, Avp3gpp.INTEGRITY_KEY, VENDOR_3GPP);
    if (!sa || sa.length !== 32 || !xres || !ck || !ik) continue;
    vectors.push({ rand: sa.subarray(0, 16), autn: sa.subarray(16, 32), xres, ck, ik });
  }
  return { result: resultOf(m), vectors };
}
