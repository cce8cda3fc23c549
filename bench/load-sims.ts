/**
 * The many-SIM load of `eap-load --sims N` and `pg-load`: N subscribers for the built-in AAA (IMSIs 00101 9xxxxxxxxx,
 * keys derived from the index by SHA-256 so every run has the same ones; never published test keys) as a subscriber
 * CSV in a temp dir (the caller removes `dir`), and the same SIMs for the simulator. `SecretOf` is the `Secret` class
 * of the build whose simulator runs them (a simulator refuses another copy's).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadSim } from '../src/ue/run.js';
import type { Secret } from '../src/util/secret.js';

export function simFile(n: number, SecretOf: typeof Secret): { dir: string; file: string; sims: LoadSim[] } {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-sims-'));
  const file = join(dir, 'sims.csv');
  const rows = ['imsi,msisdn,ki,opc,amf,sqn'];
  const sims: LoadSim[] = [];
  for (let i = 0; i < n; i++) {
    const imsi = `001019${String(i).padStart(9, '0')}`;
    const key = (what: string) => createHash('sha256').update(`omnisep eap-load ${what} ${i}`).digest().subarray(0, 16);
    const ki = key('ki');
    const opc = key('opc');
    rows.push(`${imsi},+9992${String(i).padStart(9, '0')},${ki.toString('hex')},${opc.toString('hex')},8000,0`);
    sims.push({ imsi, ki: new SecretOf(ki), opc: new SecretOf(opc) });
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return { dir, file, sims };
}
