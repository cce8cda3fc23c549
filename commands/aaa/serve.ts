/**
 * `omnisep aaa serve`: the built-in AAA/HSS alone (EAP-AKA.md § The built-in
 * peers) — a Diameter server answering SWm DER with EAP-AKA/AKA' and SWx MAR
 * with Milenage vectors, for labs whose omnisep (or any Diameter client)
 * points at it. Like `serve`, it imports daemon/ (it is a server, not a
 * client of the control socket).
 */
import { readFileSync } from 'node:fs';
import { Command, Flags } from '@oclif/core';
import { createBuiltinAaa } from '../../daemon/diameter/builtin-aaa.js';
import { createMemoryStore } from '../../daemon/store/memory-store.js';
import { createLogger } from '../../daemon/logging.js';
import { repoPath } from '../../src/util/repo-path.js';

export default class AaaServe extends Command {
  static override summary = 'Run the built-in AAA/HSS alone: SWm DER (EAP-AKA) and SWx MAR (Milenage) over Diameter.';
  static override description = `Listens for Diameter peers (any Origin-Host may connect), answers SWm (16777264) Diameter-EAP-Requests with a real EAP-AKA/EAP-AKA' server and SWx (16777265) Multimedia-Auth-Requests with Milenage vectors, from subscribers loaded from a CSV file (imsi,msisdn,ki,opc[,op],amf,sqn). Subscribers and their SQNs live in memory: a restart starts them again from the file (phones then resynchronise with AUTS). Stops with SIGINT/SIGTERM after a DPR to every peer.

Inside \`omnisep serve\` the same AAA runs by default on aaa.listen_port (3869); this command is for running it on another machine or next to another product.`;
  static override examples = [
    { description: 'The lab SIMs on the standard Diameter port', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Own SIMs, own identity, a free port', command: '<%= config.bin %> <%= command.id %> --subscribers sims.csv --host aaa.lab.example --realm lab.example --port 0' },
  ];
  static override flags = {
    'listen-ip': Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'Diameter port; 0 picks a free one (printed)', default: 3868, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Origin-Host of the AAA', default: 'aaa.localdomain' }),
    realm: Flags.string({ description: 'Origin-Realm of the AAA', default: 'localdomain' }),
    subscribers: Flags.string({ description: 'CSV of SIMs to serve (default: the lab SIMs in fixtures/subscribers/lab.csv)' }),
    'network-name': Flags.string({ description: "EAP-AKA' access network name (AT_KDF_INPUT)", default: 'WLAN' }),
    'log-level': Flags.string({ options: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AaaServe);
    const logger = createLogger({ level: flags['log-level'] });
    const file = flags.subscribers ?? repoPath('fixtures', 'subscribers', 'lab.csv');
    let csv: string;
    try {
      csv = readFileSync(file, 'utf8');
    } catch (e) {
      this.error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exit: 2 });
    }
    const aaa = createBuiltinAaa({
      store: createMemoryStore(), logger,
      listen: { host: flags.host, realm: flags.realm, listen_ip: flags['listen-ip'], listen_port: flags.port },
      eapConfig: { networkName: flags['network-name'] },
    });
    const r = await aaa.subscribers.importCsv(csv);
    for (const e of r.errors) process.stderr.write(`${file}: line ${e.line}: ${e.error}\n`);
    const { listen } = await aaa.start();
    process.stderr.write(`omnisep AAA/HSS ${flags.host} (realm ${flags.realm}) listening on ${listen!.host}:${listen!.port} — ${await aaa.subscribers.count()} subscribers, SWm 16777264 + SWx 16777265\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await aaa.stop();
  }
}
