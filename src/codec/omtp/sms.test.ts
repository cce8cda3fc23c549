import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../decode-error.js';
import {
  decodeMo, decodeStatus, decodeSync, encodeStatus, encodeSync, EncodeError, formatSyncDate, parseSyncDate, redactOmtp,
  type StatusSms, type SyncSms,
} from './sms.js';

// The examples of VVM.md § SMS formats (and the seed's VVM chapter), byte for byte.
const VVM_MD_STATUS = '//VVM:STATUS:st=R;rc=0;srv=vvm.example.com;ipt=993;spt=587;u=505010000000001;pw=...;lang=1|2|3;g_len=15;vs_len=5;pw_len=4-15;pm=N;gm=N;vtc=A';
const VVM_MD_SYNC = '//VVM:SYNC:ev=NM;id=123;c=5;t=v;s=+61400123456;dt=15/01/2024 10:30 +0000;l=30';
const VVM_MD_ACTIVATE = 'Activate:pv=11;ct=samsung.SM-A536E.13';
const SEED_DEACTIVATE = 'Deactivate:pv=11';

test('STATUS: the VVM.md example is encoded byte for byte and decodes back', () => {
  const sms: StatusSms = {
    st: 'R', rc: 0, srv: 'vvm.example.com', ipt: 993, spt: 587, u: '505010000000001', pw: '...',
    lang: ['1', '2', '3'], g_len: 15, vs_len: 5, pw_len: { min: 4, max: 15 }, pm: 'N', gm: 'N', vtc: 'A',
  };
  assert.equal(encodeStatus(sms), VVM_MD_STATUS);
  assert.deepEqual(decodeStatus(VVM_MD_STATUS), sms);
});

test('STATUS: tui/dn follow srv, smtp_u/smtp_pw follow spt; the prefix is configurable', () => {
  const text = encodeStatus({ st: 'R', rc: 0, srv: 'h', tui: '*86', dn: '+61400000000', ipt: 143, spt: 587, smtp_u: 'a', smtp_pw: 'b', u: 'a', pw: 'b' }, '//VZWVVM');
  assert.equal(text, '//VZWVVM:STATUS:st=R;rc=0;srv=h;tui=*86;dn=+61400000000;ipt=143;spt=587;smtp_u=a;smtp_pw=b;u=a;pw=b');
  assert.equal(decodeStatus(text, '//VZWVVM').dn, '+61400000000');
  assert.throws(() => decodeStatus(text), DecodeError);
});

test('STATUS: u and pw (and smtp_*) never go out with st=U or st=B; a failure is st=U;rc=<code>', () => {
  assert.equal(encodeStatus({ st: 'U', rc: 3, u: '505010000000001', pw: 'secret' }), '//VVM:STATUS:st=U;rc=3');
  assert.equal(encodeStatus({ st: 'B', rc: 0, srv: 'h', u: 'x', pw: 'y', smtp_u: 'x', smtp_pw: 'y' }), '//VVM:STATUS:st=B;rc=0;srv=h');
});

test('the encoder refuses what Android would drop: ";" in a value, a value starting with "=", a non-atom user', () => {
  assert.throws(() => encodeStatus({ st: 'R', rc: 0, pw: 'a;b' }), EncodeError);
  assert.throws(() => encodeStatus({ st: 'R', rc: 0, pw: '=ab' }), EncodeError);
  assert.throws(() => encodeStatus({ st: 'R', rc: 0, u: 'a b' }), EncodeError);
  assert.throws(() => encodeSync({ ev: 'NM', s: '+61;4' }), EncodeError);
  assert.throws(() => encodeStatus({ st: 'X' as never, rc: 0 }), EncodeError);
  assert.throws(() => encodeStatus({ st: 'R', rc: 9 as never }), EncodeError);
  assert.throws(() => encodeStatus({ st: 'R', rc: 0, pw_len: { min: 9, max: 4 } }), EncodeError);
  assert.throws(() => encodeStatus({ st: 'R', rc: 0 }, 'VVM'), EncodeError);
});

test('SYNC: the VVM.md example is encoded byte for byte and decodes back', () => {
  const sms: SyncSms = { ev: 'NM', id: 123, c: 5, t: 'v', s: '+61400123456', dt: Date.UTC(2024, 0, 15, 10, 30), l: 30 };
  assert.equal(encodeSync(sms), VVM_MD_SYNC);
  assert.deepEqual(decodeSync(VVM_MD_SYNC), sms);
});

test('SYNC: MBU and GU, a withheld caller keeps an empty s=, c may be zero-padded on decode', () => {
  assert.equal(encodeSync({ ev: 'MBU', c: 0 }), '//VVM:SYNC:ev=MBU;c=0');
  assert.equal(encodeSync({ ev: 'GU' }), '//VVM:SYNC:ev=GU');
  assert.equal(encodeSync({ ev: 'NM', id: 1, c: 1, t: 'v', s: '', dt: 0, l: 3 }), '//VVM:SYNC:ev=NM;id=1;c=1;t=v;s=;dt=01/01/1970 00:00 +0000;l=3');
  assert.equal(decodeSync('//VVM:SYNC:ev=NM;id=7;c=0005').c, 5);
  assert.equal(decodeSync('//VVM:SYNC:ev=NM;s=').s, '');
});

test('SYNC dt: dd/MM/yyyy HH:mm Z in UTC; other offsets decode to the same instant', () => {
  assert.equal(formatSyncDate(Date.UTC(2025, 0, 25, 10, 30, 59)), '25/01/2025 10:30 +0000');
  assert.equal(parseSyncDate('25/01/2025 11:30 +0100'), Date.UTC(2025, 0, 25, 10, 30));
  assert.throws(() => parseSyncDate('2025-01-25 10:30'), DecodeError);
  assert.throws(() => parseSyncDate('32/01/2025 10:30 +0000'), DecodeError);
});

test('MO: Activate with pv and ct (VVM.md), pv 12/13 with pt, a trailing client prefix, any case', () => {
  assert.deepEqual(decodeMo(VVM_MD_ACTIVATE), { kind: 'activate', pv: 11, ct: 'samsung.SM-A536E.13' });
  assert.deepEqual(decodeMo('activate:pv=13;ct=google.Pixel 8.14'.replace(' ', '_') + ';pt=1808'), { kind: 'activate', pv: 13, ct: 'google.Pixel_8.14', pt: 1808 });
  assert.deepEqual(decodeMo('ACTIVATE:pv=12;ct=a.b.c;pt=0;//VVM'), { kind: 'activate', pv: 12, ct: 'a.b.c', pt: 0 });
  assert.deepEqual(decodeMo(SEED_DEACTIVATE), { kind: 'deactivate', pv: 11 });
  assert.deepEqual(decodeMo('Deactivate:pv=11;ct=samsung.SM-A536E.13'), { kind: 'deactivate', pv: 11, ct: 'samsung.SM-A536E.13' });
  assert.deepEqual(decodeMo('Status'), { kind: 'status' });
  assert.deepEqual(decodeMo('STATUS'), { kind: 'status' });
  assert.deepEqual(decodeMo('status:pv=13;ct=x.y.z'), { kind: 'status', pv: 13, ct: 'x.y.z' });
});

test('MO: strict — unknown words and keys, missing pv/ct, pt before pv 12, bad ports and versions are DecodeErrors', () => {
  for (const bad of [
    'Hello', 'Activate', 'Activate:ct=a.b.c', 'Activate:pv=11', 'Activate:pv=10;ct=a.b.c', 'Activate:pv=11;ct=a.b.c;pt=5',
    'Activate:pv=13;ct=a.b.c;pt=70000', 'Activate:pv=11;ct=a.b.c;xx=1', 'Activate:pv=11;pv=11;ct=a', 'Activate: pv=11;ct=a',
    'Activate:pv=11;ct=', 'Deactivate', 'Deactivate:pv=13;pt=1', 'Status:pt=1', 'Activate:pv=11;;ct=a', 'x'.repeat(700),
  ]) assert.throws(() => decodeMo(bad), DecodeError, bad);
});

test('decoders refuse garbage with DecodeError, never another exception (property)', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
    for (const f of [() => decodeMo(s), () => decodeStatus(`//VVM:STATUS:${s}`), () => decodeSync(`//VVM:SYNC:${s}`)]) {
      try { f(); } catch (e) { if (!(e instanceof DecodeError)) throw e; }
    }
  }), { numRuns: 2000 });
});

test('encode → decode is the identity for any SYNC the encoder accepts (property)', () => {
  const value = fc.string({ maxLength: 20 }).filter((s) => !/[;\r\n\0]/.test(s) && !s.startsWith('='));
  fc.assert(fc.property(
    fc.record({
      ev: fc.constantFrom('NM', 'MBU', 'GU' as const), id: fc.nat(), c: fc.nat(9999), t: fc.constantFrom('v', 'o', 'f', 'i', 'e' as const), s: value,
      dt: fc.integer({ min: 0, max: 4102444800 }).map((sec) => Math.floor(sec / 60) * 60_000), l: fc.nat(3600),
    }),
    (sms) => assert.deepEqual(decodeSync(encodeSync({ ...sms } as SyncSms)), { ...sms }),
  ));
});

test('redactOmtp hides pw and smtp_pw, wherever they sit', () => {
  assert.equal(redactOmtp(VVM_MD_STATUS).includes('pw=...'), false);
  assert.equal(redactOmtp('//VVM:STATUS:st=R;rc=0;smtp_pw=abc;u=1;pw=xyz'), '//VVM:STATUS:st=R;rc=0;smtp_pw=[REDACTED];u=1;pw=[REDACTED]');
  assert.equal(redactOmtp('//VVM:STATUS:pw=1'), '//VVM:STATUS:pw=[REDACTED]');
  assert.equal(redactOmtp(VVM_MD_SYNC), VVM_MD_SYNC);
});
