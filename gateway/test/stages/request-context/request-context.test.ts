import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createService } from '@setgate/service-kit';
import { requestContextStage } from '../../../src/stages/request-context/plugin.js';
import { testTelemetry } from '../../helpers/gateway.js';

describe('request-context stage', () => {
  const app = createService({ telemetry: testTelemetry(), trustRequestId: true });
  app.register(requestContextStage);
  app.get('/ctx', async (request) => ({
    requestId: request.setgate.requestId,
    traceId: request.setgate.span?.spanContext().traceId,
    routed: request.setgate.target !== undefined,
  }));
  after(() => app.close());

  it('carries the request id and the trace span service-kit set', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({
      url: '/ctx',
      headers: { 'x-request-id': 'req-from-proxy-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { requestId: 'req-from-proxy-1', traceId, routed: false });
  });

  it('gives each request its own context', async () => {
    const [a, b] = await Promise.all([app.inject({ url: '/ctx' }), app.inject({ url: '/ctx' })]);
    assert.notEqual(a.json().requestId, b.json().requestId);
  });
});
