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

/** `name=value` pairs after `?`, `&`, `;` or white space (the start of text counts as a separator). */
const PAIR_RE = /(^|[?&;\s])([^=&;\s?#"]{1,200})=([^&;\s"#]*)/g;

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

/** Values of credential parameters replaced by `censor`, whatever encoding their names use. */
export function redactSecretParams(text: string, censor = '[REDACTED]'): string {
  return text.replace(PAIR_RE, (whole, sep: string, name: string) => (secretName(name) ? `${sep}${name}=${censor}` : whole));
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
