/**
 * Human output of `omnisep simulate eap-aka`: each HTTP step with its status,
 * decoded EAP packets, the USIM's verdict and SQN, timings; then the
 * entitlements; the load summary. Pure string builders over the JSON report
 * (the same object `--json` prints), coloured by the chalk instance given.
 */
import type { ChalkInstance } from 'chalk';
import type { EapAttributeDescription, EapDescription } from '../codec/eap/describe.js';
import { EapType } from '../codec/eap/constants.js';
import type { AuthenticationSummary, SimStep, SimulationReport } from './simulate.js';
import type { LoadSummary } from './load.js';
import type { JsonValue } from './document.js';

const ms = (n: number | undefined): string => (n === undefined ? '-' : `${n.toFixed(1)} ms`);

const words = (name: string): string =>
  name
    .split('_')
    .map((w, i) => (i === 0 && w.length <= 4 ? w : w.charAt(0) + w.slice(1).toLowerCase()))
    .join('-');

/** One line for a describeEap() description: `EAP-Request/AKA-Challenge id=3 [AT_RAND AT_AUTN AT_MAC]`. */
export function eapLine(d: EapDescription | undefined): string {
  if (!d) return '';
  const code = words(d.code_name);
  const kind = d.subtype_name ? words(d.subtype_name) : (d.type_name ?? '');
  const prime = d.type === EapType.AKA_PRIME ? " (AKA')" : '';
  const attrs = (d.attributes ?? []).map(attrText);
  const identity = d.identity !== undefined ? ` ${d.identity}` : '';
  const error = d.error !== undefined ? ` (undecodable: ${d.error})` : '';
  return `EAP-${code}${kind ? `/${kind}` : ''}${prime} id=${d.identifier}${identity}${attrs.length ? ` [${attrs.join(' ')}]` : ''}${error}`;
}

/** Attribute name, with its value when short and public (AT_KDF=1, AT_KDF_INPUT=WLAN, AT_NOTIFICATION=16384). */
function attrText(a: EapAttributeDescription): string {
  const name = a.name;
  const v = a.value;
  const shown = (typeof v === 'number' || typeof v === 'string') && String(v).length > 0 && String(v).length <= 40 && !/REDACTED|^[0-9a-f]{16,}$/.test(String(v));
  return shown ? `${name}=${String(v)}` : name;
}

function statusText(s: SimStep, c: ChalkInstance): string {
  if (s.error) return c.red(`error: ${s.error}`);
  const status = s.status ?? 0;
  const colour = status === 200 ? c.green : status >= 500 || status === 511 ? c.yellow : c.red;
  return colour(String(status));
}

function shortUrl(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

export function renderSteps(r: SimulationReport, c: ChalkInstance): string {
  const out: string[] = [];
  out.push(`${c.bold('simulate eap-aka')}  ${r.imsi}  ${c.dim(r.eap_id)}  ${r.variant === 'aka-prime' ? "EAP-AKA'" : 'EAP-AKA'}  → ${r.url}`);
  for (const s of r.steps) {
    const extra = [s.content_type?.split(';')[0], s.gzip ? 'gzip' : '', s.retry_after ? `Retry-After ${s.retry_after}` : ''].filter(Boolean).join('  ');
    out.push(
      `${c.bold(String(s.n).padStart(2))} ${s.method.padEnd(4)} ${shortUrl(s.url)}${s.cookies_sent ? c.dim(`  (${s.cookies_sent} cookie${s.cookies_sent > 1 ? 's' : ''})`) : ''}`,
    );
    if (s.sent_eap) out.push(`     ${c.cyan('→')} ${eapLine(s.sent_eap)}`);
    out.push(`     ${c.cyan('←')} ${statusText(s, c)}  ${extra}  ${c.dim(ms(s.ms))}`);
    if (s.received_eap) out.push(`     ${c.cyan('←')} ${eapLine(s.received_eap)}`);
    if (s.usim) out.push(`     ${c.magenta('USIM')} ${s.usim.action}  ${c.dim(`SQN_MS ${s.usim.sqn_ms}`)}`);
    if (s.document) {
      const d = s.document;
      out.push(
        `     ${c.cyan('←')} ${d.format.toUpperCase()} document${d.vers !== undefined ? `  VERS ${d.vers}` : ''}${d.token ? '  TOKEN' : ''}  apps ${d.apps.join(',') || '-'}`,
      );
    }
  }
  if (r.entitlements && Object.keys(r.entitlements).length) {
    out.push('', c.bold('Entitlements'));
    for (const [app, params] of Object.entries(r.entitlements)) {
      out.push(`  ${c.bold(app)}`);
      for (const line of flatten(params)) out.push(`    ${line}`);
    }
  }
  if (r.token) out.push('', `${c.bold('Token')}  [REDACTED]${r.token.validity ? `  validity ${r.token.validity} s` : ''}`);
  if (r.authentications && (r.authentications.length > 1 || r.authentications.some((a) => a.kind !== 'full' || a.identity !== 'permanent'))) {
    out.push('', c.bold('Authentications'));
    r.authentications.forEach((a, i) => out.push(`  ${i + 1}  ${authLine(a)}`));
  }
  for (const w of r.warnings) out.push(c.yellow(`warning: ${w}`));
  out.push('');
  if (r.ok) {
    const reauth = r.reauth ? `, token re-auth ${r.reauth.ok ? 'ok' : 'failed'} in ${ms(r.reauth.ms)}` : '';
    out.push(
      `${c.green.bold('OK')}  authenticated in ${ms(r.timings.eap_ms)} (${r.challenges} EAP request${r.challenges === 1 ? '' : 's'}, SQN_MS ${r.sqn_ms.start} → ${r.sqn_ms.end})${reauth}`,
    );
  } else out.push(`${c.red.bold('FAILED')}  ${r.reason ?? 'unknown reason'}`);
  return out.join('\n');
}

const IDENTITY_NAME = { permanent: 'permanent identity', pseudonym: 'pseudonym', reauth: 're-auth identity' } as const;

/** `fast re-auth  EAP_ID re-auth identity  4.2 ms  kept: pseudonym, re-auth identity`. */
export function authLine(a: AuthenticationSummary): string {
  const kept = [a.next.pseudonym ? 'pseudonym' : '', a.next.reauth_id ? 're-auth identity' : ''].filter(Boolean).join(', ') || 'nothing';
  const kind = a.kind === 'fast_reauth' ? 'fast re-auth' : a.fell_back ? 'full (fell back)' : 'full';
  return `${kind.padEnd(16)} EAP_ID ${IDENTITY_NAME[a.identity].padEnd(18)} ${ms(a.ms).padStart(9)}  kept: ${kept}`;
}

/** Parameters as `Name: value` lines; nested characteristics indented. */
function flatten(v: Record<string, JsonValue>, indent = ''): string[] {
  const lines: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x)) {
      x.forEach((item, i) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) {
          lines.push(`${indent}${k}[${i}]`);
          lines.push(...flatten(item as Record<string, JsonValue>, `${indent}  `));
        } else lines.push(`${indent}${k}[${i}]: ${String(item)}`);
      });
    } else if (x && typeof x === 'object') {
      lines.push(`${indent}${k}`);
      lines.push(...flatten(x as Record<string, JsonValue>, `${indent}  `));
    } else lines.push(`${indent}${k}: ${x === '' ? '""' : String(x)}`);
  }
  return lines;
}

export function renderLoad(s: LoadSummary & { kinds?: { full: number; fast_reauth: number; fell_back: number }; sims?: number }, c: ChalkInstance, target: string): string {
  const l = s.latency_ms;
  const out = [
    `${c.bold('simulate eap-aka load')}  → ${target}`,
    `${s.count} authentications${s.sims ? ` round ${s.sims} SIMs` : ''}, concurrency ${s.concurrency}: ${c.green(`${s.ok} ok`)}, ${s.failed ? c.red(`${s.failed} failed`) : '0 failed'} in ${(s.duration_ms / 1000).toFixed(2)} s`,
    `throughput  ${s.throughput_per_s.toFixed(1)}/s  (ok ${s.ok_per_s.toFixed(1)}/s)`,
    `latency     p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  (min ${ms(l.min)}, mean ${ms(l.mean)}, max ${ms(l.max)})`,
  ];
  if (s.kinds) out.push(`kinds       ${s.kinds.full} full, ${s.kinds.fast_reauth} fast re-auth${s.kinds.fell_back ? ` (${s.kinds.fell_back} re-auth identities fell back to full)` : ''}`);
  for (const [reason, n] of Object.entries(s.failures).sort((a, b) => b[1] - a[1])) out.push(c.red(`  ${n} × ${reason}`));
  return out.join('\n');
}
