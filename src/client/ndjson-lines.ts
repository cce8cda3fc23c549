/**
 * Byte helpers for NDJSON lines kept undecoded (the event-stream client hands activity lines over as bytes, cut
 * by `src/util/line-splitter.ts`; docs/performance.md § Thirteenth round). Pure.
 */

/** Space, tab, CR: what `String.prototype.trim` would take off a line the daemon wrote (it writes none). */
const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d;

/** The line without the blanks around it (the line itself when it has none; empty when it is all blanks). */
export function trimBlanks(line: Buffer): Buffer {
  let start = 0;
  let end = line.length;
  while (start < end && isBlank(line[start]!)) start += 1;
  while (end > start && isBlank(line[end - 1]!)) end -= 1;
  return start === 0 && end === line.length ? line : line.subarray(start, end);
}

/** Does `bytes` start with `prefix`? (A loop: cheaper than a call into C++ for a short prefix.) */
export function startsWithBytes(bytes: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}
