/**
 * The ready-to-paste `omnisep simulate eap-aka ...` line the daemon prints at
 * start (CLI.md § Two commands on a fresh machine): it must succeed as
 * printed, against the fixture subscribers. Pure: the caller passes what it
 * knows (its TS.43 URL, one fixture subscriber).
 *
 * Ki and OPc are printed here on purpose: they are the published TS 35.208
 * test values of the lab fixture, not an operator's keys. Pass only fixture
 * subscribers to this function.
 */

export interface SimulateCommandLineInput {
  url: string;
  imsi: string;
  /** Hex, as in the fixture. */
  ki: string;
  opc: string;
  amf?: string;
  sqn?: string | number | bigint;
  apps?: readonly string[];
  akaPrime?: boolean;
  realm?: string;
  /** A different program name (e.g. `node bin/run.js`, `npx omnisep`). Default `omnisep`. */
  bin?: string;
  /** A self-signed https URL needs `--insecure`. */
  insecure?: boolean;
}

/** Single-quote a shell word unless it is plainly safe. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function simulateCommandLine(input: SimulateCommandLineInput): string {
  const words: string[] = [input.bin ?? 'omnisep', 'simulate', 'eap-aka'];
  const add = (flag: string, value?: string): void => {
    words.push(flag);
    if (value !== undefined) words.push(shellWord(value));
  };
  add('--url', input.url);
  add('--imsi', input.imsi);
  add('--ki', input.ki.toLowerCase());
  add('--opc', input.opc.toLowerCase());
  if (input.amf) add('--amf', input.amf.toLowerCase());
  if (input.sqn !== undefined) add('--sqn', String(input.sqn));
  if (input.apps?.length) add('--app', input.apps.join(','));
  if (input.akaPrime) add('--aka-prime');
  if (input.realm) add('--realm', input.realm);
  if (input.insecure) add('--insecure');
  return words.join(' ');
}

import { parseSubscriberCsv } from '../codec/subscriber-csv.js';

/** One SIM row of a subscriber CSV (hex as written; keys stay in the file's text). */
export interface CsvSim {
  imsi: string;
  ki: string;
  opc?: string;
  op?: string;
  amf?: string;
}

/**
 * A SIM from a subscriber CSV (`fixtures/subscribers/lab.csv` layout: a header
 * naming imsi, ki, opc or op, optional amf; `#` comments): the row for `imsi`,
 * or the first usable row when no IMSI is given. Undefined when there is none.
 */
export function simFromCsv(csv: string, imsi?: string): CsvSim | undefined {
  for (const sim of usableSims(csv)) if (imsi === undefined || sim.imsi === imsi) return sim;
  return undefined;
}

/** Every usable SIM row of a subscriber CSV, in file order (`simulate eap-aka --each-sim`); none when unreadable. */
export function simsFromCsv(csv: string): CsvSim[] {
  return [...usableSims(csv)];
}

function* usableSims(csv: string): Generator<CsvSim> {
  const parsed = parseSubscriberCsv(csv);
  if (!parsed.ok) return;
  for (const { cells } of parsed.rows) {
    const { imsi: id, ki, opc, op, amf } = cells;
    if (!id || !/^[0-9]{15}$/.test(id) || !ki || (!opc && !op)) continue;
    yield { imsi: id, ki, opc, op, amf };
  }
}

/**
 * The line the daemon prints at start for the first SIM of a lab subscriber CSV.
 * It names the CSV with `--sim-file` instead of printing Ki/OPc, so no key
 * reaches the terminal or a log collector even for the lab fixture.
 * Undefined when the file has no usable row (then print nothing).
 */
export function simulateLineForLab(input: { url: string; csv: string; simFile: string; bin?: string; apps?: readonly string[] }): string | undefined {
  const sim = simFromCsv(input.csv);
  if (!sim) return undefined;
  const words = ['simulate', 'eap-aka', '--url', input.url, '--sim-file', input.simFile, '--imsi', sim.imsi, '--app', (input.apps ?? ['ap2004', 'ap2003']).join(',')];
  // The program name may be several words (`node bin/run.js`): it is printed as given.
  return [input.bin ?? 'omnisep', ...words.map(shellWord)].join(' ');
}
