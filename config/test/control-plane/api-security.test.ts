import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Topology } from '@setgate/config';
import { REDACTED } from '../../src/control-plane/http/redact.js';
import type { VersionRecord } from '../../src/control-plane/store/config-store.js';
import { bearer, controlPlaneFixture, type Fixture } from './fixture.js';

type Doc = Topology & Record<string, unknown>;

describe('control plane admin API: roles per field, audit roles, input limits, redaction (issue 12)', () => {
  let f: Fixture;
  before(async () => {
    f = await controlPlaneFixture();
  });
  after(() => f.close());

  const current = async () => (await f.app.inject({ url: '/v1/config', headers: bearer('viewer') })).json() as { version: number; document: Doc };
  const apply = async (role: 'operator' | 'admin', edit: (d: Doc) => void, reason = 'security unit test') => {
    const { version, document } = await current();
    const next = structuredClone(document);
    edit(next);
    return f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer(role), payload: { document: next, baseVersion: version, reason } });
  };

  it('refuses an operator change to trust, secrets, anonymous commands or limits with 403 naming every field', async () => {
    const r = await apply('operator', (d) => {
      d.gateway.trustedProxies = [...d.gateway.trustedProxies, '10.0.0.0/8'];
      (d.gateway.sessionTokenSecret as { env?: string }) = { env: 'ANOTHER_SESSION_SECRET' };
      (d.limits as { bodyLimitBytes: number }).bodyLimitBytes = 1024;
      d.gateway.rateLimit.anonymous.max = 1;
      d.commands.push({ ...(d.commands[0] as Topology['commands'][number]), name: 'card.get', path: '/v1/cards/:cardId', key: { from: 'param', name: 'cardId' }, anonymous: true });
    });
    assert.equal(r.statusCode, 403, r.body);
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(r.json().fields, [
      '/commands/card.get/anonymous',
      '/gateway/rateLimit/anonymous/max',
      '/gateway/sessionTokenSecret/env',
      '/gateway/trustedProxies',
      '/limits/bodyLimitBytes',
    ]);
    assert.match(r.json().detail, /\/gateway\/trustedProxies.*needs the admin role; dev-operator is operator/);
  });

  it('lets an operator change the rest, and audits every version with the role that made it', async () => {
    const op = await apply('operator', (d) => {
      d.regionalProxy.health.intervalMs += 1;
    });
    assert.equal(op.statusCode, 201, op.body);
    const ad = await apply('admin', (d) => {
      d.gateway.trustedProxies = [...d.gateway.trustedProxies, '10.0.0.0/8'];
    });
    assert.equal(ad.statusCode, 201, ad.body);
    const pause = await f.app.inject({ method: 'POST', url: '/v1/ops/failover/pause', headers: bearer('operator'), payload: { reason: 'audit role of an op' } });
    assert.equal(pause.statusCode, 201, pause.body);
    const hist = (await f.app.inject({ url: '/v1/config/history?limit=10', headers: bearer('viewer') })).json() as { versions: VersionRecord[] };
    const roles = new Map(hist.versions.map((v) => [v.version, `${v.author}/${v.role}`]));
    assert.equal(roles.get(op.json().version), 'dev-operator/operator');
    assert.equal(roles.get(ad.json().version), 'dev-admin/admin');
    assert.equal(roles.get(pause.json().version), 'dev-operator/operator');
    assert.equal(roles.get(1), 'bootstrap/system');
  });

  it('refuses a rollback target or base version given as a string (400), without coercing it', async () => {
    const { version } = await current();
    for (const payload of [
      { to: '1', baseVersion: version, reason: 'string target' },
      { to: 1, baseVersion: String(version), reason: 'string base' },
    ]) {
      const r = await f.app.inject({ method: 'POST', url: '/v1/config/rollback', headers: bearer('admin'), payload });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'SETGATE_CP_BAD_REQUEST');
    }
    assert.equal((await current()).version, version);
  });

  it('answers a deeply nested, a too wide and a too large document with 413 problem+json, never a 500', async () => {
    const depth = 100_000;
    const deep = `{"document":{"regions":${'['.repeat(depth)}${']'.repeat(depth)}},"baseVersion":1,"reason":"deep"}`;
    for (const url of ['/v1/config/validate', '/v1/config/diff', '/v1/config/apply']) {
      const r = await f.app.inject({ method: 'POST', url, headers: { ...bearer('operator'), 'content-type': 'application/json' }, payload: deep });
      assert.equal(r.statusCode, 413, `${url}: ${r.body.slice(0, 200)}`);
      assert.equal(r.json().code, 'SETGATE_CP_DOCUMENT_TOO_LARGE');
      assert.match(r.json().detail, /nested deeper than/);
    }
    const { document } = await current();
    const wide = { ...document, commands: Array.from({ length: 100_000 }, () => ({})) };
    const w = await f.app.inject({ method: 'POST', url: '/v1/config/validate', headers: bearer('viewer'), payload: { document: wide } });
    assert.equal(w.statusCode, 413, w.body.slice(0, 200));
    assert.match(w.json().detail, /\/commands: array of more than/);
    const big = await f.app.inject({
      method: 'POST',
      url: '/v1/config/validate',
      headers: { ...bearer('viewer'), 'content-type': 'application/json' },
      payload: `{"document":{"pad":"${'x'.repeat(13 * 1024 * 1024)}"}}`,
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'SETGATE_BODY_TOO_LARGE');
  });

  it('redacts a secret value that a version stored before references still holds, in every answer', async () => {
    const legacyValue = 'legacy-inline-secret-value-0123456789abcdef';
    const g = await controlPlaneFixture();
    try {
      const v1 = (await g.service.store.get(1)) as VersionRecord;
      // As a version stored before secrets became references holds them: inline strings.
      const doc = structuredClone(v1.document);
      doc.version = 2;
      (doc.auth.issuers[0]?.keys[0] as { secret: unknown }).secret = legacyValue;
      (doc.gateway as { sessionTokenSecret: unknown }).sessionTokenSecret = legacyValue;
      const changes = [{ op: 'change' as const, path: '/gateway/sessionTokenSecret', before: { env: 'X' }, after: legacyValue }];
      await g.service.store.append({ ...v1, version: 2, author: 'legacy', reason: 'before references', changes, document: doc });
      for (const url of ['/v1/config/versions/2', '/v1/config/history', '/v1/config/watch?after=1&timeoutMs=0', '/v1/config']) {
        const r = await g.app.inject({ url, headers: bearer('viewer') });
        assert.ok(!r.body.includes(legacyValue), `${url} (${r.statusCode}) holds the secret`);
      }
      const v2 = (await g.app.inject({ url: '/v1/config/versions/2', headers: bearer('viewer') })).json();
      assert.equal(v2.document.auth.issuers[0].keys[0].secret, REDACTED);
      assert.equal(v2.document.gateway.sessionTokenSecret, REDACTED);
      assert.equal(v2.changes[0].after, REDACTED);
    } finally {
      await g.close();
    }
  });
});
