import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../util/repo-path.js';
import { parseXmlDocument } from '../../codec/xcap/xml.js';
import { isForwardTarget, validateSimservs } from './schema.js';

const fx = (...p: string[]) => readFileSync(repoPath('fixtures', 'xcap', ...p));
const opts = { noReplyTimer: { min: 5, max: 180 } };
const validate = (xml: string | Buffer) => validateSimservs(parseXmlDocument(xml), opts);
const wrap = (inner: string) =>
  `<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">${inner}</simservs>`;
const cdiv = (rule: string, nrt = '') => wrap(`<communication-diversion active="true">${nrt}<cp:ruleset>${rule}</cp:ruleset></communication-diversion>`);

test('the golden documents are valid', () => {
  for (const f of ['default.xml', 'spec-example.xml', 'full.xml']) assert.equal(validate(fx(f)), null, f);
});

test('each bad fixture fails with its RFC 4825 condition', () => {
  const cases: [string, string, RegExp][] = [
    ['duplicate-rule-ids.xml', 'uniqueness-failure', /cfb/],
    ['target-not-uri.xml', 'constraint-failure', /not a tel: or sip: URI/],
    ['no-reply-timer-range.xml', 'constraint-failure', /600 outside 5\.\.180/],
    ['unknown-condition.xml', 'schema-validation-error', /full-moon/],
    ['wrong-namespace.xml', 'schema-validation-error', /root element/],
  ];
  for (const [file, condition, phrase] of cases) {
    const v = validate(fx('bad', file));
    assert.equal(v?.condition, condition, file);
    assert.match(v!.phrase ?? '', phrase, file);
  }
  const u = validate(fx('bad', 'duplicate-rule-ids.xml'))!;
  assert.deepEqual(u.exists, { field: 'simservs/communication-diversion/cp:ruleset/cp:rule/@id', altValues: ['cfb2'] });
});

test('structure: names, namespaces, occurrences, attributes, text', () => {
  const bad = (xml: string, re: RegExp) => {
    const v = validate(xml);
    assert.equal(v?.condition, 'schema-validation-error', xml);
    assert.match(v!.phrase!, re);
  };
  bad(wrap('<originating-identity-presentation active="maybe"/>'), /not a boolean/);
  bad(wrap('<originating-identity-presentation colour="red"/>'), /unexpected attribute colour/);
  bad(wrap('<originating-identity-presentation/><originating-identity-presentation/>'), /too many/);
  bad(wrap('<originating-identity-presentation-restriction><default-behaviour>sometimes</default-behaviour></originating-identity-presentation-restriction>'), /not one of/);
  bad(wrap('<cp:ruleset/>'), /unexpected element cp:ruleset/);
  bad(wrap('hello'), /text not allowed/);
  bad(cdiv('<cp:rule><cp:conditions/></cp:rule>'), /missing attribute id/);
  bad(cdiv('<cp:rule id="x"><cp:actions><forward-to><notify-caller>true</notify-caller></forward-to></cp:actions></cp:rule>'), /missing element target/);
  bad(cdiv('<cp:rule id="x"><cp:actions><allow>false</allow></cp:actions></cp:rule>'), /unexpected element allow/);
  bad(wrap('<incoming-communication-barring><cp:ruleset><cp:rule id="x"><cp:actions><forward-to><target>tel:+15551234567</target></forward-to></cp:actions></cp:rule></cp:ruleset></incoming-communication-barring>'), /unexpected element forward-to/);
  bad(cdiv('', '<NoReplyTimer>twenty</NoReplyTimer>'), /whole number/);
  bad(cdiv('<cp:rule id="1bad"/>'), /not an xs:ID/);
  // Extensions in foreign namespaces are tolerated at the root only.
  assert.equal(validate(wrap('<x:vendor xmlns:x="urn:vendor"><anything/></x:vendor>')), null);
  bad(cdiv('<cp:rule id="x"><cp:conditions><x:c xmlns:x="urn:vendor"/></cp:conditions></cp:rule>'), /unexpected element x:c/);
});

test('NoReplyTimer bounds come from the options', () => {
  const doc = cdiv('', '<NoReplyTimer>3</NoReplyTimer>');
  assert.equal(validate(doc)?.condition, 'constraint-failure');
  assert.equal(validateSimservs(parseXmlDocument(doc), { noReplyTimer: { min: 1, max: 300 } }), null);
  assert.equal(validate(cdiv('', '<NoReplyTimer>180</NoReplyTimer>')), null);
  assert.equal(validate(cdiv('', '<NoReplyTimer>181</NoReplyTimer>'))?.condition, 'constraint-failure');
});

test('forward targets: tel: E.164 or with phone-context, sip:/sips: with a host', () => {
  for (const ok of ['tel:+15551234567', 'tel:+1-555-123-4567', 'tel:1234;phone-context=+1555', 'sip:+15551234567@ims.example.com;user=phone', 'sips:vm@example.com', 'sip:example.com', 'sip:u@[2001:db8::1]:5060']) {
    assert.ok(isForwardTarget(ok), ok);
  }
  for (const bad of ['', '+15551234567', 'tel:1234', 'tel:+', 'tel:+1555abc', 'http://x', 'sip:', 'sip:a@', 'sip:a b@c', 'mailto:a@b']) {
    assert.ok(!isForwardTarget(bad), bad);
  }
});
