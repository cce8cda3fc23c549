/**
 * The real daemon (startDaemon) as `omnisep serve` runs it with no config:
 * the `swm` back-end relaying over real loopback Diameter to the built-in
 * AAA/HSS loaded with the lab subscribers (fixtures/subscribers/lab.csv),
 * wired by the daemon itself from config (daemon/diameter/wire.ts); every
 * port 0, temp data dir and socket.
 */
import { readFileSync } from 'node:fs';
import { repoPath } from '../src/util/repo-path.js';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';

export interface LabSim {
  imsi: string;
  ki: string;
  opc: string;
  amf: string;
}

/** The lab SIMs of fixtures/subscribers/lab.csv (published TS 35.208 keys). */
export function labSims(): LabSim[] {
  const lines = readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  const head = lines.shift()!.split(',');
  const col = (cells: string[], name: string) => cells[head.indexOf(name)]!;
  return lines.map((l) => l.split(',')).map((c) => ({ imsi: col(c, 'imsi'), ki: col(c, 'ki'), opc: col(c, 'opc'), amf: col(c, 'amf') }));
}

export interface SimDaemon {
  daemon: TestDaemon;
  /** The TS.43 URL, e.g. http://127.0.0.1:PORT/ */
  url: string;
  stop(): Promise<void>;
}

export async function startSimDaemon(sets: string[] = []): Promise<SimDaemon> {
  // Lab SIMs authenticated many times from loopback (load mode): the EAP session limits raised.
  const limits = ['eap_aka.max_sessions_per_imsi=100000', 'eap_aka.client_rate_per_s=1000000', 'eap_aka.client_burst=1000000'];
  const daemon = await startTestDaemon(['aaa.enabled=true', 'diameter.enabled=true', 'eap_aka.backend=swm', 'token.signing_secret=simulate-test-signing-secret', ...limits, ...sets]);
  return { daemon, url: `${daemon.addresses.http.url.replace(/\/$/, '')}/`, stop: () => daemon.stop() };
}
