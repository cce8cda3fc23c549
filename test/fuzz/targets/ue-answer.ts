/**
 * What the UE simulator reads from a TS.43 server (src/ue/document.ts parseServerAnswer): the EAP relay body or
 * the entitlement document, XML or JSON, by Content-Type. DecodeError is the typed refusal.
 * Input: `<Content-Type>\n<body>`.
 */
import { DecodeError } from '../../../src/codec/decode-error.js';
import { displayApps, parseServerAnswer } from '../../../src/ue/document.js';
import type { FuzzTarget } from '../engine.js';
import { fileFixtures, hexFixtures } from './seeds.js';

const target: FuzzTarget = {
  name: 'ue-answer',
  describe: 'simulator: parseServerAnswer (EAP relay JSON, XML or JSON entitlement document by Content-Type), displayApps',
  seeds: () => [
    ...fileFixtures('.xml', 'ts43').map((b) => Buffer.concat([Buffer.from('text/vnd.wap.connectivity-xml; charset=utf-8\n'), b])),
    ...fileFixtures('.json', 'ts43').map((b) => Buffer.concat([Buffer.from('application/json\n'), b])),
    ...hexFixtures('wire', 'eap').map((p) => Buffer.from(`application/vnd.gsma.eap-relay.v1.0+json\n${JSON.stringify({ 'eap-relay-packet': p.toString('base64') })}`)),
  ],
  tokens: ['<', '>', '</', '/>', '"', '{', '}', '[', ']', ':', ',', '<characteristic type="', '<parm name="', ' value="', 'token=', '&amp;', '<!DOCTYPE', '\n'],
  maxLength: 16 * 1024,
  expected: (e) => e instanceof DecodeError,
  run(input) {
    const s = input.toString('utf8');
    const nl = s.indexOf('\n');
    const a = parseServerAnswer(nl < 0 ? '' : s.slice(0, nl), nl < 0 ? s : s.slice(nl + 1));
    if (a.kind === 'document') displayApps(a.document.apps);
  },
};
export default target;
