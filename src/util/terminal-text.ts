/**
 * Untrusted text made harmless (docs/security.md § Untrusted text). Phones, proxies and admins
 * put free text into requests (terminal_id, User-Agent, headers, websheet fields,
 * message_for_incompatible); shown raw, an ESC/CSI/OSC sequence or a C1 byte rewrites the
 * operator's terminal (title, screen clear, colours, hyperlinks), and a bidi override reorders
 * what is read. Two uses:
 *
 *  - `terminalSafe` — shown on a terminal (CLI tables, `activity show/tail`, the TUI): every C0
 *    control (U+0000–U+001F), DEL, every C1 control (U+0080–U+009F), the bidi controls
 *    (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and the line/paragraph separators
 *    (U+2028/9) become a visible escape (`\x1b`, `\u202e`). With `{ multiline: true }` a `\n`
 *    and a `\t` are kept (bodies in a detail view); `\r` never is.
 *  - `storableText` / `hasUnsafeText` — stored or put into XML: XML 1.0 §2.2 `Char` excludes
 *    every C0 control but TAB, LF and CR (and U+FFFE/U+FFFF, lone surrogates); the same bidi
 *    and C1 characters are refused too, since the text is later shown to people.
 *
 * Pure: no I/O.
 */

// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const STORE_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escapeOne = (ch: string): string => {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
};

/** Text safe to write to a terminal: controls and bidi characters shown as `\xNN` / `\uNNNN`. */
export function terminalSafe(text: string, opts: { multiline?: boolean } = {}): string {
  return text.replace(opts.multiline ? TERMINAL_UNSAFE_MULTILINE : TERMINAL_UNSAFE, escapeOne);
}

/** Does the text hold a character that may not be stored or put into XML (see the header)? */
export function hasUnsafeText(text: string): boolean {
  STORE_UNSAFE.lastIndex = 0;
  const hit = STORE_UNSAFE.test(text);
  STORE_UNSAFE.lastIndex = 0;
  return hit;
}

/** The text with every character `hasUnsafeText` refuses removed (for values put into XML). */
export function storableText(text: string): string {
  return text.replace(STORE_UNSAFE, '');
}

/** `terminalSafe` over every string (keys too) of a JSON-like value, for renderers that walk records. */
export function terminalSafeDeep<T>(value: T, opts: { multiline?: boolean } = {}): T {
  if (typeof value === 'string') return terminalSafe(value, opts) as T;
  if (Array.isArray(value)) return value.map((v) => terminalSafeDeep(v, opts)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[terminalSafe(k)] = terminalSafeDeep(v, opts);
    return out as T;
  }
  return value;
}
