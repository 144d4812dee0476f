import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandDef, Topology } from '@setgate/config';
import { DEV_ADMIN_TOKENS } from '@setgate/launcher';
import { request } from 'undici';
import { startTestStack, type TestStack } from './harness.js';

/**
 * Issue 12, class 1 and the config weak spots, against a real control plane
 * process started as `npm start` starts it: no admin route gives any role a
 * secret; changes to trust, secrets, anonymous commands and limits need admin
 * and are audited with the role; oversized or deeply nested documents and a
 * rollback target given as a string get a 4xx problem, never a 500 or a coercion.
 */

type Role = 'none' | keyof typeof DEV_ADMIN_TOKENS;
const ROLES: readonly Role[] = ['none', 'viewer', 'operator', 'admin'];
const SECRET_FIELDS = new Set(['secret', 'sessionTokenSecret', 'previousSessionTokenSecret']);

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
  readonly headers: string;
  readonly json: Record<string, unknown> | undefined;
}

/**
 * Every secret value the stack holds, whatever form the topology gives it in:
 * a value written inline, or a reference to a variable or a file resolved as
 * the gateways resolve it. Plus the admin tokens and the stack's internal token.
 */
function knownSecrets(stack: TestStack): string[] {
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    for (const [k, e] of Object.entries(v)) {
      const value = SECRET_FIELDS.has(k) ? secretValue(e) : undefined;
      if (value) found.push(value);
      else visit(e);
    }
  };
  visit(JSON.parse(readFileSync(stack.configPath, 'utf8')));
  return [...found, ...Object.values(DEV_ADMIN_TOKENS), stack.internalToken].filter((s) => s.length >= 16);
}

/** A secret written inline, or the value its reference points at. */
function secretValue(given: unknown): string | undefined {
  if (typeof given === 'string') return given;
  const ref = (given ?? {}) as { env?: string; file?: string };
  if (ref.env !== undefined) return process.env[ref.env];
  return ref.file !== undefined ? readFileSync(ref.file, 'utf8').trim() : undefined;
}

describe('security: secrets, roles and input limits of the control plane (issue 12)', () => {
  let stack: TestStack;
  let api: string;
  let secrets: string[];
  const leaks = new Set<string>();

  async function call(role: Role, method: string, path: string, body?: unknown, rawBody?: string): Promise<Answer> {
    const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await request(`${api}${path}`, {
      method: method as 'GET',
      headers: {
        ...(role === 'none' ? {} : { authorization: `Bearer ${DEV_ADMIN_TOKENS[role]}` }),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: payload }),
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const text = await res.body.text();
    const headers = JSON.stringify(res.headers);
    const type = String(res.headers['content-type'] ?? '');
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    // Every answer of every test is checked, not only the walk's.
    for (const s of secrets) {
      if (text.includes(s) || headers.includes(s)) leaks.add(`${role} ${method} ${path.split('?')[0]} → ${res.statusCode} holds a secret (${s.slice(0, 4)}…)`);
    }
    return { status: res.statusCode, type, text, headers, json };
  }

  const current = async () => {
    const r = await call('viewer', 'GET', '/v1/config');
    assert.equal(r.status, 200, r.text);
    const record = r.json as { version: number; document: Record<string, unknown> };
    return { version: record.version, document: structuredClone(record.document) as unknown as Topology };
  };

  /** The current document with `edit` applied, as an apply body. */
  async function change(edit: (doc: Topology) => void, reason = 'security test change') {
    const { version, document } = await current();
    edit(document);
    return { document, baseVersion: version, reason };
  }

  async function operationDone(role: Role, id: string): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const r = await call(role, 'GET', `/v1/ops/operations/${encodeURIComponent(id)}`);
      if (r.status !== 200 || (r.json as { state?: string }).state !== 'running') return;
      if (Date.now() > deadline) throw new Error(`operation ${id} still running`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  before(async () => {
    // The control plane alone, started and seeded by the launcher as npm start does.
    stack = await startTestStack({
      only: () => false,
      readyTimeoutMs: 180_000,
      // No node runs: the walk's shard moves and drains fail when no node says where its log stands,
      // after this long each instead of the default 10 s (the walk ran 80 s, most of it waiting).
      edit: (doc) => {
        doc.controlPlane = { ...(doc.controlPlane as object), switchoverCatchUpMs: 500 };
      },
    });
    assert.ok(stack.controlPlaneUrl);
    api = stack.controlPlaneUrl;
    secrets = knownSecrets(stack);
    // Both HMAC secrets of the topology (issuer key, session-token key) are known, plus 3 admin tokens and the internal token.
    assert.ok(secrets.length >= 6, `known secrets: ${secrets.length}`);
  });
  after(() => stack?.close());

  it('an operator change touching auth, trusted proxies, secret references, anonymous commands or limits is refused 403 naming the fields', async () => {
    const limits = (d: Topology) => d.limits as NonNullable<Topology['limits']>;
    const cases: Array<[string, (d: Topology) => void, RegExp]> = [
      ['trusted proxies', (d) => d.gateway.trustedProxies.push('10.0.0.0/8'), /\/gateway\/trustedProxies/],
      ['trusted edges', (d) => d.regionalProxy.trustedEdges.push('10.1.0.0/16'), /\/regionalProxy\/trustedEdges/],
      ['limits', (d) => (limits(d).bodyLimitBytes = 1 << 20), /\/limits\/bodyLimitBytes/],
      ['anonymous limit', (d) => (d.gateway.rateLimit.anonymous.max = 100000), /\/gateway\/rateLimit\/anonymous\/max/],
      ['rate limits', (d) => ((d.gateway.rateLimit.classes[0] as { max: number }).max = 1), /\/gateway\/rateLimit\/classes/],
      ['auth', (d) => (d.auth.clockToleranceSec = 60), /\/auth\/clockToleranceSec/],
      ['session secret reference', (d) => (d.gateway.sessionTokenSecret = { env: 'SETGATE_OTHER_SESSION_SECRET' }), /\/gateway\/sessionTokenSecret/],
      [
        'an anonymous command',
        (d) =>
          d.commands.push({
            ...(d.commands[0] as CommandDef),
            name: 'card.get',
            path: '/v1/cards/:cardId',
            key: { from: 'param', name: 'cardId' },
            anonymous: true,
            upstream: { method: 'GET', path: '/cmd/card/{key}' },
          }),
        /\/commands\/card\.get\/anonymous/,
      ],
    ];
    for (const [what, edit, field] of cases) {
      const r = await call('operator', 'POST', '/v1/config/apply', await change(edit));
      assert.equal(r.status, 403, `${what}: ${r.text}`);
      assert.match(r.type, /application\/problem\+json/);
      assert.equal(r.json?.code, 'SETGATE_CP_FORBIDDEN');
      assert.match(String(r.json?.detail), field, `${what}: the refusal names the field`);
      assert.ok(Array.isArray(r.json?.fields), `${what}: the refused fields are listed`);
    }
    // Several at once: every one is named.
    const both = await call(
      'operator',
      'POST',
      '/v1/config/apply',
      await change((d) => {
        d.gateway.trustedProxies.push('10.0.0.0/8');
        limits(d).headersTimeoutMs = 4000;
      }),
    );
    assert.equal(both.status, 403, both.text);
    assert.deepEqual(both.json?.fields, ['/gateway/trustedProxies', '/limits/headersTimeoutMs']);
  });

  it('an operator change elsewhere and an admin change to trust pass, each audited with its role', async () => {
    const op = await call('operator', 'POST', '/v1/config/apply', await change((d) => (d.regionalProxy.health.intervalMs += 1), 'operator tunes health'));
    assert.equal(op.status, 201, op.text);
    const ad = await call('admin', 'POST', '/v1/config/apply', await change((d) => d.gateway.trustedProxies.push('10.0.0.0/8'), 'admin trusts a proxy'));
    assert.equal(ad.status, 201, ad.text);
    const history = await call('viewer', 'GET', '/v1/config/history?limit=5');
    const versions = (history.json as { versions: Array<{ version: number; author: string; role?: string }> }).versions;
    const byVersion = new Map(versions.map((v) => [v.version, v]));
    assert.deepEqual(
      [byVersion.get(op.json?.version as number), byVersion.get(ad.json?.version as number)].map((v) => [v?.author, v?.role]),
      [
        ['dev-operator', 'operator'],
        ['dev-admin', 'admin'],
      ],
    );
    const record = await call('viewer', 'GET', `/v1/config/versions/${ad.json?.version}`);
    assert.equal((record.json as { role?: string }).role, 'admin');
  });

  it('a deeply nested document is refused with a 4xx problem, not a 500', async () => {
    const depth = 200_000;
    const raw = `{"document":{"regions":${'['.repeat(depth)}${']'.repeat(depth)}},"baseVersion":1,"reason":"deep document"}`;
    for (const [role, method, path] of [
      ['viewer', 'POST', '/v1/config/validate'],
      ['viewer', 'POST', '/v1/config/diff'],
      ['operator', 'POST', '/v1/config/apply'],
    ] as const) {
      const r = await call(role, method, path, undefined, raw);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status} ${r.text.slice(0, 300)}`);
      assert.match(r.type, /application\/problem\+json/, path);
    }
  });

  it('a large document is refused with 413 before it is validated: too many bytes, or too many values', async () => {
    const { document } = await current();
    const huge = { ...document, commands: Array.from({ length: 200_000 }, (_, i) => ({ name: `c${i}` })) };
    const many = await call('viewer', 'POST', '/v1/config/validate', { document: huge });
    assert.equal(many.status, 413, many.text.slice(0, 300));
    assert.match(many.type, /application\/problem\+json/);
    const bytes = await call('viewer', 'POST', '/v1/config/validate', undefined, `{"document":{"pad":"${'x'.repeat(20 * 1024 * 1024)}"}}`);
    assert.equal(bytes.status, 413, bytes.text.slice(0, 300));
    assert.match(bytes.type, /application\/problem\+json/);
  });

  it('a rollback target given as a string is refused, not coerced', async () => {
    const { version } = await current();
    const r = await call('operator', 'POST', '/v1/config/rollback', { to: '1', baseVersion: version, reason: 'string target' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.type, /application\/problem\+json/);
    const base = await call('operator', 'POST', '/v1/config/rollback', { to: 1, baseVersion: String(version), reason: 'string base' });
    assert.equal(base.status, 400, base.text);
    assert.equal((await current()).version, version, 'nothing was stored');
  });

  it('walks every admin route with every role: no answer (body or header) holds a secret', async () => {
    const openapi = await call('none', 'GET', '/openapi.json');
    const paths = (openapi.json as { paths: Record<string, Record<string, unknown>> }).paths;
    let operation = 'no-such-operation';
    const walked: string[] = [];
    const walk = async (role: Role, method: string, route: string) => {
      const { version, document } = await current();
      const path = route.replace('{version}', String(version)).replace('{shard}', '0').replace('{id}', operation);
      const samples: Record<string, { query?: string; body?: unknown }> = {
        'GET /v1/config/history': { query: '?limit=1000' },
        'GET /v1/config/diff': { query: `?from=1&to=${version}` },
        'GET /v1/config/watch': { query: '?after=0&timeoutMs=0' },
        'POST /v1/config/validate': { body: { document } },
        'POST /v1/config/diff': { body: { document: { ...document, gateway: { ...(document.gateway as object), sessionTokenSecret: { env: 'SETGATE_ROTATED_SESSION_SECRET' } } } } },
        'POST /v1/config/apply': {
          body: { document: { ...document, failover: { ...(document.failover as object), probeIntervalMs: 250 + (version % 7) } }, baseVersion: version, reason: `walk as ${role}` },
        },
        'POST /v1/config/rollback': { body: { to: 1, baseVersion: version, reason: `walk as ${role}` } },
        'POST /v1/ops/shards/{shard}/move': { body: { to: 'eu-west-b', reason: `walk as ${role}` } },
        'POST /v1/ops/drain': { body: { target: 'region', name: 'ap-south', reason: `walk as ${role}` } },
        'POST /v1/ops/undrain': { body: { target: 'region', name: 'ap-south', reason: `walk as ${role}` } },
        'POST /v1/ops/failover/pause': { body: { reason: `walk as ${role}` } },
        'POST /v1/ops/failover/resume': { body: { reason: `walk as ${role}` } },
      };
      const key = `${method.toUpperCase()} ${route}`;
      const sample = samples[key] ?? {};
      if (method === 'post') assert.ok(sample.body !== undefined, `the walk has no body for ${key}: add one`);
      const r = await call(role, method.toUpperCase(), `${path}${sample.query ?? ''}`, sample.body);
      assert.ok(r.status < 500 || r.status === 503, `${role} ${key} → ${r.status}: ${r.text.slice(0, 300)}`);
      const id = (r.json as { id?: string } | undefined)?.id;
      if (r.status === 202 && id) {
        operation = id;
        await operationDone(role, id);
      }
      walked.push(`${role} ${key} ${r.status}`);
    };
    // Every route once; then the reads again, over the versions and operations the changes made.
    for (const round of ['all', 'reads'] as const) {
      for (const [route, methods] of Object.entries(paths)) {
        for (const method of Object.keys(methods)) {
          if (round === 'reads' && method !== 'get') continue;
          for (const role of ROLES) await walk(role, method, route);
        }
      }
    }
    assert.ok(walked.length >= 4 * (16 + 8), `walked ${walked.length} calls`);
    assert.deepEqual([...leaks], [], 'no answer holds a secret');
  });

  it('no log line of the control plane holds a secret', () => {
    const found: string[] = [];
    for (const f of readdirSync(stack.logDir)) {
      const text = readFileSync(join(stack.logDir, f), 'utf8');
      for (const s of secrets) if (text.includes(s)) found.push(`${f} holds a secret (${s.slice(0, 4)}…)`);
    }
    assert.deepEqual(found, []);
    assert.deepEqual([...leaks], [], 'no answer holds a secret');
  });
});
