/**
 * Crash safety of the real daemon on the embedded store (docs/storage.md): the SIGKILL-after-acknowledgement
 * loop of test/crash-loop.ts (entitlement set, XCAP PUT, subscriber add, an authentication's SQN), each kind of
 * write the last one before the kill once. The refused starts are in crash-store-refusal.test.ts; the same loop
 * on PostgreSQL is crash-store-pg.test.ts.
 */
import { test } from 'node:test';
import { crashLoop } from './crash-loop.js';

/** Each kind of write is the last one before the kill in one round (the test runner gives a file 300 s). */
const ROUNDS = 4;

test(`entitlement set, XCAP PUT, subscriber add and an authentication's SQN, then SIGKILL at once, ${ROUNDS} rounds: nothing acknowledged is lost`, { timeout: 600_000 }, () => crashLoop(ROUNDS));
