/**
 * SWm Diameter-EAP-Request/Answer (3GPP TS 29.273 §7.2.2.1, command 268 over
 * RFC 4072 with Application-Id 16777264). Pure builders and readers.
 */
import { AppId, Avp, AuthRequestType, CmdFlag, CommandCode, RatType } from './constants.js';
import type { Dictionary } from './dictionary.js';
import { answerHeaderFor, requestHead, resultAvp, type Ids, type LocalIdentity } from './base.js';
import { avp, getOctets, getString, resultOf, type DiameterAvp, type DiameterMessage } from './message.js';
import type { DiameterResult } from './result.js';

export interface DerFields {
  sessionId: string;
  destinationRealm: string;
  destinationHost?: string;
  eapPayload: Buffer;
  userName?: string;
  ratType?: number;
  serviceSelection?: string;
}

/** DER: <Session-Id> {Auth-Application-Id} {Origin-Host} {Origin-Realm} {Destination-Realm} [Destination-Host] {Auth-Request-Type} {EAP-Payload} [User-Name] [RAT-Type] [Service-Selection]. */
export function buildDer(dict: Dictionary, id: LocalIdentity, f: DerFields, ids: Ids): DiameterMessage {
  const avps = requestHead(dict, id, f, [avp(dict, 'Auth-Application-Id', AppId.SWm)]);
  avps.push(avp(dict, 'Auth-Request-Type', AuthRequestType.AUTHORIZE_AUTHENTICATE), avp(dict, 'EAP-Payload', f.eapPayload));
  if (f.userName !== undefined) avps.push(avp(dict, 'User-Name', f.userName));
  avps.push(avp(dict, 'RAT-Type', f.ratType ?? RatType.WLAN));
  if (f.serviceSelection) avps.push(avp(dict, 'Service-Selection', f.serviceSelection));
  return { flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm, ...ids, avps };
}

export interface DerView {
  sessionId: string;
  eapPayload: Buffer;
  userName?: string;
  originHost?: string;
  originRealm?: string;
}

export function readDer(m: DiameterMessage): DerView | undefined {
  const sessionId = getString(m.avps, Avp.SESSION_ID);
  const eapPayload = getOctets(m.avps, Avp.EAP_PAYLOAD);
  if (!sessionId || !eapPayload) return undefined;
  const userName = getString(m.avps, Avp.USER_NAME);
  const originHost = getString(m.avps, Avp.ORIGIN_HOST);
  const originRealm = getString(m.avps, Avp.ORIGIN_REALM);
  return { sessionId, eapPayload, ...(userName !== undefined ? { userName } : {}), ...(originHost ? { originHost } : {}), ...(originRealm ? { originRealm } : {}) };
}

/** The result (Result-Code 1001, 2001, 4001 … or an Experimental-Result such as 3GPP 5001 user unknown) and the rest. */
export type DeaFields = DiameterResult & {
  eapPayload?: Buffer;
  msk?: Buffer;
  userName?: string;
  /** On success: the user's permanent identity as a root NAI (TS 29.273 §7.1.2.1.1 "Permanent User Identity"). */
  mobileNodeIdentifier?: string;
};

/** DEA: <Session-Id> {Auth-Application-Id} {Auth-Request-Type} [Result-Code] [Experimental-Result] {Origin-Host} {Origin-Realm} [User-Name] [EAP-Payload] [EAP-Master-Session-Key] [Mobile-Node-Identifier]. */
export function buildDea(dict: Dictionary, req: DiameterMessage, id: LocalIdentity, f: DeaFields): DiameterMessage {
  const sid = getString(req.avps, Avp.SESSION_ID) ?? '';
  const avps: DiameterAvp[] = [
    avp(dict, 'Session-Id', sid),
    avp(dict, 'Auth-Application-Id', AppId.SWm),
    avp(dict, 'Auth-Request-Type', AuthRequestType.AUTHORIZE_AUTHENTICATE),
  ];
  avps.push(resultAvp(dict, f), avp(dict, 'Origin-Host', id.host), avp(dict, 'Origin-Realm', id.realm));
  if (f.userName) avps.push(avp(dict, 'User-Name', f.userName));
  if (f.eapPayload) avps.push(avp(dict, 'EAP-Payload', f.eapPayload));
  if (f.msk) avps.push(avp(dict, 'EAP-Master-Session-Key', f.msk));
  if (f.mobileNodeIdentifier) avps.push(avp(dict, 'Mobile-Node-Identifier', f.mobileNodeIdentifier));
  return answerHeaderFor(req, avps, f);
}

export interface DeaView {
  sessionId?: string;
  result: DiameterResult | undefined;
  eapPayload: Buffer | null;
  msk: Buffer | null;
  /** Mobile-Node-Identifier: the permanent identity the AAA authenticated (TS 29.273 §7.1.2.1.1). */
  mobileNodeIdentifier: string | null;
}

export function readDea(m: DiameterMessage): DeaView {
  const sessionId = getString(m.avps, Avp.SESSION_ID);
  return {
    ...(sessionId !== undefined ? { sessionId } : {}),
    result: resultOf(m),
    eapPayload: getOctets(m.avps, Avp.EAP_PAYLOAD) ?? null,
    msk: getOctets(m.avps, Avp.EAP_MASTER_SESSION_KEY) ?? null,
    mobileNodeIdentifier: getString(m.avps, Avp.MOBILE_NODE_IDENTIFIER) ?? null,
  };
}

