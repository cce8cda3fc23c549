/**
 * Credentials in query strings and form bodies (docs/security.md § Secrets in requests). A
 * parameter is judged by its *decoded* name, so no encoding escapes redaction: `%74oken`,
 * `TOKEN`, `api-key`, `access_token`, a double-encoded `%2574oken` and `to%6Ben` are all the
 * same secret parameter. Pure.
 */

/** Parameter names (normalised: lower case, `-`/`_`/`.`/space removed) whose values are credentials. */
const SECRET_PARAM_NAMES = new Set([
  // TS.43 and omnisep's own
  'token', 'temporarytoken', 'notiftoken', 'operatortoken', 'signingsecret', 'wstoken',
  // EAP-AKA / Diameter key material (EAP-AKA.md)
  'msk', 'emsk', 'ck', 'ik', 'ki', 'opc', 'op', 'kaut', 'kencr', 'res', 'xres', 'auts', 'eapmastersessionkey',
  // passwords and PINs (VVM.md)
  'pin', 'password', 'passwd', 'pw', 'pwd',
  // the usual API credential names (issue 13 item 6)
  'apikey', 'key', 'accesstoken', 'refreshtoken', 'idtoken', 'authtoken', 'bearer', 'auth', 'authorization',
  'secret', 'clientsecret', 'sessionid', 'session', 'sid', 'sig', 'signature', 'credential', 'credentials',
]);

/** Percent-decode (and `+` → space) until stable, at most 4 rounds; malformed escapes stay as they are. */
export function decodeParamName(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw; // nothing to decode (most names)
  let cur = raw.replace(/\+/g, ' ');
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      next = cur.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

const normalise = (name: string): string => name.toLowerCase().replace(/[-_.\s[\]]/g, '');

/** Is this (raw, possibly encoded) parameter name a credential? */
export function isSecretParamName(raw: string): boolean {
  return SECRET_PARAM_NAMES.has(normalise(decodeParamName(raw)));
}

/**
 * `name=value` pairs after `?`, `&`, `;` or white space (the start of text counts as a separator). The
 * definition: `redactSecretParams` scans for exactly what a global replace with this pattern matches (the
 * test compares both over a table of tricky strings and random ones).
 */
export const PAIR_RE = /(^|[?&;\s])([^=&;\s?#"]{1,200})=([^&;\s"#]*)/g;

/** Verdicts on names seen (every request's query repeats the same few names); bounded, so odd names cannot grow it. */
const verdicts = new Map<string, boolean>();
function secretName(name: string): boolean {
  let v = verdicts.get(name);
  if (v === undefined) {
    v = isSecretParamName(name);
    if (verdicts.size < 1024) verdicts.set(name, v);
  }
  return v;
}

/** JavaScript's `\s` (ECMA-262 WhiteSpace and LineTerminator), as a test on a UTF-16 code unit. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
const Q = 63; // ?
const AMP = 38; // &
const SEMI = 59; // ;
const EQ = 61; // =
const HASH = 35; // #
const DQ = 34; // "
/** A separator before a name: `?`, `&`, `;`, white space. */
const isSep = (c: number): boolean => c === AMP || c === SEMI || c === Q || isSpace(c);
/** A character a name may hold: anything but `=`, `&`, `;`, `?`, `#`, `"` and white space. */
const isNameChar = (c: number): boolean => c !== EQ && c !== HASH && c !== DQ && !isSep(c);
/** A character a value may hold: anything but `&`, `;`, `#`, `"` and white space (`?` and `=` included). */
const isValueChar = (c: number): boolean => c !== AMP && c !== SEMI && c !== HASH && c !== DQ && !isSpace(c);

/**
 * Values of credential parameters replaced by `censor`, whatever encoding their names use. One pass over the
 * text without a regular expression (the replace with a callback was most of an activity record's cost,
 * docs/performance.md § Fourth round (helper tokq)); it finds what `text.replace(PAIR_RE, …)` finds: a match
 * starts at the text's start or at a separator, its name is 1–200 name characters followed by `=`, its value
 * runs to the next `&`, `;`, `#`, `"` or white space, and the search goes on after the value.
 */
export function redactSecretParams(text: string, censor = '[REDACTED]'): string {
  const n = text.length;
  let out = '';
  let copied = 0; // text[0, copied) is in `out`
  let p = 0;
  while (p < n) {
    // The name starts at p (the text's start, `^`) or after a separator at p.
    let nameStart: number;
    if (p === 0 && !isSep(text.charCodeAt(0))) nameStart = 0;
    else if (isSep(text.charCodeAt(p))) nameStart = p + 1;
    else { p++; continue; }
    let e = nameStart;
    while (e < n && e - nameStart <= 200 && isNameChar(text.charCodeAt(e))) e++;
    const len = e - nameStart;
    if (len === 0 || len > 200 || e >= n || text.charCodeAt(e) !== EQ) { p++; continue; }
    const valueStart = e + 1;
    let v = valueStart;
    while (v < n && isValueChar(text.charCodeAt(v))) v++;
    if (secretName(text.slice(nameStart, e))) {
      out += text.slice(copied, valueStart) + censor;
      copied = v;
    }
    p = v;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The credential parameter names (as sent) in a URL's query string; empty when there are none. */
export function secretParamsInUrl(url: string): string[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const out: string[] = [];
  for (const part of url.slice(q + 1).split(/[&;]/)) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name && isSecretParamName(name)) out.push(name);
  }
  return out;
}
