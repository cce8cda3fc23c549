/**
 * The real daemon (startDaemon) with the `swm` back-end relaying over real
 * loopback Diameter to the built-in AAA/HSS loaded with the lab subscribers
 * (fixtures/subscribers/lab.csv) — the path `omnisep serve` runs with no
 * config. Wired here through `beforeListen` with the Diameter area's own
 * factories, the way the integrator wires it in daemon/main.ts; config keeps
 * `aaa.enabled=false` so a later built-in wiring does not start a second AAA.
 */
import { readFileSync } from 'node:fs';
import { createBuiltinAaa, type BuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createDiameterNode, type DiameterNode } from '../daemon/diameter/node.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { repoPath } from '../src/util/repo-path.js';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { nodeConfig, quietLogger } from './diameter-helpers.js';

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
  aaa: BuiltinAaa;
  /** The TS.43 URL, e.g. http://127.0.0.1:PORT/ */
  url: string;
  stop(): Promise<void>;
}

export async function startSimDaemon(sets: string[] = []): Promise<SimDaemon> {
  const aaa = createBuiltinAaa({
    store: createMemoryStore(),
    logger: quietLogger(),
    listen: { host: 'aaa.sim.local', realm: 'sim.local', listen_ip: '127.0.0.1', listen_port: 0 },
  });
  await aaa.subscribers.importCsv(readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8'));
  const { listen } = await aaa.start();
  let client: DiameterNode | undefined;
  let daemon: TestDaemon;
  try {
    daemon = await startTestDaemon(['eap_aka.backend=swm', 'token.signing_secret=simulate-test-signing-secret', ...sets], {
      beforeListen: async (ctx) => {
        client = createDiameterNode(
          nodeConfig({ host: 'sep.sim.local', realm: 'sim.local', request_timeout: 5000, peers: [{ host: 'aaa.sim.local', ip: '127.0.0.1', port: listen!.port, transport: 'tcp' }] }),
          { logger: quietLogger() },
        );
        await client.start();
        await client.waitForPeer('aaa.sim.local', 5000);
        ctx.services.aaaRelay = createSwmRelay(client);
      },
    });
  } catch (e) {
    await client?.stop();
    await aaa.stop();
    throw e;
  }
  return {
    daemon,
    aaa,
    url: `${daemon.addresses.http.url.replace(/\/$/, '')}/`,
    async stop() {
      await daemon.stop();
      await client?.stop();
      await aaa.stop();
    },
  };
}
