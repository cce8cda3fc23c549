/**
 * MSISDNs in E.164 (ITU-T E.164: "+", country calling code, national number; at most 15 digits), the one
 * form the subscriber store keeps (docs/cli.md § MSISDNs). Parsing and the per-country lengths come from
 * libphonenumber-js (Google's libphonenumber metadata, the "min" set): a number is accepted when its length
 * is possible for its country. The number plan itself (which ranges are allocated) is not checked, so test
 * ranges such as +1 555 pass; a calling code the metadata does not know (+999, the lab SIMs' range) is
 * checked for the E.164 shape only.
 *
 *   toE164('+1 555 999-0002')        → +15559990002   (already international: checked, separators dropped)
 *   toE164('15559990001')            → +15559990001   (no country code: the digits are read as E.164 without "+")
 *   toE164('0170 1234567', 'DE')     → +491701234567  (a country code: national numbers and its "00" prefix)
 *   toE164('0170 1234567', '49')     → +491701234567  (the calling code works too)
 *
 * Used by the CLI (`--country-code`) and by the subscriber service (`subscribers.country_code`), so both
 * paths store the same string and lookups by MSISDN normalise the same way.
 */
import { parsePhoneNumberWithError, isSupportedCountry, validatePhoneNumberLength, type CountryCode, type PhoneNumber } from 'libphonenumber-js/min';

export type E164Result = { ok: true; e164: string } | { ok: false; error: string };

/** A country for national numbers: an ISO 3166 region ("DE", any case) or a calling code ("49", "+49"); '' = none. */
export type CountryOption = string;

const REASONS: Record<string, string> = {
  TOO_SHORT: 'too short',
  TOO_LONG: 'too long',
  INVALID_LENGTH: 'a length no number of that country has',
  INVALID_COUNTRY: 'no such country calling code',
  NOT_A_NUMBER: 'not a phone number',
};

/** Why a `--country-code` / `subscribers.country_code` value is wrong, or null when it is usable ('' is). */
export function countryProblem(country: CountryOption): string | null {
  const c = country.trim();
  if (c === '') return null;
  if (/^[A-Za-z]{2}$/.test(c)) return isSupportedCountry(c.toUpperCase()) ? null : `"${c}" is not a country libphonenumber knows (ISO 3166 alpha-2, e.g. US, DE, GB)`;
  if (/^\+?[1-9][0-9]{0,2}$/.test(c)) {
    try {
      parsePhoneNumberWithError(`+${c.replace(/^\+/, '')}1234567`);
      return null;
    } catch {
      return `"${c}" is not a country calling code`;
    }
  }
  return `"${c}" is not a country: give an ISO 3166 region (US, DE) or a calling code (1, 49)`;
}

/** `raw` as E.164 (`+` and digits), or why not: the reason says what would be right. */
export function toE164(raw: string, country: CountryOption = ''): E164Result {
  const s = raw.trim().replace(/[\s\-.()/]/g, '');
  if (!/^\+?[0-9]+$/.test(s)) return { ok: false, error: `"${raw}" is not a phone number; expected digits with an optional leading "+", e.g. +15551230007` };
  const c = country.trim();
  const region = /^[A-Za-z]{2}$/.test(c) ? (c.toUpperCase() as CountryCode) : undefined;
  const callingCode = !region && c ? c.replace(/^\+/, '') : undefined;
  const international = s.startsWith('+') || !c;
  const text = international ? `+${s.replace(/^\+/, '')}` : s;
  const opts = international ? {} : region ? { defaultCountry: region } : { defaultCallingCode: callingCode! };
  let n: PhoneNumber;
  try {
    n = parsePhoneNumberWithError(text, opts);
  } catch (e) {
    const code = (e as Error).message;
    // A calling code the metadata does not list (the +999 lab range of fixtures/subscribers/lab.csv, a new
    // code): only the E.164 shape can be checked — a first digit 1-9, at most 15 digits.
    if (code === 'INVALID_COUNTRY' && /^\+[1-9][0-9]{3,14}$/.test(text)) return { ok: true, e164: text };
    return { ok: false, error: explain(raw, text, opts, code, c) };
  }
  if (!n.isPossible()) return { ok: false, error: explain(raw, text, opts, validatePhoneNumberLength(text, opts) ?? 'INVALID_LENGTH', c) };
  return { ok: true, e164: n.number };
}

function explain(raw: string, text: string, _opts: object, code: string, country: string): string {
  const why = REASONS[code] ?? code.toLowerCase().replaceAll('_', ' ');
  const hint = text.startsWith('+') && !raw.trim().startsWith('+')
    ? ' (read as international digits: no country code is set — give it as +<country code><number>, or a --country-code / subscribers.country_code for national numbers)'
    : country ? ` (read as a national number of ${country})` : '';
  return `"${raw}" is not an E.164 number: ${why}${hint}`;
}

/** The E.164 form when `raw` has one, else `raw` trimmed (a lookup of a record stored before normalisation). */
export function e164OrRaw(raw: string, country: CountryOption = ''): string {
  const r = toE164(raw, country);
  return r.ok ? r.e164 : raw.trim();
}
