/**
 * Issue 13 item 12: untrusted text never reaches the operator's terminal as control sequences
 * (CLI tables and key-value views, `activity ls/show/tail`, the TUI table and detail view), and is
 * refused or stripped where it is stored or put into TS.43 XML (XML 1.0 §2.2 Char).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';
import { hasUnsafeText, storableText, terminalSafe } from '../src/util/terminal-text.js';
import { renderActivity, renderActivityList, renderSession } from '../src/cli/render.js';
import { makeChalk } from '../src/cli/output.js';
import { formatActivityLine } from '../src/ui/tail-format.js';
import { ACTIVITY_COLUMNS, fitColumns, formatRow } from '../src/ui/layout.js';
import { detailDisplay } from '../src/ui/detail.js';
import { validateEntitlement } from '../src/services/entitlements/catalog.js';
import { renderXml } from '../src/codec/ts43/document.js';
import type { ActivityRecord } from '../src/contracts/activity.js';
import type { SessionView } from '../src/contracts/sessions.js';

/** What issue 13 sent: an OSC window title, a screen clear, a C1 CSI, a bidi override, a CR overwrite. */
const OSC = '\u001b]0;pwned\u0007X';
const CLEAR = '\u001b[2J';
const C1 = '\u009b31m';
const BIDI = 'abc\u202edcba';
const CR = 'ok\rFAKE';

const record: ActivityRecord = {
  id: 'a1', timestamp: '2026-12-02T05:00:00.000Z', request_type: 'entitlement', request_method: 'GET', request_path: `/?terminal_id=${OSC}`,
  imsi: '001010000000001', msisdn: null, terminal_id: OSC, terminal_vendor: CLEAR, terminal_model: C1, terminal_sw_version: BIDI,
  client_ip: '127.0.0.1', user_agent: CR, auth_method: null, response_status: 511, response_code: 0, app_ids: ['ap2004'],
  request_headers: { 'user-agent': `${C1}${CLEAR}`, [`x-${'\u001b'}[5m`]: 'v' }, request_body: `line1\n${OSC}`, response_body: null,
  response_summary: { note: CLEAR },
};

/** Control characters left in `out` other than complete SGR colour sequences (chalk's own). */
function controlsLeft(out: string): string[] {
  // eslint-disable-next-line no-control-regex
  const withoutSgr = out.replace(/\u001b\[[0-9;]*m/g, '').replace(/\n/g, '');
  // eslint-disable-next-line no-control-regex
  return [...withoutSgr.matchAll(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g)].map((m) => `U+${m[0].codePointAt(0)!.toString(16)}`);
}

test('terminalSafe escapes C0, DEL, C1 and bidi characters visibly; plain text and UTF-8 stay', () => {
  assert.equal(terminalSafe(OSC), '\\x1b]0;pwned\\x07X');
  assert.equal(terminalSafe(C1), '\\x9b31m');
  assert.equal(terminalSafe(BIDI), 'abc\\u202edcba');
  assert.equal(terminalSafe('a\nb\tc'), 'a\\x0ab\\x09c');
  assert.equal(terminalSafe('a\nb\tc\r', { multiline: true }), 'a\nb\tc\\x0d');
  assert.equal(terminalSafe('Zürich 東京 ☎'), 'Zürich 東京 ☎');
});

test('activity ls / show / tail print no control sequence from a record, with and without colour', () => {
  for (const color of [false, true]) {
    const c = makeChalk(color);
    const outs = {
      ls: renderActivityList({ count: 1, total: 1, page: 1, page_size: 50, activities: [record] }, c),
      show: renderActivity(record, c),
      tail: formatActivityLine(record, c),
    };
    for (const [name, out] of Object.entries(outs)) {
      assert.deepEqual(controlsLeft(out), [], `${name} (colour ${color})`);
      if (name !== 'ls') assert.ok(out.includes('\\x1b]0;pwned\\x07X'), `${name} shows the escaped text`);
    }
    assert.ok(outs.show.includes('line1\n'), 'a body keeps its line breaks in show');
  }
  const session = { session_id: 's', imsi: '001010000000001', state: 'failed', eap_id: OSC, backend: 'local', terminal_id: CLEAR, app_ids: [], aaa_session_id: null, created_at: 0, completed_at: null, failure_reason: C1 } as unknown as SessionView;
  assert.deepEqual(controlsLeft(renderSession(session, makeChalk(true))), []);
});

test('the TUI table row and detail view escape the same', () => {
  const row = formatRow(fitColumns(ACTIVITY_COLUMNS, 200), record, 0, 200);
  assert.deepEqual(controlsLeft(row), []);
  const detail = detailDisplay(record, 120).lines.map((l) => `${l.key} ${l.text}`).join('\n');
  assert.deepEqual(controlsLeft(detail), []);
  assert.ok(detail.includes('\\x1b[2J'));
});

test('admin-set free text with controls is refused by the catalog, naming the field', () => {
  for (const bad of [OSC, CLEAR, C1, BIDI, 'a\u0000b']) {
    const r = validateEntitlement('ap2004', { message_for_incompatible: bad });
    assert.equal(r.ok, false, JSON.stringify(bad));
    assert.match(!r.ok ? r.errors.join() : '', /message_for_incompatible: .*control, C1 or bidi characters/);
  }
  assert.equal(validateEntitlement('ap2004', { message_for_incompatible: 'Appelez le service client — merci' }).ok, true);
});

test('TS.43 XML never carries a character XML 1.0 forbids, even from a value stored before validation', () => {
  const xml = renderXml({ vers: { version: 1, validity: 60 }, applications: [{ type: 'APPLICATION', parms: [['AppID', 'ap2004'], ['MessageForIncompatible', `x${OSC}${CLEAR}${C1}\u0000y`]], children: [] }] });
  assert.equal(XMLValidator.validate(xml), true);
  assert.deepEqual(controlsLeft(xml), []);
  assert.ok(xml.includes('value="x]0;pwnedX[2J31my"'), xml);
});

test('hasUnsafeText / storableText follow XML 1.0 Char: TAB, LF, CR allowed; lone surrogates refused', () => {
  assert.equal(hasUnsafeText('a\tb\nc\rd'), false);
  assert.equal(hasUnsafeText('a\u0001'), true);
  assert.equal(hasUnsafeText('\ud800x'), true);
  assert.equal(hasUnsafeText('😀'), false);
  assert.equal(storableText('a\u0007b\u202ec\uffff'), 'abc');
});
