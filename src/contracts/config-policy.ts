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
import type { OmnisepConfig } from './config.js';

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

const isLabFile = (file: string): boolean => file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').endsWith(LAB_SUBSCRIBERS_FILE);

export function policyProblems(cfg: OmnisepConfig): string[] {
  const p: string[] = [];
  const listenIp = (key: string, v: string, emptyMeans?: string) => {
    if (v === '' && emptyMeans) return;
    if (!isIP(v)) p.push(`${key}: ${JSON.stringify(v)} is not an IP address (allowed: an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1, ::${emptyMeans ? `; empty = ${emptyMeans}` : ''})`);
  };
  listenIp('http.listen_ip', cfg.http.listen_ip);
  listenIp('admin.listen_ip', cfg.admin.listen_ip);
  listenIp('diameter.listen_ip', cfg.diameter.listen_ip, 'do not listen');
  listenIp('aaa.listen_ip', cfg.aaa.listen_ip);
  listenIp('vvm.imap_listen_ip', cfg.vvm.imap_listen_ip);
  cfg.diameter.peers.forEach((peer, i) => {
    if (!isHostOrIp(peer.ip)) p.push(`diameter.peers.${i}.ip: ${JSON.stringify(peer.ip)} is neither an IP address nor a host name (allowed: e.g. 10.0.0.30, 2001:db8::30, aaa.example.net)`);
    if (!isHostOrIp(peer.host)) p.push(`diameter.peers.${i}.host: ${JSON.stringify(peer.host)} is not a Diameter identity (allowed: a host name, e.g. aaa.epc.mnc001.mcc001.3gppnetwork.org)`);
    if (peer.transport !== 'tcp') p.push(`diameter.peers.${i}.transport: ${peer.transport} is not supported by this version (allowed: tcp)`);
  });
  cfg.aaa.allowed_peers.forEach((a, i) => {
    if (a.ip !== 'loopback' && !isIP(a.ip)) p.push(`aaa.allowed_peers.${i}.ip: ${JSON.stringify(a.ip)} is not an IP address (allowed: an IP literal or "loopback")`);
  });
  cfg.xcap.trusted_proxies.forEach((a, i) => {
    if (!isIP(a)) p.push(`xcap.trusted_proxies.${i}: ${JSON.stringify(a)} is not an IP address (allowed: IP literals of the proxies)`);
  });
  if (!isHostOrIp(cfg.server.fqdn)) p.push(`server.fqdn: ${JSON.stringify(cfg.server.fqdn)} is not a host name (allowed: e.g. aes.mnc001.mcc001.pub.3gppnetwork.org)`);

  if (cfg.server.environment === 'production') {
    // Features switched on with nothing behind them.
    if (cfg.vvm.enabled) p.push('vvm.enabled: visual voicemail is not implemented in this version (allowed: false)');
    const needsDiameter = cfg.eap_aka.enabled && (cfg.eap_aka.backend === 'swm' || cfg.eap_aka.backend === 'swx');
    if (needsDiameter && !cfg.diameter.enabled) p.push(`eap_aka.backend: ${cfg.eap_aka.backend} needs the Diameter node (allowed: diameter.enabled true, or eap_aka.backend local)`);
    if (needsDiameter && cfg.diameter.enabled && cfg.diameter.peers.length === 0) p.push(`diameter.peers: eap_aka.backend ${cfg.eap_aka.backend} needs at least one peer (allowed: your AAA/HSS, or aaa.enabled with its default peer)`);
    if (needsDiameter && cfg.diameter.enabled && !cfg.aaa.enabled && cfg.diameter.peers.length > 0 && cfg.diameter.peers.every((x) => x.host === cfg.aaa.host))
      p.push(`diameter.peers: the only peer is the built-in AAA (${cfg.aaa.host}) but aaa.enabled is false (allowed: aaa.enabled true, or a peer that runs elsewhere)`);
    if (cfg.xcap.hss_sync && !cfg.diameter.enabled) p.push('xcap.hss_sync: needs the Diameter node for Sh (allowed: false, or diameter.enabled true)');
    if (cfg.xcap.hss_sync && !cfg.xcap.enabled) p.push('xcap.hss_sync: XCAP is disabled (allowed: false, or xcap.enabled true)');
    if (isLocalName(cfg.server.fqdn)) p.push(`server.fqdn: ${cfg.server.fqdn} cannot be reached by a phone (allowed in production: the public name, e.g. aes.mnc001.mcc001.pub.3gppnetwork.org)`);
    if (cfg.aaa.enabled && cfg.aaa.subscribers_file !== '' && isLabFile(cfg.aaa.subscribers_file))
      p.push(`aaa.subscribers_file: ${cfg.aaa.subscribers_file} holds the published TS 35.208 lab SIMs (allowed in production: "" or your own subscriber file)`);
    if (cfg.ts43.websheet_base_url !== '' && !/^https:\/\//i.test(cfg.ts43.websheet_base_url))
      p.push('ts43.websheet_base_url: production sends the websheet link over https only (allowed: "" or an https:// URL)');
    else if (cfg.ts43.websheet_base_url !== '') {
      try {
        if (isLocalName(new URL(cfg.ts43.websheet_base_url).hostname.replace(/^\[|\]$/g, ''))) p.push('ts43.websheet_base_url: points at a local name (allowed: a URL phones can reach)');
      } catch {
        p.push('ts43.websheet_base_url: not a URL (allowed: "" or an https:// URL)');
      }
    }
  } else if (cfg.ts43.websheet_base_url !== '') {
    try {
      new URL(cfg.ts43.websheet_base_url);
    } catch {
      p.push('ts43.websheet_base_url: not a URL (allowed: "" or an absolute http(s):// URL)');
    }
  }
  return p;
}
