/**
 * Every fuzz target. Adding one: a file in this folder exporting a FuzzTarget as default, and one line below.
 * `npm test` runs 10 000 inputs of each (fuzz.test.ts); `bench/fuzz.ts` runs 1 000 000 and reports inputs/s.
 */
import type { FuzzTarget } from '../engine.js';
import baseline from './baseline.js';
import eap from './eap.js';
import diameter from './diameter.js';
import diameterFramer from './diameter-framer.js';
import ts43Query from './ts43-query.js';
import ts43Body from './ts43-body.js';
import entitlementApps from './entitlement-apps.js';
import xcapUri from './xcap-uri.js';
import xcapXml from './xcap-xml.js';
import httpAuth from './http-auth.js';
import cookie from './cookie.js';
import ueAnswer from './ue-answer.js';
import imap from './imap.js';

export const TARGETS: readonly FuzzTarget[] = [
  baseline,
  eap,
  diameter,
  diameterFramer,
  ts43Query,
  ts43Body,
  entitlementApps,
  xcapUri,
  xcapXml,
  httpAuth,
  cookie,
  ueAnswer,
  imap,
];
