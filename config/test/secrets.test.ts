import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { devSecretEnv, loadTopologyFile, resolveSecret, SecretError, secretSites, type Topology, validateTopology } from '@setgate/config';
import { parse } from 'yaml';

const shipped = new URL('../topology.yaml', import.meta.url).pathname;
const shippedDoc = () => parse(readFileSync(shipped, 'utf8')) as Topology;
/** Sets a secret field to anything, as a hand-written document may. */
const setSecret = (target: object, field: string, value: unknown) => Object.assign(target, { [field]: value });
const problemsOf = (doc: unknown) => {
  const r = validateTopology(doc);
  return r.ok ? [] : r.problems.map((p) => `${p.path} ${p.message}`);
};

describe('secrets by reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const value = 'a-secret-value-of-at-least-32-characters-0001';

  it('the shipped topology names its secrets by environment variable, and lists them with their paths', () => {
    const sites = secretSites(loadTopologyFile(shipped));
    assert.deepEqual(sites, [
      { path: '/auth/issuers/0/keys/0/secret', ref: { env: 'SETGATE_JWT_SECRET' }, reader: 'gateway', kind: 'hmac' },
      { path: '/gateway/sessionTokenSecret', ref: { env: 'SETGATE_SESSION_TOKEN_SECRET' }, reader: 'gateway', kind: 'hmac' },
    ]);
  });

  it('lists Redis passwords by reference with the component that reads them; npm start never invents one', () => {
    const doc = shippedDoc();
    const node = doc.sets[0]?.nodes[0] as { store: unknown };
    node.store = { kind: 'redis', url: 'redis://127.0.0.1:6379', password: { env: 'NODE_REDIS_PASSWORD' } };
    setSecret(doc.gateway.rateLimit, 'redisPassword', { file: '/run/secrets/rate-limit-redis' });
    const r = validateTopology(doc);
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
    const passwords = secretSites(r.topology).filter((s) => s.kind === 'password');
    assert.deepEqual(
      passwords.map((s) => [s.path, s.reader]),
      [
        ['/gateway/rateLimit/redisPassword', 'gateway'],
        ['/sets/0/nodes/0/store/password', 'set-runtime'],
      ],
    );
    assert.deepEqual(Object.keys(devSecretEnv(r.topology, join(dir, 'pw-data'), { create: true, env: {} })).sort(), ['SETGATE_JWT_SECRET', 'SETGATE_SESSION_TOKEN_SECRET']);
    assert.equal(resolveSecret({ env: 'P' }, 'a password', { P: 'short' }, 1), 'short');
  });

  it('refuses a secret written inline, and a reference with neither or both of env and file', () => {
    const inline = shippedDoc();
    setSecret(inline.auth.issuers[0]?.keys[0] as object, 'secret', value);
    setSecret(inline.gateway, 'sessionTokenSecret', value);
    const problems = problemsOf(inline);
    assert.ok(problems.some((p) => p.startsWith('/auth/issuers/0/keys/0/secret ')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('/gateway/sessionTokenSecret ')), problems.join('\n'));
    assert.ok(problems.every((p) => !p.includes(value)), 'no problem repeats the value');
    for (const ref of [{}, { env: 'A', file: '/b' }]) {
      const doc = shippedDoc();
      setSecret(doc.gateway, 'sessionTokenSecret', ref);
      assert.deepEqual(problemsOf(doc), ['/gateway/sessionTokenSecret give the secret by reference: exactly one of env (a variable name) or file (an absolute path)']);
    }
    const relative = shippedDoc();
    setSecret(relative.gateway, 'sessionTokenSecret', { file: 'secrets/session' });
    assert.ok(problemsOf(relative).some((p) => p.startsWith('/gateway/sessionTokenSecret/file ')));
  });

  it('resolves a reference from the environment or a file; says which one is missing or short, never a value', () => {
    assert.equal(resolveSecret({ env: 'S1' }, 'test key', { S1: value }), value);
    const file = join(dir, 'secret');
    writeFileSync(file, `  ${value}\n`);
    assert.equal(resolveSecret({ file }, 'test key'), value);
    assert.throws(() => resolveSecret({ env: 'S2' }, 'test key', {}), (e: unknown) => e instanceof SecretError && /test key: environment variable S2 is not set/.test(e.message));
    assert.throws(() => resolveSecret({ file: join(dir, 'none') }, 'test key'), /cannot read file .*none \(ENOENT\)/);
    const short = 'short-secret-value';
    assert.throws(
      () => resolveSecret({ env: 'S3' }, 'test key', { S3: short }),
      (e: unknown) => e instanceof SecretError && e.code === 'SETGATE_CONFIG_SECRET_UNRESOLVED' && !e.message.includes(short) && /fewer than 32/.test(e.message),
    );
  });

  it('npm start: generates a missing variable once per data directory (mode 0600) and reuses it; a set variable wins', () => {
    const t = loadTopologyFile(shipped);
    const data = join(dir, 'data');
    assert.deepEqual(devSecretEnv(t, data, { create: false, env: {} }), {}, 'nothing without create or a kept file');
    const first = devSecretEnv(t, data, { create: true, env: {} });
    assert.deepEqual(Object.keys(first).sort(), ['SETGATE_JWT_SECRET', 'SETGATE_SESSION_TOKEN_SECRET']);
    assert.notEqual(first.SETGATE_JWT_SECRET, first.SETGATE_SESSION_TOKEN_SECRET);
    for (const v of Object.values(first)) assert.ok(v.length >= 32);
    assert.equal(statSync(join(data, 'secrets', 'SETGATE_JWT_SECRET')).mode & 0o777, 0o600);
    assert.deepEqual(devSecretEnv(t, data, { create: true, env: {} }), first, 'a restart keeps the keys');
    assert.deepEqual(devSecretEnv(t, data, { create: false, env: {} }), first, 'setgate tokens reads them');
    assert.deepEqual(Object.keys(devSecretEnv(t, data, { create: true, env: { SETGATE_JWT_SECRET: value } })), ['SETGATE_SESSION_TOKEN_SECRET']);
  });
});
