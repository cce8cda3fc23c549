/**
 * A copy of `s` that holds no other string alive. V8 makes a substring of 13 or more characters a slice that keeps
 * its whole parent: a parameter value taken from a request is a slice of the request's URL, and an IMSI taken from
 * an EAP_ID a slice of the EAP_ID. Kept for minutes in a long-lived record (an EAP session view, kept for
 * `eap_aka.keep_finished_ms`), each such value kept its whole request URL alive: ≈ 300 bytes a session
 * (docs/performance.md § Thirty-seventh round). Here the value is joined to one character and cut back: V8 flattens
 * the joined text into a new string of its own before it cuts, so what is kept is at most one character longer than
 * `s`. The text is the same, any characters.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : `${s} `.slice(0, -1);
}

export function ownStringOrNull(s: string | null): string | null {
  return s === null ? null : ownString(s);
}
