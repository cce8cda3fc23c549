/**
 * A copy of `s` that holds no other string alive. V8 makes a substring of 13 or more characters a slice that keeps
 * its whole parent: a parameter value taken from a request is a slice of the request's URL, and an IMSI taken from
 * an EAP_ID a slice of the EAP_ID. Kept for minutes in a long-lived record (an EAP session view, kept for
 * `eap_aka.keep_finished_ms`) or for good (a record's key in a collection, a memo's key), each such value kept its
 * whole request URL alive: ≈ 300 bytes each (docs/performance.md § Thirty-seventh and Thirty-eighth rounds).
 *
 * The copy is a flat string of its own, from a JSON round trip (exact for any text, lone surrogates included). Until
 * 2026-12-07 it was the value joined to one character and cut back, which is 3–6 times cheaper (≈ 75 ns against
 * 235–470 ns here) but is itself a slice: 32 bytes more for each string kept, over every record key once collections
 * kept their keys this way (§ Thirty-eighth round). A string shorter than 13 characters is never a slice.
 */
export function ownString(s: string): string {
  if (s.length < 13) return s;
  const shared = s.length <= RECENT_COPY_CHARS;
  const made = shared ? recentCopies.get(s) : undefined;
  if (made !== undefined) return made;
  const copy = JSON.parse(JSON.stringify(s)) as string;
  if (!shared) return copy;
  if (recentCopies.size >= RECENT_COPIES) recentCopies.clear();
  recentCopies.set(copy, copy);
  return copy;
}

/**
 * The copies made lately, by their text, so that a text several maps keep at about the same time is one string, not
 * one each: a SIM's IMSI is the key of its grant and its SQN record, a value of its token's index and its session
 * view's field, all written within one authentication. Without it the fleet's heap held 73,378 IMSI strings at
 * 10,000 SIMs, against 25,425 before collections copied their keys (docs/performance.md § Thirty-eighth round). At
 * most RECENT_COPIES of at most RECENT_COPY_CHARS characters (ids, IMSIs, keys: ≤ ≈ 330 KB), then started afresh.
 */
const RECENT_COPIES = 4096;
const RECENT_COPY_CHARS = 64;
const recentCopies = new Map<string, string>();

export function ownStringOrNull(s: string | null): string | null {
  return s === null ? null : ownString(s);
}

/**
 * `JSON.stringify`'s text, flattened. V8 builds the text of all but the smallest values as a tree of joined pieces
 * (32, 64, 128 … characters, 32 bytes a join), and a collection holds that tree as it is until something reads the
 * text: a record written by `update` (whose index values come from the object, not the text) and not read again
 * before the next compaction. Reading one character flattens the tree into one string in place (≈ 50 ns for a
 * 356-character record here), and the garbage collector then drops the join that wraps it: at 10,000 SIMs 120,459
 * joins (3.7 MB) → 55,918 (1.7 MB), the strings 43.0 → 38.7 MB (docs/performance.md § Thirty-eighth round).
 * `normalize()`, which returns a one-byte text flat, did as well for memory at ≈ 800 ns a record.
 */
export function flatText(text: string): string {
  text.charCodeAt(0);
  return text;
}
