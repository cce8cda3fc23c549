/**
 * `simulate eap-aka -v` / `--show-documents`: each HTTP exchange as curl's `-v` shows it — the
 * request line, headers and body after `> `, the answer's status line, headers and body after
 * `< ` — with credentials redacted. Pure: the driver (`simulate.ts`) hands the request it sent,
 * the answer it got and the secrets it knows of; the command writes the text to stderr.
 *
 * Redacted: `token`/`temporary_token`/`notif_token` in the URL, the values of `Cookie`,
 * `Set-Cookie` and `Authorization`, and every token in a body (the TOKEN characteristic of an XML
 * document, a `"token"` member of a JSON one, `token=` inside ServiceFlow_UserData, and any known
 * secret value wherever it appears). EAP packets are shown as sent: an EAP-AKA challenge
 * (RAND, AUTN, MAC) and the answer (RES, MAC) are one-time values that carry no long-term key.
 */
import type { HttpAnswer } from './http.js';
import { redactUrl, type HttpRequestSpec } from './request.js';

export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set(['cookie', 'set-cookie', 'authorization', 'proxy-authorization']);

/** `name=value; attrs` → `name=[REDACTED]; attrs`; any other secret header value → `[REDACTED]`. */
function redactHeader(name: string, value: string): string {
  const n = name.toLowerCase();
  if (!SECRET_HEADERS.has(n)) return value;
  if (n === 'cookie' || n === 'set-cookie') {
    return value.replace(/(^|;\s*)([^=;\s]+)=([^;]*)/g, (m, sep: string, k: string) => (n === 'set-cookie' && sep !== '' ? m : `${sep}${k}=${REDACTED}`));
  }
  return REDACTED;
}

/** Tokens in a document body, and each known secret value wherever it appears. */
export function redactBody(body: string, secrets: readonly string[] = []): string {
  let out = body;
  for (const s of secrets) if (s) out = out.split(s).join(REDACTED);
  return out
    .replace(/(<parm\s+name="(?:token|temporary_token)"\s+value=")[^"]*(")/gi, `$1${REDACTED}$2`)
    .replace(/("(?:token|temporary_token|notif_token)"\s*:\s*")[^"]*(")/gi, `$1${REDACTED}$2`)
    .replace(/(\b(?:token|temporary_token)=)(?!\[REDACTED\])[^&"'<\s]+/gi, `$1${REDACTED}`);
}

function pathOf(url: string): { host: string; target: string } {
  const u = new URL(redactUrl(url));
  return { host: u.host, target: `${u.pathname}${u.search}`.replace(/%5BREDACTED%5D/g, REDACTED) };
}

function bodyLines(prefix: string, body: string | undefined): string[] {
  if (!body) return [];
  return [prefix, ...body.replace(/\r?\n$/, '').split(/\r?\n/).map((l) => `${prefix} ${l}`)];
}

/** One exchange as text: `> ` request lines, then `< ` answer lines, or `* ` and the error. */
export function formatExchange(
  n: number,
  req: HttpRequestSpec,
  outcome: { answer: HttpAnswer } | { error: string },
  secrets: readonly string[] = [],
): string {
  const { host, target } = pathOf(req.url);
  const out = [`* step ${n}: ${req.purpose}`, `> ${req.method} ${target} HTTP/1.1`, `> Host: ${host}`];
  for (const [k, v] of req.headers) out.push(`> ${k}: ${redactHeader(k, v)}`);
  out.push(...bodyLines('>', req.body === undefined ? undefined : redactBody(req.body, secrets)));
  if ('error' in outcome) {
    out.push(`* ${outcome.error}`);
    return `${out.join('\n')}\n`;
  }
  const a = outcome.answer;
  out.push(`< HTTP/1.1 ${a.status}`);
  for (const [k, v] of Object.entries(a.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push(`< ${k}: ${redactHeader(k, String(one))}`);
  }
  if (a.gzip) out.push(`* body gunzipped: ${a.wireBytes} bytes on the wire`);
  out.push(...bodyLines('<', redactBody(a.body, secrets)));
  return `${out.join('\n')}\n`;
}
