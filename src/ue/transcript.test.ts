import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatExchange, redactBody } from './transcript.js';
import { describeTransportError } from './http.js';

test('formatExchange: curl -v shape, cookies, Set-Cookie, Authorization and tokens redacted, EAP packets kept', () => {
  const text = formatExchange(
    2,
    { method: 'GET', url: 'https://h:9014/?IMSI=001010000000001&token=abc.def&app=ap2004', headers: [['Accept', 'application/json'], ['Cookie', 'S=sess1'], ['Authorization', 'Digest x']], purpose: 'token_auth' },
    {
      answer: {
        status: 200,
        headers: { 'content-type': 'application/json', 'set-cookie': ['S=sess2; Path=/; HttpOnly'] },
        body: '{"Token":{"token":"abc.def","validity":"3600"},"ap2004":{"ServiceFlow_UserData":"token=abc.def&x=1"},"eap-relay-packet":"AQIDBA=="}',
        wireBytes: 99, gzip: true, ms: 1,
      },
    },
    ['abc.def'],
  );
  assert.match(text, /^> GET \/\?IMSI=001010000000001&token=\[REDACTED\]&app=ap2004 HTTP\/1\.1$/m);
  assert.match(text, /^> Host: h:9014$/m);
  assert.match(text, /^> Cookie: S=\[REDACTED\]$/m);
  assert.match(text, /^> Authorization: \[REDACTED\]$/m);
  assert.match(text, /^< HTTP\/1\.1 200$/m);
  assert.match(text, /^< set-cookie: S=\[REDACTED\]; Path=\/; HttpOnly$/m);
  assert.match(text, /^\* body gunzipped: 99 bytes on the wire$/m);
  assert.match(text, /"eap-relay-packet":"AQIDBA=="/);
  assert.ok(!text.includes('abc.def') && !text.includes('sess1') && !text.includes('sess2'), text);
});

test('redactBody: the XML TOKEN characteristic and userdata tokens without knowing the value', () => {
  const xml = '<characteristic type="TOKEN"><parm name="token" value="tk-1"/><parm name="validity" value="3600"/></characteristic><parm name="ServiceFlow_UserData" value="token=tk-2&amp;a=b"/>';
  const out = redactBody(xml);
  assert.ok(!out.includes('tk-1') && !out.includes('tk-2'), out);
  assert.match(out, /<parm name="validity" value="3600"\/>/);
});

test('describeTransportError names what happened; a TLS failure hints at --cacert and --insecure', () => {
  assert.equal(describeTransportError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'connection refused (ECONNREFUSED)');
  assert.equal(describeTransportError(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' })), 'host name not found (DNS) (ENOTFOUND)');
  assert.equal(describeTransportError(Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'no answer in time (UND_ERR_HEADERS_TIMEOUT)');
  assert.match(describeTransportError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })), /^TLS check failed \(DEPTH_ZERO_SELF_SIGNED_CERT\) — pass --cacert FILE .*--insecure/);
});
