/**
 * What a configuration may not say (docs/security.md § Refused configurations). Pure: rules over a
 * resolved configuration, each problem naming the key, what is wrong and the allowed values, so an
 * operator fixes everything in one pass. `semanticProblems` (config.ts) runs them on every load;
 * `config check` and `serve` refuse with EXIT_CONFIG.
 *
 *  - everywhere: malformed addresses, transports that are not implemented (sctp);
 *  - production only: lab settings (the lab subscriber file, a loopback or localhost FQDN, a
 *    non-https websheet base URL) and features switched on with nothing behind them (an AAA
 *    back-end with no Diameter node or peer, Sh sync without Diameter, VVM before it exists).
 *    Development keeps them: tests and labs run a daemon without Diameter on purpose.
 */
import { isIP } from 'node:net';

/** sysexits.h EX_CONFIG: `serve` and `config check` exit with it on a refused configuration (systemd: RestartPreventExitStatus). */
export const EXIT_CONFIG = 78;

/** The lab subscriber file shipped in the repository (published TS 35.208 keys). */
export const LAB_SUBSCRIBERS_FILE = 'fixtures/subscribers/lab.csv';

const LOOPBACK_NAMES = /^(localhost|localhost\.localdomain|.*\.localhost|.*\.localdomain|ip6-localhost|ip6-loopback)\.?$/i;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** 127.0.0.0/8, ::1, ::ffff:127.x. */
export function isLoopbackAddress(ip: string): boolean {
  const v = ip.replace(/^::ffff:/i, '');
  return v === '::1' || (isIP(v) === 4 && v.startsWith('127.'));
}

/** A host name (RFC 1123 §2.1: labels of letters, digits and hyphens; the last label is not all digits) or an IP literal. */
export function isHostOrIp(s: string): boolean {
  if (isIP(s)) return true;
  if (!HOSTNAME.test(s)) return false;
  const last = s.replace(/\.$/, '').split('.').pop()!;
  return !/^\d+$/.test(last);
}

/** Is this FQDN something a phone could never reach (loopback, localhost, a .localdomain name)? */
export function isLocalName(host: string): boolean {
  return LOOPBACK_NAMES.test(host) || isLoopbackAddress(host) || host === '0.0.0.0' || host === '::';
}

export const isLabFile = (file: string): boolean => file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').endsWith(LAB_SUBSCRIBERS_FILE);

