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
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

export function ownStringOrNull(s: string | null): string | null {
  return s === null ? null : ownString(s);
}
