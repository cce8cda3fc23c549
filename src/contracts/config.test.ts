import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, describeConfig, policyProblems, redactConfig, resolveConfig, SAMPLE_SIGNING_SECRET, defaultSocketPath, parseSet, sampleConfigYaml } from './config.js';
import { repoPath } from '../util/repo-path.js';

test('defaults: every key has a default and a description', () => {
  const c = resolveConfig({});
  assert.equal(c.http.port, 9014);
  assert.equal(c.admin.port, 8443);
  assert.equal(c.admin.tls, true);
  assert.equal(c.token.validity_seconds, 86400);
  assert.equal(c.token.signing_secret, SAMPLE_SIGNING_SECRET);
  assert.equal(c.eap_aka.backend, 'swm');
  assert.equal(c.activity.max_records_per_subscriber, 1000);
  assert.equal(c.activity.retention_seconds, 2592000);
  assert.equal(c.diameter.listen_port, 3868);
  assert.deepEqual(c.diameter.auth_application_ids, [16777264]);
  for (const d of describeConfig()) {
    assert.ok(d.description.length > 5, `${d.key} has no description`);
    assert.notEqual(d.default, undefined, `${d.key} has no default`);
  }
});

test('file, then env, then --set, in that order', () => {
  const text = 'http:\n  port: 9100\ntoken:\n  validity_seconds: 600\ndiameter:\n  host: from-file\n';
  const c = resolveConfig({
    text, file: 'x.yaml',
    env: { DIAMETER_HOST: 'from-env', OMNI_SEP_FQDN: 'aes.example.org', AAA_PEER_HOST: 'aaa1', AAA_PEER_IP: '10.1.2.3', OMNI_SEP_TOKEN_SECRET: 's3cr3t' },
    sets: ['token.validity_seconds=3600', 'xcap.trusted_proxies=10.0.0.1,10.0.0.2', 'admin.api_keys=[aaaaaaaaaaaaaaaa1, bbbbbbbbbbbbbbbb2]', 'diameter.realm=0123'],
  });
  assert.equal(c.http.port, 9100);
  assert.equal(c.token.validity_seconds, 3600);
  assert.equal(c.diameter.host, 'from-env');
  assert.equal(c.diameter.realm, '0123', 'a string key keeps its text even when it looks like a number');
  assert.equal(c.diameter.peers[0]!.host, 'aaa1');
  assert.equal(c.diameter.peers[0]!.ip, '10.1.2.3');
  assert.equal(c.token.signing_secret, 's3cr3t');
  assert.deepEqual(c.xcap.trusted_proxies, ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(c.admin.api_keys, ['aaaaaaaaaaaaaaaa1', 'bbbbbbbbbbbbbbbb2']);
});

test('errors name the key and the file', () => {
  assert.throws(() => resolveConfig({ text: 'http:\n  prot: 1\n  port: "x"\n', file: '/etc/omnisep.yaml' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /\/etc\/omnisep\.yaml/);
    assert.match(e.message, /http\.prot: unknown key/);
    assert.match(e.message, /http\.port: Expected integer/);
    return true;
  });
  assert.throws(() => resolveConfig({ text: 'http: [1,\n', file: 'bad.yaml' }), /bad\.yaml[\s\S]*YAML/);
  assert.throws(() => parseSet('nope.key=1'), /nope\.key: unknown key/);
  assert.throws(() => parseSet('http.port'), /expected key\.path=value/);
  assert.throws(() => resolveConfig({ sets: ['http.port=70000'] }), /http\.port/);
  assert.throws(() => resolveConfig({ sets: ['eap_aka.backend=radius'] }), /eap_aka\.backend/);
});

test('a production start refuses the sample or an empty signing secret', () => {
  for (const secret of [undefined, '', SAMPLE_SIGNING_SECRET]) {
    assert.throws(
      () => resolveConfig({ sets: ['server.environment=production'], env: secret === undefined ? {} : { OMNI_SEP_TOKEN_SECRET: secret } }),
      /token\.signing_secret: a production start refuses/,
    );
  }
  const ok = resolveConfig({ sets: ['server.environment=production', 'server.fqdn=aes.example.org', 'aaa.subscribers_file='], env: { OMNI_SEP_TOKEN_SECRET: 'x'.repeat(40) } });
  assert.equal(ok.server.environment, 'production');
});

test('redactConfig hides every secret key, keeps the rest', () => {
  const c = resolveConfig({ sets: ['admin.api_keys=aaaaaaaaaaaaaaaa1'], env: { OMNI_SEP_TOKEN_SECRET: 'topsecretvalue' } });
  const r = redactConfig(c);
  const text = JSON.stringify(r);
  assert.ok(!text.includes('topsecretvalue'));
  assert.ok(!text.includes('aaaaaaaaaaaaaaaa1'));
  assert.deepEqual(r.admin.api_keys, ['[REDACTED]']);
  assert.equal(r.http.port, 9014);
  assert.equal(c.token.signing_secret, 'topsecretvalue', 'the original is untouched');
});

test('socket path: explicit, OMNISEP_SOCKET, XDG_RUNTIME_DIR, then the data dir', () => {
  assert.equal(defaultSocketPath({ socket: '/x.sock', env: { OMNISEP_SOCKET: '/y.sock' }, dataDir: '/d' }), '/x.sock');
  assert.equal(defaultSocketPath({ env: { OMNISEP_SOCKET: '/y.sock', XDG_RUNTIME_DIR: '/run/user/1' }, dataDir: '/d' }), '/y.sock');
  assert.equal(defaultSocketPath({ env: { XDG_RUNTIME_DIR: '/run/user/1' }, dataDir: '/d' }), '/run/user/1/omnisep.sock');
  assert.equal(defaultSocketPath({ env: {}, dataDir: '/d' }), '/d/omnisep.sock');
});

test('the sample config in fixtures/config validates', () => {
  const file = repoPath('fixtures', 'config', 'omnisep.yaml');
  const c = resolveConfig({ text: readFileSync(file, 'utf8'), file });
  assert.equal(c.http.port, 9014);
});

test('fixtures/config/omnisep.yaml is exactly the generated sample (no drift from the schema)', () => {
  const file = repoPath('fixtures', 'config', 'omnisep.yaml');
  assert.equal(readFileSync(file, 'utf8'), sampleConfigYaml(), 'regenerate with: node --import tsx -e "import(\'./src/contracts/config.ts\').then(m => process.stdout.write(m.sampleConfigYaml()))" > fixtures/config/omnisep.yaml');
});

test('a Diameter peer over sctp is refused at start, in every environment, naming the peer', () => {
  assert.throws(
    () => resolveConfig({ text: 'diameter:\n  peers:\n    - host: aaa1\n      ip: 127.0.0.1\n    - host: aaa2\n      ip: 127.0.0.1\n      transport: sctp\n' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /diameter\.peers\.1\.transport: sctp is not supported/);
      assert.doesNotMatch(e.message, /diameter\.peers\.0/);
      return true;
    },
  );
});

test('diameter.routes: a relay/proxy/redirect entry needs peers, a local one names none; a good table resolves', () => {
  const base = { text: 'diameter:\n  routes:\n    - { realm: hss.realm, action: relay, peers: [] }\n    - { realm: "*", action: local, peers: [dra] }\n' };
  assert.throws(() => resolveConfig(base), (e: unknown) => e instanceof ConfigError && /diameter\.routes\.0\.peers: a relay route needs at least one peer/.test(e.message) && /diameter\.routes\.1\.peers: a local route names no peers/.test(e.message));
  const ok = resolveConfig({ text: 'diameter:\n  max_redirects: 2\n  routes:\n    - { realm: "*", application_id: 16777264, action: relay, peers: [dra.example] }\n' });
  assert.deepEqual(ok.diameter.routes, [{ realm: '*', application_id: 16777264, action: 'relay', peers: ['dra.example'] }]);
  assert.equal(ok.diameter.max_redirects, 2);
});

test('operator_token minting and ts43.private_user_id: a signing key only with a JWKS, an http(s) auth_url, pseudonym only over SWm', () => {
  const refused = (sets: string[], re: RegExp) => assert.throws(() => resolveConfig({ sets }), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  refused(['operator_token.signing_key_file=/etc/omnisep/op.jwk'], /operator_token\.signing_key_file: only with operator_token\.jwks_file/);
  refused(['operator_token.auth_url=ftp://x'], /operator_token\.auth_url: "ftp:\/\/x" is not an http\(s\) URL/);
  refused(['ts43.private_user_id=pseudonym', 'eap_aka.backend=local'], /ts43\.private_user_id: pseudonym needs eap_aka\.backend swm/);
  const ok = resolveConfig({ sets: ['ts43.private_user_id=pseudonym', 'operator_token.auth_url=https://auth.example/v', 'operator_token.lifetime_seconds=120'] });
  assert.equal(ok.ts43.private_user_id, 'pseudonym');
  assert.equal(ok.operator_token.lifetime_seconds, 120);
});

test('config check refuses an incomplete JWT issuer, operator_token and enterprise alike; their secrets are redacted', () => {
  const secret = 'x'.repeat(40);
  const refused = (sets: string[]): string => {
    try {
      resolveConfig({ sets });
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    return '';
  };
  const both = refused([`operator_token.hmac_secret=${secret}`, `enterprise.hmac_secret=${secret}`, 'enterprise.jwks_file=/etc/omnisep/as.jwks.json']);
  assert.match(both, /operator_token\.issuer, operator_token\.audience: both are needed to check operator tokens/);
  assert.match(both, /enterprise\.hmac_secret, enterprise\.jwks_file: set one of them, not both/);
  assert.match(both, /enterprise\.issuer, enterprise\.audience: both are needed to check app servers' access tokens/);
  assert.match(refused(['enterprise.issuer=https://as.example', 'enterprise.audience=ecs', 'enterprise.hmac_secret=short']), /enterprise\.hmac_secret: at least 32 characters/);
  const ok = resolveConfig({ sets: ['enterprise.issuer=https://as.example', 'enterprise.audience=ecs', `enterprise.hmac_secret=${secret}`] });
  assert.deepEqual(policyProblems(ok), []);
  assert.ok(!JSON.stringify(redactConfig(ok)).includes(secret), 'enterprise.hmac_secret is redacted');
});
