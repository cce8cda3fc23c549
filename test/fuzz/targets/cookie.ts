/**
 * Cookies: the `Cookie` header the TS.43 plugin reads for the EAP session (@fastify/cookie's parser, then the
 * plugin's unquoting of Android's `S="value"`), and the `Set-Cookie` lines the simulator reads from a server
 * (src/ue/cookies.ts). No typed error: every input must give a result.
 */
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { cookiesFromSetCookie } from '../../../src/ue/cookies.js';
import type { FuzzTarget } from '../engine.js';
import { text } from './seeds.js';

// The parser the daemon runs: the plugin's (it loads its cookie module when registered).
const app = Fastify();
await app.register(fastifyCookie);
await app.ready();

const target: FuzzTarget = {
  name: 'cookie',
  describe: 'Cookie header (@fastify/cookie parse as the TS.43 plugin uses it) and Set-Cookie lines (simulator cookiesFromSetCookie)',
  seeds: () => text(
    'OMNISEP_EAP="c2Vzc2lvbi1pZC0xMjM0NTY3ODkw"; other=1',
    'OMNISEP_EAP=abc%20def; OMNISEP_EAP=second; $Version=1',
    'OMNISEP_EAP=s; Path=/; Max-Age=600; HttpOnly; SameSite=Lax\nJSESSIONID="x"; Secure',
  ),
  tokens: [';', '=', '"', '%', '%zz', '\n', ' ', 'OMNISEP_EAP=', 'Path=/', '__proto__=', 'constructor='],
  maxLength: 8192,
  expected: () => false,
  run(input) {
    const h = input.toString('latin1');
    const jar = app.parseCookie(h.split('\n', 1)[0]!);
    const v = jar.OMNISEP_EAP;
    if (v !== undefined) v.replace(/^"(.*)"$/, '$1');
    cookiesFromSetCookie(h.split('\n'));
  },
};
export default target;
