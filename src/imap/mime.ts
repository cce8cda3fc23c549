/**
 * The voicemail message format (VVM.md § Message format) and the few MIME facts the IMAP server needs:
 * build a voice message or a greeting as RFC 5322 + MIME bytes, find the header/body split, pick header
 * fields (`BODY[HEADER.FIELDS (...)]`), and cut out a body part by its section number (`BODY[1]`).
 * Pure: bytes in, bytes out.
 */

const CRLF = '\r\n';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date in UTC: `Sat, 25 Jan 2025 10:30:00 +0000`. */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** IMAP INTERNALDATE (RFC 3501 date-time): `25-Jan-2025 10:30:00 +0000`. */
export function imapDate(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** Parses an IMAP date-time (`25-Jan-2025 10:30:00 +0000`, day may be space-padded); null when malformed. */
export function parseImapDate(s: string): number | null {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const mon = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase());
  if (mon < 0) return null;
  const off = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  const t = Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - off;
  return Number.isFinite(t) ? t : null;
}

const base64Lines = (b: Buffer) => (b.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);

const safeHeader = (v: string) => v.replace(/[\r\n]+/g, ' ');

/** The file name extension for an audio content type (voicemail.amr, voicemail.wav …). */
export function audioExtension(contentType: string): string {
  const sub = contentType.split(';')[0]!.trim().toLowerCase().split('/')[1] ?? 'bin';
  if (sub === 'amr' || sub === 'amr-wb') return sub === 'amr' ? 'amr' : 'awb';
  if (sub === 'wav' || sub === 'x-wav' || sub === 'vnd.wave' || sub === 'wave') return 'wav';
  if (sub === 'mpeg' || sub === 'mp3') return 'mp3';
  return sub.replace(/[^a-z0-9]/g, '').slice(0, 8) || 'bin';
}

export interface VoiceMessageInput {
  /** The caller's number as given (`+61400123456`); '' = withheld. */
  from: string;
  /** The account's user name (IMSI). */
  to: string;
  domain: string;
  messageId: string;
  date: number;
  audio: Buffer;
  contentType: string;
  durationS?: number | undefined;
}

/**
 * A voice message as VVM.md § Message format: the caller's number (digits, no `+`) is the local part of
 * From, which is what Android shows; a withheld caller gets `unknown`. Content-Duration (what Android
 * reads) and the X-VVM headers only carry a duration when one is known.
 */
export function buildVoiceMessage(m: VoiceMessageInput): Buffer {
  const digits = m.from.replace(/[^0-9]/g, '');
  const boundary = '----=_Part_0';
  const dur = m.durationS !== undefined ? String(Math.round(m.durationS)) : null;
  const head = [
    `From: ${digits || 'unknown'}@${m.domain}`,
    `To: ${m.to}@${m.domain}`,
    `Date: ${rfc5322Date(m.date)}`,
    'Subject: voice message',
    `Message-ID: <${m.messageId}@${m.domain}>`,
    'Message-Context: voice-message',
    ...(dur !== null ? [`Content-Duration: ${dur}`] : []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/voice-message; boundary="${boundary}"`,
    'X-VVM-MsgType: voice',
    ...(dur !== null ? [`X-VVM-Duration: ${dur}`] : []),
    `X-VVM-Sender: ${safeHeader(m.from)}`,
  ];
  const ct = safeHeader(m.contentType);
  const body = [
    `--${boundary}`,
    `Content-Type: ${ct}`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="voicemail.${audioExtension(ct)}"`,
    '',
    base64Lines(m.audio),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(head.join(CRLF) + CRLF + CRLF + body.join(CRLF), 'latin1');
}

export const GREETING_KINDS = ['normal', 'busy', 'extended_absence', 'voice_signature'] as const;
export type GreetingKind = (typeof GREETING_KINDS)[number];

/** `X-CNS-Greeting-Type` values (VVM.md) ↔ kinds. */
export const GREETING_HEADER: Record<GreetingKind, string> = {
  normal: 'normal-greeting',
  busy: 'busy-greeting',
  extended_absence: 'extended-absence-greeting',
  voice_signature: 'voice-signature',
};

export function greetingKindOf(headerValue: string | undefined): GreetingKind | null {
  const v = (headerValue ?? '').trim().toLowerCase();
  return GREETING_KINDS.find((k) => GREETING_HEADER[k] === v) ?? null;
}

export function buildGreeting(g: { kind: GreetingKind; user: string; domain: string; messageId: string; date: number; audio: Buffer; contentType: string; durationS?: number | undefined }): Buffer {
  const boundary = '----=_Part_0';
  const ct = safeHeader(g.contentType);
  const head = [
    `From: ${g.user}@${g.domain}`,
    `To: ${g.user}@${g.domain}`,
    `Date: ${rfc5322Date(g.date)}`,
    'Subject: greeting',
    `Message-ID: <${g.messageId}@${g.domain}>`,
    'Message-Context: x-voice-greeting-message',
    `X-CNS-Greeting-Type: ${GREETING_HEADER[g.kind]}`,
    ...(g.durationS !== undefined ? [`Content-Duration: ${Math.round(g.durationS)}`] : []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ];
  const body = [`--${boundary}`, `Content-Type: ${ct}`, 'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="greeting.${audioExtension(ct)}"`, '', base64Lines(g.audio), `--${boundary}--`, ''];
  return Buffer.from(head.join(CRLF) + CRLF + CRLF + body.join(CRLF), 'latin1');
}

/** Bytes of the header section including the empty line that ends it (the whole message when there is none). */
export function headerLength(raw: Buffer): number {
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  if (raw[0] === 0x0a) return 1;
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return raw.length;
}

/** Header fields of a header section, unfolded: [name as written, value] in order. */
export function headerFields(header: Buffer): Array<[string, string]> {
  const text = header.toString('latin1');
  const out: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim()]);
  }
  return out;
}

export function headerValue(header: Buffer, name: string): string | undefined {
  const n = name.toLowerCase();
  return headerFields(header).find(([k]) => k.toLowerCase() === n)?.[1];
}

/**
 * `HEADER.FIELDS (names)` / `HEADER.FIELDS.NOT (names)` (RFC 3501 §6.4.5): the matching raw field lines
 * (folding kept), followed by the empty line.
 */
export function pickHeaderFields(header: Buffer, names: readonly string[], not: boolean): Buffer {
  const want = new Set(names.map((n) => n.toLowerCase()));
  const text = header.toString('latin1');
  const lines = text.split(/(?<=\n)(?![ \t])/);
  let out = '';
  for (const line of lines) {
    if (line === '\r\n' || line === '\n') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const hit = want.has(line.slice(0, colon).trim().toLowerCase());
    if (hit !== not) out += line.endsWith('\n') ? line : `${line}\r\n`;
  }
  return Buffer.from(`${out}\r\n`, 'latin1');
}

/** The boundary of a `multipart/*` Content-Type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return null;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** The body parts of a multipart entity (each with its own header), or null when it is not multipart. */
export function multipartParts(entity: Buffer): Buffer[] | null {
  const hl = headerLength(entity);
  const boundary = multipartBoundary(headerValue(entity.subarray(0, hl), 'content-type'));
  if (!boundary) return null;
  const body = entity.subarray(hl);
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing delimiter
    const eol = body.indexOf('\n', start);
    if (eol < 0) break;
    start = eol + 1;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push(body.subarray(start, Math.max(start, end)));
    pos = next;
  }
  return parts;
}

/**
 * The entity of a section part path (`1`, `1.2`), RFC 3501 §6.4.5: for a non-multipart message, part 1 is
 * its body. Returns the part's whole entity (header + body) or null when there is no such part.
 */
export function sectionEntity(raw: Buffer, path: readonly number[]): Buffer | null {
  let entity = raw;
  for (const n of path) {
    const parts = multipartParts(entity);
    if (!parts) {
      if (n !== 1) return null;
      // The body of a single-part entity, as an entity without a header.
      entity = Buffer.concat([Buffer.from('\r\n'), entity.subarray(headerLength(entity))]);
      continue;
    }
    const p = parts[n - 1];
    if (!p) return null;
    entity = p;
  }
  return entity;
}
