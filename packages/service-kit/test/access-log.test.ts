import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommonErrors } from '@setgate/contracts';
import { startTelemetry } from '@setgate/telemetry';
import { accessFields, accessLevel, accessLogEnabled, createService } from '../src/index.js';

/** A telemetry whose logger writes into `lines` (the real logger: same options, redaction included). */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const telemetry = startTelemetry({
    service: 'test',
    instance: 'svc-access',
    logLevel: 'info',
    logDestination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { lines, telemetry };
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function build(accessLog?: boolean) {
  const { lines, telemetry } = capture();
  const app = createService({ telemetry, ...(accessLog === undefined ? {} : { accessLog }) });
  app.get('/items/:id', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('broken');
  });
  app.get('/busy', async () => {
    throw CommonErrors.create('SETGATE_CLIENT_BUSY', { headers: { 'retry-after': '1' } });
  });
  app.get('/unavailable', async () => {
    throw CommonErrors.create('SETGATE_UNAVAILABLE');
  });
  app.get('/_setgate/health', async () => ({ status: 'ok' }));
  app.get('/echo-headers', async (request) => {
    request.log.info({ headers: request.headers }, 'headers seen');
    return {};
  });
  return { app, lines };
}

const access = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.access === true);

describe('access log', () => {
  it('writes one line per request with trace id, route, status, duration and the path without its query', async () => {
    const { app, lines } = build(true);
    const res = await app.inject({ url: '/items/42?token=zqxsecretzqx', headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` } });
    assert.equal(res.statusCode, 200);
    const [line, ...more] = access(lines);
    assert.equal(more.length, 0);
    assert.ok(line);
    assert.equal(line.level, 30, 'info');
    assert.equal(line.msg, 'access');
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/items/42');
    assert.equal(line.route, '/items/:id');
    assert.equal(line.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
    assert.equal(line.trace_id, TRACE);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.equal(line.request_id, res.headers['x-request-id']);
    // Not a hex string: the line's random ids cannot contain it by chance.
    assert.equal(JSON.stringify(line).includes('zqxsecretzqx'), false, 'no query value in the line');
    await app.close();
  });

  it('logs 4xx at info and 5xx at error; health probes not at all', async () => {
    const { app, lines } = build(true);
    await app.inject({ url: '/nothing-here' });
    await app.inject({ url: '/boom' });
    await app.inject({ url: '/_setgate/health' });
    const got = access(lines).map((l) => [l.status, l.level]);
    assert.deepEqual(got, [
      [404, 30],
      [500, 50],
    ]);
    await app.close();
  });

  it('a deliberate refusal is one warn access line with its code, never an error line; a failure keeps both', async () => {
    const { app, lines } = build(true);
    const refused = await app.inject({ url: '/busy' });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(lines.length, 1, `only the access line: ${JSON.stringify(lines)}`);
    const [line] = lines;
    assert.equal(line?.access, true);
    assert.equal(line?.level, 40, 'warn');
    assert.equal(line?.code, 'SETGATE_CLIENT_BUSY');
    lines.length = 0;
    await app.inject({ url: '/unavailable' });
    const levels = lines.map((l) => [l.access === true ? 'access' : 'log', l.level, l.code]);
    assert.deepEqual(levels, [
      ['log', 50, 'SETGATE_UNAVAILABLE'],
      ['access', 50, 'SETGATE_UNAVAILABLE'],
    ]);
    await app.close();
  });

  it('is switched off by the option, and by SETGATE_ACCESS_LOG=off', async () => {
    const { app, lines } = build(false);
    await app.inject({ url: '/items/1' });
    assert.equal(access(lines).length, 0);
    await app.close();
    assert.equal(accessLogEnabled({ SETGATE_ACCESS_LOG: 'off' }), false);
    assert.equal(accessLogEnabled({ SETGATE_ACCESS_LOG: '0' }), false);
    assert.equal(accessLogEnabled({}), true);
  });

  it('names the upstream and the code only when there is one, and escapes what needs it', () => {
    const base = { method: 'PUT', path: '/v1/profile', route: 'profile.put', status: 201, durationMs: 1.23456, requestId: 'r', traceId: TRACE, spanId: 'b7ad6b7169203331' };
    const line = (e: Parameters<typeof accessFields>[0]) => JSON.parse(`{${accessFields(e)}}`) as Record<string, unknown>;
    assert.deepEqual(line({ ...base, upstream: undefined }), {
      access: true,
      method: 'PUT',
      path: '/v1/profile',
      route: 'profile.put',
      status: 201,
      duration_ms: 1.235,
      request_id: 'r',
      trace_id: TRACE,
      span_id: 'b7ad6b7169203331',
    });
    assert.equal(line({ ...base, upstream: 'eu-west-a-1' }).upstream, 'eu-west-a-1');
    assert.equal(line({ ...base, upstream: undefined, problem: { code: 'SETGATE_X', refusal: false } }).code, 'SETGATE_X');
    assert.equal(line({ ...base, upstream: undefined, path: '/v1/a"b\\c\u0001é' }).path, '/v1/a"b\\c\u0001é');
    assert.equal(line({ ...base, upstream: undefined, durationMs: Number.NaN }).duration_ms, null);
    assert.equal(accessLevel(499), 'info');
    assert.equal(accessLevel(503), 'error');
    assert.equal(accessLevel(503, true), 'warn');
    assert.equal(accessLevel(429, true), 'warn');
  });
});

describe('log redaction', () => {
  it('redacts credential headers wherever headers are logged, and secret-named fields', async () => {
    const { app, lines } = build(false);
    await app.inject({
      url: '/echo-headers',
      headers: {
        authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-token',
        cookie: 'sid=cookie-value',
        'x-api-key': 'api-key-value',
        'setgate-session': 'session-token-value',
        'x-setgate-hop': 'hop-secret-value',
        'user-agent': 'kept',
      },
    });
    const line = lines.find((l) => l.msg === 'headers seen');
    assert.ok(line);
    const text = JSON.stringify(line);
    for (const secret of ['secret-token', 'cookie-value', 'api-key-value', 'session-token-value', 'hop-secret-value']) {
      assert.equal(text.includes(secret), false, `${secret} leaked: ${text}`);
    }
    const headers = line.headers as Record<string, string>;
    assert.equal(headers.authorization, '[redacted]');
    assert.equal(headers['user-agent'], 'kept');

    const { telemetry, lines: direct } = capture();
    telemetry.logger.info({ password: 'p1', config: { secret: 's1', clientSecret: 's2', name: 'kept' }, req: { headers: { cookie: 'c1' } } }, 'x');
    const d = JSON.stringify(direct[0]);
    for (const secret of ['p1', 's1', 's2', 'c1']) assert.equal(d.includes(`"${secret}"`), false, `${secret} leaked: ${d}`);
    assert.equal(d.includes('kept'), true);
    await app.close();
  });
});
