/**
 * Builders and readers for the base protocol's peer messages (RFC 6733 §5.3
 * CER/CEA, §5.4 DPR/DPA, §5.5 DWR/DWA) and for answers in general (§6.2, §7).
 * Pure: identifiers, state ids and addresses are passed in.
 */
import { Avp, AvpFlag, CmdFlag, CommandCode, AppId, ResultCode, VENDOR_3GPP } from './constants.js';
import type { AvpType, Dictionary } from './dictionary.js';
import { baseCode, type DiameterResult } from './result.js';
import {
  avp, decodeAvps, findAll, findAvp, getString, getU32, type DiameterAvp, type DiameterMessage, type MalformedMessageError,
} from './message.js';

export interface LocalIdentity {
  host: string;
  realm: string;
}

export interface Capabilities extends LocalIdentity {
  hostIpAddresses: string[];
  vendorId: number;
  productName: string;
  originStateId: number;
  supportedVendorIds: number[];
  authApplicationIds: number[];
  acctApplicationIds: number[];
  /** Vendor-Specific-Application-Id entries: {vendorId, auth|acct}. */
  vendorSpecific: { vendorId: number; authApplicationId?: number; acctApplicationId?: number }[];
  firmwareRevision?: number;
}

const origin = (dict: Dictionary, id: LocalIdentity): DiameterAvp[] => [
  avp(dict, 'Origin-Host', id.host),
  avp(dict, 'Origin-Realm', id.realm),
];

function capabilityAvps(dict: Dictionary, c: Capabilities): DiameterAvp[] {
  const out = [...origin(dict, c)];
  for (const ip of c.hostIpAddresses) out.push(avp(dict, 'Host-IP-Address', ip));
  out.push(avp(dict, 'Vendor-Id', c.vendorId), avp(dict, 'Product-Name', c.productName));
  out.push(avp(dict, 'Origin-State-Id', c.originStateId));
  for (const v of c.supportedVendorIds) out.push(avp(dict, 'Supported-Vendor-Id', v));
  for (const a of c.authApplicationIds) out.push(avp(dict, 'Auth-Application-Id', a));
  for (const a of c.acctApplicationIds) out.push(avp(dict, 'Acct-Application-Id', a));
  for (const v of c.vendorSpecific) {
    const inner = [avp(dict, 'Vendor-Id', v.vendorId)];
    if (v.authApplicationId !== undefined) inner.push(avp(dict, 'Auth-Application-Id', v.authApplicationId));
    if (v.acctApplicationId !== undefined) inner.push(avp(dict, 'Acct-Application-Id', v.acctApplicationId));
    out.push(avp(dict, 'Vendor-Specific-Application-Id', inner));
  }
  if (c.firmwareRevision !== undefined) out.push(avp(dict, 'Firmware-Revision', c.firmwareRevision));
  return out;
}

export interface Ids {
  hopByHop: number;
  endToEnd: number;
}

export function buildCer(dict: Dictionary, c: Capabilities, ids: Ids): DiameterMessage {
  return { flags: CmdFlag.R, commandCode: CommandCode.CAPABILITIES_EXCHANGE, applicationId: 0, ...ids, avps: capabilityAvps(dict, c) };
}

export function buildCea(dict: Dictionary, req: DiameterMessage, c: Capabilities, resultCode: number, errorMessage?: string): DiameterMessage {
  const avps = [avp(dict, 'Result-Code', resultCode), ...capabilityAvps(dict, c)];
  if (errorMessage) avps.push(avp(dict, 'Error-Message', errorMessage));
  return answerHeader(req, avps, resultCode);
}

export function buildDwr(dict: Dictionary, id: LocalIdentity, originStateId: number, ids: Ids): DiameterMessage {
  return {
    flags: CmdFlag.R, commandCode: CommandCode.DEVICE_WATCHDOG, applicationId: 0, ...ids,
    avps: [...origin(dict, id), avp(dict, 'Origin-State-Id', originStateId)],
  };
}

export function buildDwa(dict: Dictionary, req: DiameterMessage, id: LocalIdentity, originStateId: number): DiameterMessage {
  return answerHeader(req, [avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS), ...origin(dict, id), avp(dict, 'Origin-State-Id', originStateId)], 2001);
}

export function buildDpr(dict: Dictionary, id: LocalIdentity, cause: number, ids: Ids): DiameterMessage {
  return {
    flags: CmdFlag.R, commandCode: CommandCode.DISCONNECT_PEER, applicationId: 0, ...ids,
    avps: [...origin(dict, id), avp(dict, 'Disconnect-Cause', cause)],
  };
}

export function buildDpa(dict: Dictionary, req: DiameterMessage, id: LocalIdentity): DiameterMessage {
  return answerHeader(req, [avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS), ...origin(dict, id)], 2001);
}

/** Where an application request goes (§6.1): its session and destination. */
export interface RequestRouting {
  sessionId: string;
  destinationRealm: string;
  destinationHost?: string | undefined;
}

/**
 * The head of an application request as SWm and SWx lay it out (§6.1, TS 29.273 §7.2.2.1, §8.2.2.1):
 * <Session-Id>, the application's own AVPs (Auth-Application-Id, or Vendor-Specific-Application-Id
 * and Auth-Session-State), {Origin-Host} {Origin-Realm} {Destination-Realm} [Destination-Host].
 */
export function requestHead(dict: Dictionary, id: LocalIdentity, r: RequestRouting, application: DiameterAvp[]): DiameterAvp[] {
  const avps = [avp(dict, 'Session-Id', r.sessionId), ...application, ...origin(dict, id), avp(dict, 'Destination-Realm', r.destinationRealm)];
  if (r.destinationHost) avps.push(avp(dict, 'Destination-Host', r.destinationHost));
  return avps;
}

/**
 * The outcome AVP of an answer, from the one result model (result.ts): Result-Code (§7.1), or
 * Experimental-Result (§7.6) {Vendor-Id, Experimental-Result-Code} (3GPP: TS 29.229 §6.2, TS 29.273 §10.3).
 */
export function resultAvp(dict: Dictionary, r: DiameterResult): DiameterAvp {
  return 'experimental' in r
    ? avp(dict, 'Experimental-Result', [avp(dict, 'Vendor-Id', r.experimental.vendorId), avp(dict, 'Experimental-Result-Code', r.experimental.code)])
    : avp(dict, 'Result-Code', r.resultCode);
}

/** An application answer's header for a result (§6.2): the E bit follows a base 3xxx Result-Code only. */
export const answerHeaderFor = (req: DiameterMessage, avps: DiameterAvp[], r: DiameterResult): DiameterMessage => answerHeader(req, avps, baseCode(r));

/** The answer's header for a request (§6.2): same command, app, hop-by-hop and end-to-end; R cleared; P kept; E for 3xxx. */
export function answerHeader(req: DiameterMessage, avps: DiameterAvp[], resultCode?: number): DiameterMessage {
  const e = resultCode !== undefined && resultCode >= 3000 && resultCode < 4000 ? CmdFlag.E : 0;
  return {
    flags: (req.flags & CmdFlag.P) | e,
    commandCode: req.commandCode,
    applicationId: req.applicationId,
    hopByHop: req.hopByHop,
    endToEnd: req.endToEnd,
    avps,
  };
}

/**
 * An error answer (§7.2 answer-message / §6.2): Session-Id first when the
 * request had one, Origin-Host/Realm, Result-Code, optional Error-Message and
 * Failed-AVP (§7.5) holding the offending AVP.
 */
export function buildErrorAnswer(
  dict: Dictionary, req: DiameterMessage, id: LocalIdentity, resultCode: number,
  opts: { errorMessage?: string; failedAvp?: DiameterAvp } = {},
): DiameterMessage {
  const avps: DiameterAvp[] = [];
  const sid = findAvp(req.avps, Avp.SESSION_ID);
  if (sid) avps.push(sid);
  avps.push(...origin(dict, id), avp(dict, 'Result-Code', resultCode));
  if (opts.errorMessage) avps.push(avp(dict, 'Error-Message', opts.errorMessage));
  if (opts.failedAvp) avps.push(avp(dict, 'Failed-AVP', [opts.failedAvp]));
  for (const p of findAll(req.avps, Avp.PROXY_INFO)) avps.push(p);
  return answerHeader(req, avps, resultCode);
}

/** §7.5: the smallest payload of a type, for the Failed-AVP of an AVP whose own length could not be trusted. */
const MIN_PAYLOAD: Partial<Record<AvpType, number>> = {
  Integer32: 4, Unsigned32: 4, Float32: 4, Enumerated: 4, Time: 4, Integer64: 8, Unsigned64: 8, Float64: 8, Address: 6,
};

/**
 * The answer to a request whose frame was intact but whose header bits or AVPs were not (RFC 6733 §7.1):
 * 3008 for header bits, 3009 for AVP flag bits, 5014 for an AVP length. The Failed-AVP holds the offending
 * AVP's header with a zero-filled payload of the minimum length for its type (§7.5: its own length was wrong).
 */
export function buildMalformedAnswer(
  dict: Dictionary, header: Omit<DiameterMessage, 'avps'>, id: LocalIdentity, err: MalformedMessageError,
): DiameterMessage {
  const req: DiameterMessage = { ...header, flags: header.flags & (CmdFlag.R | CmdFlag.P), avps: err.decodedBefore };
  const f = err.failed;
  const failedAvp = f ? { code: f.code, vendorId: f.vendorId, flags: f.flags & (AvpFlag.V | AvpFlag.M | AvpFlag.P), data: Buffer.alloc(MIN_PAYLOAD[dict.avp(f.code, f.vendorId)?.type ?? 'OctetString'] ?? 0) } : undefined;
  return buildErrorAnswer(dict, req, id, err.resultCode, { errorMessage: err.reason, ...(failedAvp ? { failedAvp } : {}) });
}

/** Reads a CER or CEA's capabilities (§5.3.1-2). Missing Origin-Host/Realm → undefined. */
export function readCapabilities(m: DiameterMessage): Capabilities | undefined {
  const host = getString(m.avps, Avp.ORIGIN_HOST);
  const realm = getString(m.avps, Avp.ORIGIN_REALM);
  if (!host || !realm) return undefined;
  const u32s = (code: number) => findAll(m.avps, code).filter((a) => a.data.length === 4).map((a) => a.data.readUInt32BE(0));
  const vendorSpecific = findAll(m.avps, Avp.VENDOR_SPECIFIC_APPLICATION_ID).flatMap((a) => {
    try {
      const g = decodeAvps(a.data);
      const vendorId = getU32(g, Avp.VENDOR_ID) ?? 0;
      const auth = getU32(g, Avp.AUTH_APPLICATION_ID);
      const acct = getU32(g, Avp.ACCT_APPLICATION_ID);
      return [{ vendorId, ...(auth !== undefined ? { authApplicationId: auth } : {}), ...(acct !== undefined ? { acctApplicationId: acct } : {}) }];
    } catch {
      return [];
    }
  });
  const hostIpAddresses = findAll(m.avps, Avp.HOST_IP_ADDRESS).flatMap((a) => {
    if (a.data.length === 6 && a.data.readUInt16BE(0) === 1) return [[...a.data.subarray(2)].join('.')];
    return [];
  });
  const fw = getU32(m.avps, Avp.FIRMWARE_REVISION);
  return {
    host, realm, hostIpAddresses,
    vendorId: getU32(m.avps, Avp.VENDOR_ID) ?? 0,
    productName: getString(m.avps, Avp.PRODUCT_NAME) ?? '',
    originStateId: getU32(m.avps, Avp.ORIGIN_STATE_ID) ?? 0,
    supportedVendorIds: u32s(Avp.SUPPORTED_VENDOR_ID),
    authApplicationIds: u32s(Avp.AUTH_APPLICATION_ID),
    acctApplicationIds: u32s(Avp.ACCT_APPLICATION_ID),
    vendorSpecific,
    ...(fw !== undefined ? { firmwareRevision: fw } : {}),
  };
}

/** Every application a peer advertised (plain and vendor-specific, auth and acct). */
export function advertisedApplications(c: Capabilities): number[] {
  const set = new Set<number>([...c.authApplicationIds, ...c.acctApplicationIds]);
  for (const v of c.vendorSpecific) {
    if (v.authApplicationId !== undefined) set.add(v.authApplicationId);
    if (v.acctApplicationId !== undefined) set.add(v.acctApplicationId);
  }
  return [...set];
}

/** §5.3: the applications both ends support; the Relay application matches everything. */
export function commonApplications(local: Capabilities, remote: Capabilities): number[] {
  const mine = advertisedApplications(local);
  const theirs = advertisedApplications(remote);
  if (theirs.includes(AppId.RELAY)) return mine;
  if (mine.includes(AppId.RELAY)) return theirs;
  return mine.filter((a) => theirs.includes(a));
}

/** Re-encodes an AVP for Failed-AVP (§7.5): same code, vendor and flags. */
export const copyAvp = (a: DiameterAvp): DiameterAvp => ({ ...a, data: Buffer.from(a.data) });

/** A Session-Id per RFC 6733 §8.8: `<DiameterIdentity>;<high 32 bits>;<low 32 bits>[;<optional>]`. */
export function makeSessionId(host: string, high: number, low: number, optional?: string): string {
  return `${host};${high >>> 0};${low >>> 0}${optional ? `;${optional}` : ''}`;
}


/**
 * RFC 6733 §6.13 redirect answer: 3006 DIAMETER_REDIRECT_INDICATION (E bit) naming where to send the request
 * instead (Redirect-Host, DiameterURIs), how long the answer may be used (Redirect-Host-Usage; with a usage
 * other than DONT_CACHE, Redirect-Max-Cache-Time).
 */
export function buildRedirectAnswer(
  dict: Dictionary, req: DiameterMessage, id: LocalIdentity, uris: readonly string[], usage: number, maxCacheSeconds = 0,
): DiameterMessage {
  const base = buildErrorAnswer(dict, req, id, ResultCode.DIAMETER_REDIRECT_INDICATION);
  const extra = [...uris.map((u) => avp(dict, 'Redirect-Host', u)), avp(dict, 'Redirect-Host-Usage', usage)];
  if (usage !== 0) extra.push(avp(dict, 'Redirect-Max-Cache-Time', maxCacheSeconds));
  return { ...base, avps: [...base.avps, ...extra] };
}
