import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Header } from '@setgate/contracts';
import { SpanKind, SpanStatusCode } from '@setgate/telemetry';
import { buildGateway } from '../../../src/index.js';
import { REGION, testTelemetry } from '../../helpers/gateway.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { testTopology } from '../../helpers/topology.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

/**
 * The gateway's spans of one request whose first attempt failed: a server span
 * named by the command, and one CLIENT span per attempt on the node (real
 * sockets), so the retry is visible with its outcome, attempt number and the
 * node chosen; the node continues from the attempt that reached it.
 */
describe('forward: a client span per attempt', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let node: FakeNode | undefined;
  after(async () => {
    await node?.close();
    await provider.shutdown();
  });

  it('shows the failed attempt and the resend, each with node, attempt and outcome', async () => {
    let calls = 0;
    node = await startFakeNode((_req, res) => {
      calls++;
      if (calls === 1) {
        res.socket?.resetAndDestroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', [Header.epoch]: '101', [Header.lsn]: '7' });
      res.end('{"ok":true}');
    });
    const telemetry = { ...testTelemetry(), tracer: provider.getTracer('test') };
    const app = buildGateway({ topology: testTopology({ nodePort: node.port }), region: REGION, telemetry });
    try {
      const res = await app.inject({
        method: 'PUT',
        url: '/v1/profile?debug=1',
        headers: { ...bearer(await signToken({ sub: 'writer-1' })), 'content-type': 'application/json', [Header.idempotencyKey]: 'idem-span-1' },
        payload: '{"displayName":"Ada"}',
      });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await app.close();
    }

    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    assert.ok(server);
    assert.equal(server.name, 'PUT profile.put');
    assert.equal(server.attributes['url.path'], '/v1/profile');
    assert.equal(server.attributes['http.route'], '/v1/profile');
    assert.equal(server.attributes['setgate.command'], 'profile.put');
    assert.equal(server.attributes['setgate.node'], 'node-a-1');
    assert.equal(server.attributes['setgate.lsn'], 7);
    assert.equal(server.attributes['http.response.status_code'], 200);

    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT).sort((a, b) => Number(a.attributes['setgate.attempt']) - Number(b.attributes['setgate.attempt']));
    assert.equal(attempts.length, 2);
    const [failed, resent] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
    for (const a of attempts) {
      assert.equal(a.name, 'PUT profile.put');
      assert.equal(a.parentSpanContext?.spanId, server.spanContext().spanId);
      assert.equal(a.attributes['setgate.node'], 'node-a-1');
      assert.equal(a.attributes['server.address'], '127.0.0.1');
      assert.equal(a.attributes['setgate.replica_read'], false);
    }
    assert.equal(failed.attributes['setgate.attempt'], 1);
    assert.equal(failed.attributes['setgate.outcome'], 'failed');
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(resent.attributes['setgate.attempt'], 2);
    assert.equal(resent.attributes['http.request.resend_count'], 1);
    assert.equal(resent.attributes['setgate.outcome'], 'ok');
    assert.equal(resent.attributes['setgate.lsn'], 7);

    // Each attempt carried its own span as the node's parent.
    const parents = node.received.map((r) => String(r.headers.traceparent).split('-')[2]);
    assert.deepEqual(parents, [failed.spanContext().spanId, resent.spanContext().spanId]);
  });
});
