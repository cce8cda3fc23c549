/**
 * EAP-AKA / EAP-AKA' identities (RFC 4187 §4.1.1.6, RFC 5448 §3.1; 3GPP TS 23.003 §19.3.2):
 *   permanent  0<IMSI>@nai.epc.mnc<MNC>.mcc<MCC>.3gppnetwork.org   (EAP-AKA)
 *              6<IMSI>@...                                         (EAP-AKA')
 *   pseudonym  2… (AKA) / 7… (AKA');  fast re-authentication  4… (AKA) / 8… (AKA')
 * MNC in the realm is always 3 digits, zero-padded.
 */

export type AkaVariant = 'aka' | 'aka-prime';
export type IdentityKind = 'permanent' | 'pseudonym' | 'reauth' | 'unknown';

const PREFIX: Record<AkaVariant, Record<'permanent' | 'pseudonym' | 'reauth', string>> = {
  aka: { permanent: '0', pseudonym: '2', reauth: '4' },
  'aka-prime': { permanent: '6', pseudonym: '7', reauth: '8' },
};

export interface ParsedIdentity {
  kind: IdentityKind;
  /** Which method the leading digit belongs to, if it is one of the 3GPP prefixes. */
  variant?: AkaVariant;
  /** The IMSI for a permanent identity. */
  imsi?: string;
  username: string;
  realm?: string;
  mcc?: string;
  mnc?: string;
}

const IMSI_RE = /^[0-9]{6,15}$/;

/** Parse an NAI (or a bare username) as EAP-AKA sees it. Never throws. */
export function parseIdentity(nai: string): ParsedIdentity {
  const at = nai.indexOf('@');
  const username = at >= 0 ? nai.slice(0, at) : nai;
  const realm = at >= 0 ? nai.slice(at + 1) : undefined;
  const out: ParsedIdentity = { kind: 'unknown', username };
  if (realm !== undefined) {
    out.realm = realm;
    const m = /(?:^|\.)mnc([0-9]{3})\.mcc([0-9]{3})\.3gppnetwork\.org$/i.exec(realm);
    if (m) {
      out.mnc = m[1]!;
      out.mcc = m[2]!;
    }
  }
  const lead = username.charAt(0);
  for (const variant of ['aka', 'aka-prime'] as const) {
    for (const kind of ['permanent', 'pseudonym', 'reauth'] as const) {
      if (PREFIX[variant][kind] === lead) {
        out.variant = variant;
        out.kind = kind;
      }
    }
  }
  if (out.kind === 'permanent') {
    const imsi = username.slice(1);
    if (IMSI_RE.test(imsi)) out.imsi = imsi;
    else out.kind = 'unknown';
  }
  return out;
}

/** True for a permanent identity with an IMSI (of either variant unless one is given). */
export function isPermanentIdentity(nai: string, variant?: AkaVariant): boolean {
  const p = parseIdentity(nai);
  return p.kind === 'permanent' && p.imsi !== undefined && (variant === undefined || p.variant === variant);
}

/**
 * The method a peer runs, from its identity's leading digit (TS 23.003 §19.3.2: 0/2/4 = EAP-AKA,
 * 6/7/8 = EAP-AKA'); `fallback` for an identity without a 3GPP prefix. The one place this is decided.
 */
export function methodOfIdentity(nai: string, fallback: AkaVariant): AkaVariant {
  return parseIdentity(nai).variant ?? fallback;
}

/** The 3GPP realm nai.epc.mnc<MNC3>.mcc<MCC>.3gppnetwork.org (TS 23.003 §19.3.2). */
export function epcRealm(mcc: string, mnc: string): string {
  if (!/^[0-9]{3}$/.test(mcc) || !/^[0-9]{2,3}$/.test(mnc)) throw new RangeError('realm: MCC is 3 digits, MNC 2 or 3');
  return `nai.epc.mnc${mnc.padStart(3, '0')}.mcc${mcc}.3gppnetwork.org`;
}

/**
 * The permanent identity for an IMSI. `mncLength` says how many digits after the MCC are the MNC
 * (2 or 3; it cannot be read from the IMSI itself). A `realm` given explicitly wins.
 */
export function buildPermanentIdentity(imsi: string, opts: { variant?: AkaVariant; mncLength?: 2 | 3; realm?: string } = {}): string {
  if (!IMSI_RE.test(imsi)) throw new RangeError('IMSI must be 6 to 15 digits');
  const realm = opts.realm ?? epcRealm(imsi.slice(0, 3), imsi.slice(3, 3 + (opts.mncLength ?? 3)));
  return `${PREFIX[opts.variant ?? 'aka'].permanent}${imsi}@${realm}`;
}
