import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../util/repo-path.js';
import { parseXmlDocument, serialiseDocument } from '../../codec/xcap/xml.js';
import { applyPatch, defaultDocumentText, documentToView, etagOf, PatchError } from './document.js';
import { validateSimservs } from './schema.js';

const fx = (...p: string[]) => readFileSync(repoPath('fixtures', 'xcap', ...p), 'utf8');

test('the default document is the golden file and matches XCAP.md', () => {
  assert.equal(defaultDocumentText(), fx('default.xml'));
  const v = documentToView(parseXmlDocument(defaultDocumentText()));
  assert.deepEqual(v, {
    oip: { active: true },
    oir: { active: true, default_behaviour: 'presentation-not-restricted' },
    no_reply_timer: 20,
    call_forwarding_active: true,
    call_forwarding: {},
    call_barring_incoming_active: false,
    call_barring_incoming: {},
    call_barring_outgoing_active: false,
    call_barring_outgoing: {},
  });
});

test('ETag: quoted first 16 hex digits of the MD5 of the document', () => {
  assert.equal(etagOf(''), '"d41d8cd98f00b204"');
  assert.match(etagOf(defaultDocumentText()), /^"[0-9a-f]{16}"$/);
  assert.notEqual(etagOf('a'), etagOf('b'));
});

test('JSON view of the full fixture equals the golden JSON', () => {
  assert.deepEqual(documentToView(parseXmlDocument(fx('full.xml'))), JSON.parse(fx('full.json')));
});

test('the spec example maps to the JSON of XCAP.md', () => {
  const v = documentToView(parseXmlDocument(fx('spec-example.xml')));
  assert.deepEqual(v.call_forwarding, { cfb: { enabled: true, target: 'tel:+15557654321', condition: 'busy', notify_caller: false } });
  assert.equal(v.no_reply_timer, 20);
});

test('merge: only the keys given change; the result is valid and round-trips through the view', () => {
  const doc = parseXmlDocument(fx('full.xml'));
  const before = documentToView(doc);
  applyPatch(doc, {
    no_reply_timer: 30,
    call_forwarding: { cfb: { target: 'tel:+15550001111' }, cfu: null, cfx: { target: 'sip:x@example.com', condition: 'not-registered' } },
    call_barring_outgoing: { 'ocb-intl': { enabled: false } },
  });
  assert.equal(validateSimservs(doc), null);
  const after = documentToView(doc);
  assert.equal(after.no_reply_timer, 30);
  assert.deepEqual(after.call_forwarding.cfb, { ...before.call_forwarding.cfb, target: 'tel:+15550001111' });
  assert.equal(after.call_forwarding.cfu, undefined);
  assert.deepEqual(after.call_forwarding.cfx, { enabled: true, condition: 'not-registered', target: 'sip:x@example.com', notify_caller: false });
  assert.deepEqual(after.call_barring_outgoing['ocb-intl'], { enabled: false, condition: 'international-exHC', allow: false });
  // Untouched parts are identical.
  for (const k of ['oip', 'oir', 'call_barring_incoming', 'call_barring_incoming_active'] as const) assert.deepEqual(after[k], before[k], k);
  // The document keeps the ss: prefix style it had.
  assert.match(serialiseDocument(doc), /<ss:NoReplyTimer>30<\/ss:NoReplyTimer>/);
  assert.match(serialiseDocument(doc), /<cp:rule id="cfx"><cp:conditions><ss:not-registered\/><\/cp:conditions>/);
});

test('merge into the default: conventional ids give conditions, services are created when missing', () => {
  const doc = parseXmlDocument('<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap"/>');
  applyPatch(doc, {
    oip: { active: false },
    oir: { default_behaviour: 'presentation-restricted' },
    no_reply_timer: 15,
    call_forwarding: { cfna: { target: 'tel:+15559876543' }, cfu: { target: 'tel:+15559876544' } },
    call_barring_incoming_active: true,
    call_barring_incoming: { all: {} },
  });
  assert.equal(validateSimservs(doc), null, serialiseDocument(doc));
  const v = documentToView(doc);
  assert.equal(v.oip.active, false);
  assert.equal(v.oir.default_behaviour, 'presentation-restricted');
  assert.equal(v.call_forwarding.cfna!.condition, 'no-answer');
  assert.equal(v.call_forwarding.cfu!.condition, 'unconditional');
  assert.deepEqual(v.call_barring_incoming, { all: { enabled: true, condition: 'all', allow: false } });
  // common-policy elements got a namespace declaration of their own.
  assert.match(serialiseDocument(doc), /<ruleset xmlns="urn:ietf:params:xml:ns:common-policy">/);
});

test('merge refuses what it cannot express', () => {
  const doc = parseXmlDocument(defaultDocumentText());
  assert.throws(() => applyPatch(doc, { call_forwarding: { cfb: { enabled: true } } }), PatchError, 'a new rule needs a target');
  assert.throws(() => applyPatch(parseXmlDocument(defaultDocumentText()), { call_forwarding: { cfb: { target: 'tel:+15551112222', condition: 'full-moon' } } }), PatchError);
});
