/**
 * What a TS.43 EAP_ID is (docs/ts43.md § Requests, docs/eap-aka.md § Through TS.43). The EAP_ID is the
 * EAP-Response/Identity of the exchange (GSMA TS.43 §2.8.1): Android always sends the permanent identity
 * `0<IMSI>@realm`; an RFC 4187 peer that holds a pseudonym or a fast re-authentication identity from its
 * AAA presents that instead (RFC 4187 §4.1.1.7, §5.1). Pure.
 *
 *   permanent  a TS 23.003 §19.3.2 root NAI: a prefix digit, then the IMSI; 2/4/7/8 are never permanent
 *              (pseudonym and re-auth prefixes of EAP-AKA / EAP-AKA', §19.3.2), whatever follows them
 *   temporary  any other `username@realm`: a pseudonym or re-auth identity only the AAA that issued it can resolve
 *   invalid    anything else
 */
import { parseIdentity } from '../../aka/identity.js';
import { parseEapId } from '../../codec/ts43/request.js';
import { ownString } from '../../util/own-string.js';

export type EapIdClass =
  | { kind: 'permanent'; imsi: string }
  | { kind: 'temporary'; identity: 'pseudonym' | 'reauth' | 'other' }
  | { kind: 'invalid' };

/** TS 23.003 §19.3.2: the leading digits of pseudonyms (2, 7) and fast re-authentication identities (4, 8). */
const TEMPORARY_PREFIX = /^[2478]/;
/** RFC 7542 bounds a NAI to 253 octets; the username here is printable, without spaces or a second '@'. */
const NAI = /^[^\s@\x00-\x1f\x7f]{1,128}@[A-Za-z0-9.-]{1,124}$/;

export function classifyEapId(eapId: string): EapIdClass {
  const nai = eapId.trim();
  const permanent = parseEapId(nai);
  // An own copy: the IMSI is cut from the EAP_ID, and maps and records keep it long after the request (own-string.ts).
  if (permanent && !TEMPORARY_PREFIX.test(nai)) return { kind: 'permanent', imsi: ownString(permanent.imsi) };
  if (!NAI.test(nai)) return { kind: 'invalid' };
  const k = parseIdentity(nai).kind;
  return { kind: 'temporary', identity: k === 'pseudonym' || k === 'reauth' ? k : 'other' };
}
