/**
 * OMTP Visual Voicemail SMS (OMTP VVM 1.3 §2.8–2.9, GSMA TS.46; VVM.md § SMS formats):
 * the server-originated STATUS and SYNC texts and the mobile-originated Activate,
 * Deactivate and Status requests. Pure: no clock, no I/O — the caller passes the time.
 *
 *   //VVM:STATUS:st=R;rc=0;srv=vvm.example.com;ipt=993;spt=587;u=505010000000001;pw=...;lang=1|2|3;g_len=15;vs_len=5;pw_len=4-15;pm=N;gm=N;vtc=A
 *   //VVM:SYNC:ev=NM;id=123;c=5;t=v;s=+61400123456;dt=15/01/2024 10:30 +0000;l=30
 *   Activate:pv=11;ct=samsung.SM-A536E.13     Deactivate:pv=11;ct=...     Status
 *
 * Fields are `key=value` joined by `;`, no spaces around keys. A value holding `;`
 * or starting with `=` makes Android drop the whole SMS, so the encoder refuses it
 * (EncodeError) rather than sending something the phone ignores. Decoding failures
 * are one DecodeError('omtp', offset, reason).
 *
 * STATUS carries the IMAP password: `redactOmtp` is the form for logs, activity and CLI output.
 */
import { DecodeError } from '../decode-error.js';

/** STATUS `st` (provisioning status). */
export const ProvisioningStatus = { READY: 'R', BLOCKED: 'B', NEW: 'N', PROVISIONED: 'P', UNKNOWN: 'U' } as const;
export type ProvisioningStatus = (typeof ProvisioningStatus)[keyof typeof ProvisioningStatus];

/** STATUS `rc` (return code). */
export const ReturnCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SUBSCRIBER_ERROR: 2,
  MAILBOX_UNKNOWN: 3,
  NOT_ACTIVATED: 4,
  NOT_PROVISIONED: 5,
  CLIENT_UNKNOWN: 6,
  MAILBOX_NOT_INITIALIZED: 7,
} as const;
export type ReturnCode = (typeof ReturnCode)[keyof typeof ReturnCode];

/** SYNC `ev`. */
export type SyncEvent = 'NM' | 'MBU' | 'GU';
/** SYNC `t`: voice, video, fax, infotainment, ECC. */
export type MessageType = 'v' | 'o' | 'f' | 'i' | 'e';

export interface StatusSms {
  st: ProvisioningStatus;
  rc: ReturnCode;
  /** IMAP host. */
  srv?: string;
  /** TUI number. */
  tui?: string;
  /** Destination number for MO SMS. */
  dn?: string;
  /** IMAP port. */
  ipt?: number;
  /** SMTP port; `smtp_u`/`smtp_pw` accompany it. */
  spt?: number;
  smtp_u?: string;
  smtp_pw?: string;
  /** IMAP user name (an IMAP atom). Never sent with st=U or st=B. */
  u?: string;
  /** IMAP password. Never sent with st=U or st=B. */
  pw?: string;
  /** Languages available (joined with `|`). */
  lang?: readonly string[];
  /** Max greeting / voice-signature length, seconds. */
  g_len?: number;
  vs_len?: number;
  /** Allowed PIN length range. */
  pw_len?: { min: number; max: number };
  /** PIN must be changed. */
  pm?: 'Y' | 'N';
  /** Greeting must be recorded: normal, voice signature, both, none. */
  gm?: 'G' | 'V' | 'B' | 'N';
  /** TUI access: allowed, disabled, both, none. */
  vtc?: 'A' | 'D' | 'B' | 'N';
}

export interface SyncSms {
  ev: SyncEvent;
  /** Message UID (NM). */
  id?: number;
  /** Unread count (zero-padding allowed on decode). */
  c?: number;
  t?: MessageType;
  /** Sender; '' for a withheld caller (`s=` stays in the text). */
  s?: string;
  /** Deposit time, unix milliseconds; printed `dd/MM/yyyy HH:mm +0000`. */
  dt?: number;
  /** Length, seconds. */
  l?: number;
}

/** Thrown when a value cannot be put in an OMTP SMS (it holds `;`, starts with `=`, ...). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

/** Field order of STATUS (OMTP VVM 1.3 §2.8.1; VVM.md's example order with tui/dn after srv and smtp_* after spt). */
const STATUS_ORDER = ['st', 'rc', 'srv', 'tui', 'dn', 'ipt', 'spt', 'smtp_u', 'smtp_pw', 'u', 'pw', 'lang', 'g_len', 'vs_len', 'pw_len', 'pm', 'gm', 'vtc'] as const;
const SYNC_ORDER = ['ev', 'id', 'c', 't', 's', 'dt', 'l'] as const;
/** Keys whose values are secrets in any OMTP text. */
const SECRET_FIELDS = ['pw', 'smtp_pw'] as const;

const STATUS_VALUES = new Set<string>(Object.values(ProvisioningStatus));
const RETURN_CODES = new Set<number>(Object.values(ReturnCode));

function checkValue(key: string, value: string): string {
  if (value.includes(';')) throw new EncodeError(`omtp: ${key} must not contain ";" (Android drops the whole SMS)`);
  if (value.startsWith('=')) throw new EncodeError(`omtp: ${key} must not start with "=" (Android drops the whole SMS)`);
  if (/[\r\n\0]/.test(value)) throw new EncodeError(`omtp: ${key} must not contain line breaks or NUL`);
  return value;
}

function checkPrefix(prefix: string): string {
  if (!/^\/\/[A-Za-z0-9]{1,16}$/.test(prefix)) throw new EncodeError(`omtp: client prefix ${JSON.stringify(prefix)} is not "//" followed by 1 to 16 letters or digits (e.g. //VVM)`);
  return prefix;
}

const nonNegInt = (key: string, n: number) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new EncodeError(`omtp: ${key} must be a non-negative integer, got ${n}`);
  return String(n);
};

/** The STATUS text; `u`/`pw` are left out when `st` is U or B (VVM.md), as are absent fields. */
export function encodeStatus(sms: StatusSms, prefix = '//VVM'): string {
  if (!STATUS_VALUES.has(sms.st)) throw new EncodeError(`omtp: st ${JSON.stringify(sms.st)} is not one of R, B, N, P, U`);
  if (!RETURN_CODES.has(sms.rc)) throw new EncodeError(`omtp: rc ${sms.rc} is not 0..7`);
  const noCredentials = sms.st === 'U' || sms.st === 'B';
  const parts: string[] = [];
  for (const key of STATUS_ORDER) {
    if (noCredentials && (key === 'u' || key === 'pw' || key === 'smtp_u' || key === 'smtp_pw')) continue;
    const v = sms[key];
    if (v === undefined) continue;
    let text: string;
    if (key === 'lang') {
      const langs = v as readonly string[];
      for (const l of langs) if (l.includes('|') || l === '') throw new EncodeError('omtp: a lang entry must be non-empty and hold no "|"');
      text = langs.join('|');
    } else if (key === 'pw_len') {
      const r = v as { min: number; max: number };
      if (r.min > r.max) throw new EncodeError(`omtp: pw_len min ${r.min} is above max ${r.max}`);
      text = `${nonNegInt('pw_len', r.min)}-${nonNegInt('pw_len', r.max)}`;
    } else if (typeof v === 'number') text = nonNegInt(key, v);
    else text = String(v);
    if ((key === 'u' || key === 'smtp_u') && !/^[A-Za-z0-9._@+-]+$/.test(text)) throw new EncodeError(`omtp: ${key} must be an IMAP atom (letters, digits, . _ @ + -)`);
    parts.push(`${key}=${checkValue(key, text)}`);
  }
  return `${checkPrefix(prefix)}:STATUS:${parts.join(';')}`;
}

/** `dd/MM/yyyy HH:mm +0000` in UTC (VVM.md: SYNC dt). */
export function formatSyncDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new EncodeError('omtp: dt is not a time');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear(), 4)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} +0000`;
}

/** The SYNC text, fields in the order ev, id, c, t, s, dt, l (absent ones left out). */
export function encodeSync(sms: SyncSms, prefix = '//VVM'): string {
  if (sms.ev !== 'NM' && sms.ev !== 'MBU' && sms.ev !== 'GU') throw new EncodeError(`omtp: ev ${JSON.stringify(sms.ev)} is not one of NM, MBU, GU`);
  const parts: string[] = [];
  for (const key of SYNC_ORDER) {
    const v = sms[key];
    if (v === undefined) continue;
    let text: string;
    if (key === 'dt') text = formatSyncDate(v as number);
    else if (key === 't') {
      if (!/^[vofie]$/.test(String(v))) throw new EncodeError(`omtp: t ${JSON.stringify(v)} is not one of v, o, f, i, e`);
      text = String(v);
    } else if (typeof v === 'number') text = nonNegInt(key, v);
    else text = String(v);
    parts.push(`${key}=${checkValue(key, text)}`);
  }
  return `${checkPrefix(prefix)}:SYNC:${parts.join(';')}`;
}

// ── decoding ───────────────────────────────────────────────────────────────

/** `k=v;k=v` → ordered pairs; `base` is the offset of `body` in the whole text (for errors). */
function decodeFields(body: string, base: number, allowTrailing: boolean): Map<string, string> {
  const out = new Map<string, string>();
  if (body === '') return out;
  const segs = body.split(';');
  let off = base;
  segs.forEach((seg, i) => {
    if (seg === '' && i === segs.length - 1 && allowTrailing && i > 0) return;
    const eq = seg.indexOf('=');
    if (eq <= 0) throw new DecodeError('omtp', off, `field ${JSON.stringify(seg.slice(0, 32))} is not key=value`);
    const key = seg.slice(0, eq);
    if (!/^[a-z_]+$/i.test(key)) throw new DecodeError('omtp', off, `key ${JSON.stringify(key.slice(0, 32))} is not letters and "_" (no spaces around keys)`);
    const value = seg.slice(eq + 1);
    if (value.startsWith('=')) throw new DecodeError('omtp', off + eq + 1, `value of ${key} starts with "="`);
    const k = key.toLowerCase();
    if (out.has(k)) throw new DecodeError('omtp', off, `field ${key} appears twice`);
    out.set(k, value);
    off += seg.length + 1;
  });
  return out;
}

function intField(fields: Map<string, string>, key: string, text: string): number | undefined {
  const v = fields.get(key);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v)) throw new DecodeError('omtp', Math.max(0, text.indexOf(`${key}=`)), `${key}=${JSON.stringify(v.slice(0, 16))} is not a number`);
  return Number(v);
}

/** Splits `//PREFIX:KIND:fields`; the prefix must be the configured one. */
function splitServerText(text: string, kind: 'STATUS' | 'SYNC', prefix: string): { body: string; base: number } {
  const head = `${prefix}:${kind}:`;
  if (!text.startsWith(head)) throw new DecodeError('omtp', 0, `not a ${head} text`);
  return { body: text.slice(head.length), base: head.length };
}

/** Parses a STATUS text (the encoder's output, or a peer's). Unknown keys are refused: this is our own format. */
export function decodeStatus(text: string, prefix = '//VVM'): StatusSms {
  const { body, base } = splitServerText(text, 'STATUS', prefix);
  const f = decodeFields(body, base, true);
  for (const k of f.keys()) if (!(STATUS_ORDER as readonly string[]).includes(k)) throw new DecodeError('omtp', base, `unknown STATUS field ${k}`);
  const st = f.get('st');
  if (!st || !STATUS_VALUES.has(st)) throw new DecodeError('omtp', base, 'st is missing or not one of R, B, N, P, U');
  const rc = intField(f, 'rc', text);
  if (rc === undefined || !RETURN_CODES.has(rc)) throw new DecodeError('omtp', base, 'rc is missing or not 0..7');
  const out: StatusSms = { st: st as ProvisioningStatus, rc: rc as ReturnCode };
  for (const k of ['srv', 'tui', 'dn', 'u', 'pw', 'smtp_u', 'smtp_pw'] as const) {
    const v = f.get(k);
    if (v !== undefined) out[k] = v;
  }
  for (const k of ['ipt', 'spt', 'g_len', 'vs_len'] as const) {
    const v = intField(f, k, text);
    if (v !== undefined) out[k] = v;
  }
  const lang = f.get('lang');
  if (lang !== undefined) out.lang = lang.split('|');
  const pwLen = f.get('pw_len');
  if (pwLen !== undefined) {
    const m = /^(\d{1,3})-(\d{1,3})$/.exec(pwLen);
    if (!m) throw new DecodeError('omtp', base, 'pw_len is not <min>-<max>');
    out.pw_len = { min: Number(m[1]), max: Number(m[2]) };
  }
  const one = <T extends string>(k: string, allowed: readonly T[]): T | undefined => {
    const v = f.get(k);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw new DecodeError('omtp', base, `${k}=${JSON.stringify(v.slice(0, 8))} is not one of ${allowed.join(', ')}`);
    return v as T;
  };
  const pm = one('pm', ['Y', 'N'] as const);
  if (pm) out.pm = pm;
  const gm = one('gm', ['G', 'V', 'B', 'N'] as const);
  if (gm) out.gm = gm;
  const vtc = one('vtc', ['A', 'D', 'B', 'N'] as const);
  if (vtc) out.vtc = vtc;
  return out;
}

/** `dd/MM/yyyy HH:mm ±hhmm` → unix ms. */
export function parseSyncDate(v: string): number {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(v);
  if (!m) throw new DecodeError('omtp', 0, `dt ${JSON.stringify(v.slice(0, 32))} is not dd/MM/yyyy HH:mm Z`);
  const [day, mon, year, hh, mm, sign, zh, zm] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6], Number(m[7]), Number(m[8])];
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || zh > 14 || zm > 59) throw new DecodeError('omtp', 0, `dt ${v} is out of range`);
  const offset = (sign === '-' ? -1 : 1) * (zh * 60 + zm);
  return Date.UTC(year, mon - 1, day, hh, mm) - offset * 60_000;
}

export function decodeSync(text: string, prefix = '//VVM'): SyncSms {
  const { body, base } = splitServerText(text, 'SYNC', prefix);
  const f = decodeFields(body, base, true);
  for (const k of f.keys()) if (!(SYNC_ORDER as readonly string[]).includes(k)) throw new DecodeError('omtp', base, `unknown SYNC field ${k}`);
  const ev = f.get('ev');
  if (ev !== 'NM' && ev !== 'MBU' && ev !== 'GU') throw new DecodeError('omtp', base, 'ev is missing or not one of NM, MBU, GU');
  const out: SyncSms = { ev };
  const id = intField(f, 'id', text);
  if (id !== undefined) out.id = id;
  const c = intField(f, 'c', text);
  if (c !== undefined) out.c = c;
  const t = f.get('t');
  if (t !== undefined) {
    if (!/^[vofie]$/.test(t)) throw new DecodeError('omtp', base, `t=${JSON.stringify(t.slice(0, 8))} is not one of v, o, f, i, e`);
    out.t = t as MessageType;
  }
  const s = f.get('s');
  if (s !== undefined) out.s = s;
  const dt = f.get('dt');
  if (dt !== undefined) out.dt = parseSyncDate(dt);
  const l = intField(f, 'l', text);
  if (l !== undefined) out.l = l;
  return out;
}

// ── mobile-originated requests ──────────────────────────────────────────────

export type MoRequest =
  | { kind: 'activate'; pv: number; ct: string; pt?: number }
  | { kind: 'deactivate'; pv: number; ct?: string }
  | { kind: 'status'; pv?: number; ct?: string };

/** Longest MO text accepted (a concatenated SMS of 4 parts is far more than any client sends). */
export const MAX_MO_LENGTH = 640;

/**
 * Parses a mobile-originated request, strictly (VVM.md § Details):
 *   `Activate:pv=<11|12|13>;ct=<maker>.<model>.<release>[;pt=<port>]` — pt only from pv 12 on;
 *   `Deactivate:pv=<nn>[;ct=...]`;  `Status` (bare, or with pv/ct).
 * The command word matches case-insensitively; keys are pv, ct, pt only. One trailing `;`
 * and a final `//VVM`-style client prefix segment (`...;pt=1808;//VVM`, as OMTP 1.3 clients
 * append) are accepted; anything else is a DecodeError.
 */
export function decodeMo(text: string): MoRequest {
  if (text.length > MAX_MO_LENGTH) throw new DecodeError('omtp', MAX_MO_LENGTH, `MO text longer than ${MAX_MO_LENGTH} characters`);
  const t = text.trim();
  const colon = t.indexOf(':');
  const word = (colon < 0 ? t : t.slice(0, colon)).toLowerCase();
  let body = colon < 0 ? '' : t.slice(colon + 1);
  const base = colon + 1;
  // A trailing client prefix segment (`;//VVM`) is the sender's signature, not a field.
  body = body.replace(/;?\/\/[A-Za-z0-9]{1,16}$/, '');
  if (word !== 'activate' && word !== 'deactivate' && word !== 'status') throw new DecodeError('omtp', 0, `not an OMTP request: expected Activate, Deactivate or Status, got ${JSON.stringify(t.slice(0, 24))}`);
  const f = decodeFields(body, base, true);
  for (const k of f.keys()) if (k !== 'pv' && k !== 'ct' && k !== 'pt') throw new DecodeError('omtp', base, `unknown field ${k} in ${word}`);
  const pvText = f.get('pv');
  let pv: number | undefined;
  if (pvText !== undefined) {
    if (!/^1[1-3]$/.test(pvText)) throw new DecodeError('omtp', base, `pv=${JSON.stringify(pvText.slice(0, 8))} is not a protocol version this server speaks (11, 12, 13)`);
    pv = Number(pvText);
  }
  const ct = f.get('ct');
  if (ct !== undefined && !/^[\x21-\x7e]{1,128}$/.test(ct)) throw new DecodeError('omtp', base, 'ct must be 1 to 128 printable characters without spaces');
  const ptText = f.get('pt');
  let pt: number | undefined;
  if (ptText !== undefined) {
    if (pv === undefined || pv < 12) throw new DecodeError('omtp', base, 'pt is defined from pv=12 on');
    if (!/^\d{1,5}$/.test(ptText) || Number(ptText) > 65535) throw new DecodeError('omtp', base, `pt=${JSON.stringify(ptText.slice(0, 8))} is not a port`);
    pt = Number(ptText);
  }
  if (word === 'status') {
    if (pt !== undefined) throw new DecodeError('omtp', base, 'pt is not a Status field');
    return { kind: 'status', ...(pv !== undefined ? { pv } : {}), ...(ct !== undefined ? { ct } : {}) };
  }
  if (pv === undefined) throw new DecodeError('omtp', base, `${word} needs pv=<protocol version>`);
  if (word === 'deactivate') {
    if (pt !== undefined) throw new DecodeError('omtp', base, 'pt is not a Deactivate field');
    return { kind: 'deactivate', pv, ...(ct !== undefined ? { ct } : {}) };
  }
  if (ct === undefined) throw new DecodeError('omtp', base, 'activate needs ct=<maker>.<model>.<release>');
  return { kind: 'activate', pv, ct, ...(pt !== undefined ? { pt } : {}) };
}

/** The text with every secret field's value replaced (for logs, activity and CLI output). */
export function redactOmtp(text: string): string {
  let out = text;
  for (const k of SECRET_FIELDS) out = out.replace(new RegExp(`(^|[:;])${k}=[^;]*`, 'g'), `$1${k}=[REDACTED]`);
  return out;
}
