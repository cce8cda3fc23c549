import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer, type FramerEvent } from './framer.js';
import { parseCommand, parseLine, STAR, type Command } from './parser.js';
import { buildVoiceMessage, headerLength, pickHeaderFields, sectionEntity } from './mime.js';
import { sectionBytes } from './render.js';
import { IMAP_FUZZ_TOKENS, IMAP_SAMPLE_LINES } from './sample-lines.js';

const ok = (line: string): Command => {
  const r = parseLine(`${line}\r\n`);
  if (!r.ok) assert.fail(`${line}: ${r.error.message}`);
  return r.command;
};
const bad = (line: string, tag: string | null = null) => {
  const r = parseLine(`${line}\r\n`);
  assert.equal(r.ok, false, line);
  if (!r.ok) assert.equal(r.error.tag, tag, `tag of ${line}`);
};

test('the Android command lines parse as VVM.md lists them', () => {
  assert.deepEqual(ok('4 LOGIN 505010000000001 "4817"'), { tag: '4', name: 'LOGIN', user: '505010000000001', password: '4817' });
  assert.deepEqual(ok('5 SELECT "INBOX"'), { tag: '5', name: 'SELECT', mailbox: 'INBOX' });
  const s = ok('6 UID SEARCH 1:* NOT DELETED');
  assert.deepEqual(s, { tag: '6', name: 'SEARCH', uid: true, charset: null, key: { k: 'and', keys: [{ k: 'seq', set: [{ from: 1, to: STAR }] }, { k: 'not', key: { k: 'deleted' } }] } });
  const f = ok('7 UID FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (date subject from content-type to cc message-id content-duration)] BODY.PEEK[] BODY[TEXT] BODY[1]<0.100> RFC822.SIZE)');
  assert.equal(f.name, 'FETCH');
  if (f.name !== 'FETCH') return;
  assert.equal(f.uid, true);
  assert.deepEqual(f.atts.map((a) => (a.kind === 'simple' ? a.name : a.body.label)), ['UID', '[HEADER.FIELDS (DATE SUBJECT FROM CONTENT-TYPE TO CC MESSAGE-ID CONTENT-DURATION)]', '[]', '[TEXT]', '[1]', 'RFC822.SIZE']);
  const part = f.atts[4]!;
  assert.ok(part.kind === 'body' && part.body.partial?.start === 0 && part.body.partial.length === 100 && !part.body.peek && part.body.path[0] === 1);
  assert.deepEqual(ok('10 UID STORE 1 +FLAGS.SILENT (\\SEEN)'), { tag: '10', name: 'STORE', uid: true, set: [{ from: 1, to: 1 }], mode: 'add', silent: true, flags: ['\\SEEN'] });
  assert.deepEqual(ok('13 GETQUOTAROOT "INBOX"'), { tag: '13', name: 'GETQUOTAROOT', mailbox: 'INBOX' });
  assert.deepEqual(ok('14 XCHANGE_TUI_PWD PWD=5931 OLD_PWD=4817'), { tag: '14', name: 'XCHANGE_TUI_PWD', params: { PWD: '5931', OLD_PWD: '4817' } });
  assert.deepEqual(ok('a UID MOVE 1,3:5 Saved'), { tag: 'a', name: 'MOVE', uid: true, set: [{ from: 1, to: 1 }, { from: 3, to: 5 }], mailbox: 'Saved' });
  assert.deepEqual(ok('a UID EXPUNGE 4:*'), { tag: 'a', name: 'UID EXPUNGE', set: [{ from: 4, to: STAR }] });
  assert.equal(ok('a SEARCH OR UNSEEN (HEADER "X-VVM-MsgType" voice SINCE 1-Feb-2025) UID 1:3').name, 'SEARCH');
});

test('malformed lines are typed parse errors with the tag when one was read', () => {
  bad('garbage', 'garbage'); // a lone word reads as a tag with nothing after it
  bad('');
  bad('+ LOGIN a b');
  bad('a1 NOPE', 'a1');
  bad('a1 FETCH 1:4294967296 FLAGS', 'a1');
  bad('a1 FETCH 0 FLAGS', 'a1');
  bad('a1 FETCH 1:99999999999999999999 FLAGS', 'a1');
  bad('a1 FETCH 1 (FLAGS', 'a1');
  bad('a1 FETCH 1 FLAGS)', 'a1');
  bad('a1 FETCH 1 (BODY[HEADER.FIELDS (DATE)]', 'a1');
  bad('a1 SEARCH ((((((((((((((((((((((((((((((((((ALL))))))))))))))))))))))))))))))))))', 'a1');
  bad('a1 LOGIN "unterminated', 'a1');
  bad('a1 LOGIN a "b\\x"', 'a1');
  bad('a1 STORE 1 FLAGS.LOUD (\\Seen)', 'a1');
  bad('a1 UID NOOP', 'a1');
  bad('a1 LOGIN a b extra', 'a1');
  bad('a1 APPEND Greetings (\\Seen) "not a literal"', 'a1');
  assert.ok(ok('a1 FETCH 4294967295 FLAGS'));
});

test('framer: literals {n} ask for a continuation, {n+} do not; over-long lines and literals are refused', () => {
  const f = new CommandFramer({ maxLine: 100, maxLiteral: 1000 });
  let ev = f.push(Buffer.from('a1 LOGIN {15}\r\n'));
  assert.deepEqual(ev, [{ type: 'continue' }]);
  ev = f.push(Buffer.from('505010000000001 {4+}\r\n4817\r\n'));
  assert.equal(ev.length, 1);
  const frame = (ev[0] as Extract<FramerEvent, { type: 'frame' }>).frame;
  assert.deepEqual(parseCommand(frame), { ok: true, command: { tag: 'a1', name: 'LOGIN', user: '505010000000001', password: '4817' } });
  // A 10 GB synchronizing literal: refused before a byte is sent; the connection goes on.
  assert.deepEqual(f.push(Buffer.from('a2 APPEND Greetings {10737418240}\r\n')), [{ type: 'error', tag: 'a2', message: 'literal of 10737418240 bytes is larger than 1000', code: 'TOOBIG', fatal: false }]);
  assert.equal(f.push(Buffer.from('a3 NOOP\r\n'))[0]!.type, 'frame');
  // Non-synchronizing: the bytes would follow at once, so the stream cannot be re-synchronised.
  assert.equal((f.push(Buffer.from('a4 APPEND Greetings {10737418240+}\r\n'))[0] as { fatal: boolean }).fatal, true);
  const g = new CommandFramer({ maxLine: 100, maxLiteral: 1000 });
  const long = g.push(Buffer.from(`a5 ${'x'.repeat(300)}`));
  assert.deepEqual(long, []);
  assert.equal(g.buffered, 0, 'an over-long line is not kept');
  assert.deepEqual(g.push(Buffer.from('yyy\r\na6 NOOP\r\n')).map((e) => e.type), ['error', 'frame']);
});

test('body sections of a stored voice message: header fields, text, part 1, MIME', () => {
  const raw = buildVoiceMessage({ from: '+61400123456', to: '505010000000001', domain: 'vvm.example.com', messageId: '1', date: Date.UTC(2025, 0, 25, 10, 30), audio: Buffer.from('#!AMR\n'), contentType: 'audio/amr', durationS: 30 });
  const hl = headerLength(raw);
  assert.equal(pickHeaderFields(raw.subarray(0, hl), ['content-duration', 'from'], false).toString(), 'From: 61400123456@vvm.example.com\r\nContent-Duration: 30\r\n\r\n');
  const part = sectionEntity(raw, [1])!;
  assert.match(part.toString(), /^Content-Type: audio\/amr\r\n/);
  const p1 = parseLine('a FETCH 1 BODY[1]\r\n');
  assert.ok(p1.ok && p1.command.name === 'FETCH' && p1.command.atts[0]!.kind === 'body');
  if (p1.ok && p1.command.name === 'FETCH' && p1.command.atts[0]!.kind === 'body')
    assert.equal(Buffer.from(sectionBytes(raw, hl, p1.command.atts[0].body).toString(), 'base64').toString(), '#!AMR\n');
  assert.equal(sectionEntity(raw, [2]), null);
});

const lineArbitrary = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.constantFrom(...IMAP_SAMPLE_LINES), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.nat()).map(([line, at, bytes, cut]) => {
    const b = Buffer.from(line, 'latin1');
    const i = at % (b.length + 1);
    const mutated = Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(Math.min(b.length, i + (cut % 4)))]);
    return mutated;
  }),
  fc.array(fc.constantFrom(...IMAP_FUZZ_TOKENS), { maxLength: 40 }).map((a) => Buffer.from(a.join(''))),
);

test('10,000 random and mutated lines: every one parses or is a typed parse error, nothing is thrown', () => {
  fc.assert(fc.property(lineArbitrary, (line) => {
    const r = parseCommand({ bytes: Buffer.concat([line, Buffer.from('\r\n')]), literals: [] });
    return r.ok || r.error.name === 'ImapParseError';
  }), { numRuns: 10_000 });
  // And through the framer, chunked anyhow.
  fc.assert(fc.property(fc.array(lineArbitrary, { maxLength: 10 }), fc.nat(50), (lines, chunk) => {
    const f = new CommandFramer({ maxLine: 256, maxLiteral: 64 });
    const all = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\r\n')]));
    for (let i = 0; i < all.length; i += chunk + 1) {
      for (const ev of f.push(all.subarray(i, i + chunk + 1))) if (ev.type === 'frame') { const r = parseCommand(ev.frame); if (!r.ok && r.error.name !== 'ImapParseError') return false; }
    }
    return f.buffered <= 256 + 64 + 256;
  }), { numRuns: 2_000 });
});
