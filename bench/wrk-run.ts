/**
 * What wrk.bench and wrk-ab share: one `wrk -t1` run and what it printed, and the daemon's side of the cases (the
 * token query's Android headers, the lab subscriber's XCAP document stored, the XCAP PUT's writer).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { ANDROID_UA, ASSERTED_IDENTITY, XCAP_ELEMENT } from './profile.js';

export interface Run { requests: number; seconds: number; p50: number; p99: number; non2xx: number; socketErrors: number }

const ms = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);

/** `wrk -t1 -c<conns> -d<seconds>s --latency` against `url` (with `-H` per header, `-s script`), parsed. */
export function runWrk(url: string, seconds: number, conns: number, headers: string[], script?: string): Run {
  const args = ['-t1', `-c${conns}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), ...(script ? ['-s', script] : []), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const m = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const pct = (p: string) => { const x = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out); return x ? ms(x[1]!, x[2]!) : NaN; };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(m?.[1] ?? 0),
    seconds: m ? ms(m[2]!, m[3]!) / 1000 : seconds,
    p50: pct('50'), p99: pct('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: sock ? sock.slice(1).reduce((a, v) => a + Number(v), 0) : 0,
  };
}

/** The daemon's token queries ask for gzip as Android does (the XML answer, 1.7 KB, then comes from precompressed pieces). */
export const tokenHeaders = (accept: string): string[] => [`Accept: ${accept}`, `User-Agent: ${ANDROID_UA}`, 'Accept-Encoding: gzip'];

/** The lab subscriber's XCAP document exists once a first PUT made it. */
export async function storeXcapDocument(daemonUrl: string): Promise<void> {
  const r = await request(`${daemonUrl}${XCAP_ELEMENT}`, { method: 'PUT', headers: { 'x-3gpp-asserted-identity': ASSERTED_IDENTITY, 'content-type': 'application/xcap-el+xml' }, body: '<NoReplyTimer>20</NoReplyTimer>' });
  await r.body.dump();
}

/**
 * The XCAP PUT's wrk script, written in `dir`: one writer chaining ETags, If-Match the last ETag answered ("*" for the
 * first), the element's value changing each time; `asserted`: with the lab subscriber's asserted identity (the
 * daemon; a bare route needs none).
 */
export function xcapPutScript(dir: string, asserted: boolean): string {
  const file = join(dir, `put-${asserted ? 'daemon' : 'bare'}.lua`);
  writeFileSync(file, `local etag = "*"
local n = 0
request = function()
  n = n + 1
  local h = { ["If-Match"] = etag, ["Content-Type"] = "application/xcap-el+xml" }
  ${asserted ? `h["X-3GPP-Asserted-Identity"] = "${ASSERTED_IDENTITY}"` : ''}
  return wrk.format("PUT", nil, h, "<NoReplyTimer>" .. (5 + n % 170) .. "</NoReplyTimer>")
end
response = function(status, headers, body)
  local e = headers["etag"] or headers["ETag"]
  if e then etag = e end
end
`);
  return file;
}
