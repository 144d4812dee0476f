import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { shardOf } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack } from './harness.js';
import { CLIENT, OtlpReceiver, type ReceivedSpan, SERVER } from './otlp-receiver.js';

/** Exporter settings the components inherit: every span to the receiver, batches sent every 200 ms. */
function exportTo(url: string): () => void {
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

const only = (spans: readonly ReceivedSpan[], pred: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
  const found = spans.filter(pred);
  assert.equal(found.length, 1, `exactly one ${what}; got ${found.map((s) => `${s.service} ${s.name}`).join(', ') || 'none'}`);
  return found[0] as ReceivedSpan;
};

const UNTRACED = /^\/(_setgate\/|metrics|v1\/config\/watch)/;

describe('traces of one write through proxy → gateway → node, exported over OTLP', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;
  before(async () => {
    receiver = await OtlpReceiver.start();
    const restore = exportTo(receiver.url);
    try {
      stack = await startTestStack({ readyTimeoutMs: 180_000 });
    } finally {
      restore();
    }
  });
  after(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('yields the span tree with the named attributes, follower spans linked to the write, and no health or watch spans', async () => {
    const sub = `otlp-${Date.now()}`;
    const shard = shardOf(sub, stack.view.shardCount);
    const writePoint = stack.view.writePoint(shard);
    const followers = stack.view.replicaNodes(shard).filter((n) => n.id !== writePoint.id);
    const token = await stack.token(sub);

    // On a loaded machine the first writes after start may meet a lease not yet renewed (503): each try is its own trace.
    const tried: string[] = [];
    let traceId = '';
    let clientSpan = '';
    let res: Awaited<ReturnType<typeof request>>;
    for (const until = Date.now() + 120_000; ; ) {
      traceId = randomBytes(16).toString('hex');
      clientSpan = randomBytes(8).toString('hex');
      tried.push(traceId);
      res = await request(`${stack.entry('eu-west')}/v1/profile?note=not-in-the-trace`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${clientSpan}-01` },
        body: JSON.stringify({ displayName: 'Grace' }),
      });
      const text = await res.body.text();
      if (res.statusCode === 201 || res.statusCode === 200) break;
      assert.ok(res.statusCode === 503 && Date.now() < until, `${res.statusCode} ${text}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const ok = res;

    const ofTrace = (spans: readonly ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
    const linkedTo = (spans: readonly ReceivedSpan[]) => spans.filter((s) => s.links.some((l) => l.traceId === traceId));
    const complete = (spans: readonly ReceivedSpan[]) =>
      ofTrace(spans).length >= 5 &&
      followers.every((f) => linkedTo(spans).some((s) => s.instance === f.id && s.name === 'replication apply'));
    const all = await receiver.waitFor(complete, 60_000);
    const spans = ofTrace(all);

    // The server spans: one per hop, each named METHOD command, never `PUT *`.
    const proxy = only(spans, (s) => s.service === 'setgate-regional-proxy' && s.kind === SERVER, 'proxy server span');
    const proxyOut = only(spans, (s) => s.service === 'setgate-regional-proxy' && s.kind === CLIENT, 'proxy client span');
    const gateway = only(spans, (s) => s.service === 'setgate-gateway' && s.kind === SERVER, 'gateway server span');
    const gatewayOut = only(spans, (s) => s.service === 'setgate-gateway' && s.kind === CLIENT, 'gateway → node client span');
    const node = only(spans, (s) => s.service === 'setgate-set-runtime' && s.kind === SERVER, 'node server span');
    for (const s of [proxy, gateway, node]) assert.equal(s.name, 'PUT profile.put', `${s.service} names its span by the command`);

    // The tree: client → proxy → its attempt → gateway → its attempt → node.
    assert.equal(proxy.parentSpanId, clientSpan);
    assert.equal(proxyOut.parentSpanId, proxy.spanId);
    assert.equal(gateway.parentSpanId, proxyOut.spanId);
    assert.equal(gatewayOut.parentSpanId, gateway.spanId);
    assert.equal(node.parentSpanId, gatewayOut.spanId);

    // HTTP conventions: the path without its query string, route, status, addresses.
    for (const s of [proxy, gateway, node]) {
      assert.equal(s.attributes['http.request.method'], 'PUT');
      assert.equal(String(s.attributes['url.path']).includes('?'), false, `${s.service} url.path has no query`);
      assert.equal(s.attributes['http.response.status_code'], ok.statusCode);
      assert.equal(typeof s.attributes['server.address'], 'string');
      assert.equal(typeof s.attributes['client.address'], 'string');
      assert.equal(typeof s.attributes['http.route'], 'string');
    }
    assert.equal(proxy.attributes['url.path'], '/v1/profile');
    assert.equal(gateway.attributes['http.route'], '/v1/profile');
    assert.equal(proxy.attributes['setgate.region'], 'eu-west');
    assert.equal(proxy.attributes['setgate.command'], 'profile.put');

    // The gateway knows the command, shard and where it went; the node its position.
    assert.equal(gateway.attributes['setgate.command'], 'profile.put');
    assert.equal(gateway.attributes['setgate.shard'], shard);
    assert.equal(gateway.attributes['setgate.node'], writePoint.id);
    assert.equal(gateway.attributes['setgate.set'], writePoint.set);
    assert.equal(gateway.attributes['setgate.lsn'], Number(ok.headers['x-setgate-lsn']));
    assert.equal(gateway.attributes['setgate.epoch'], Number(ok.headers['x-setgate-epoch']));
    assert.equal(typeof gateway.attributes['setgate.region'], 'string');
    // The attempt: which replica, which attempt, how it ended.
    assert.equal(gatewayOut.attributes['setgate.node'], writePoint.id);
    assert.equal(gatewayOut.attributes['setgate.set'], writePoint.set);
    assert.equal(gatewayOut.attributes['setgate.region'], writePoint.region);
    assert.equal(gatewayOut.attributes['server.address'], writePoint.host);
    assert.equal(gatewayOut.attributes['setgate.attempt'], 1);
    assert.equal(gatewayOut.attributes['setgate.outcome'], 'ok');
    assert.equal(proxyOut.attributes['setgate.attempt'], 1);
    assert.equal(proxyOut.attributes['setgate.outcome'], 'ok');
    assert.equal(node.instance, writePoint.id);
    assert.equal(node.attributes['setgate.node'], writePoint.id);
    assert.equal(node.attributes['setgate.set'], writePoint.set);
    assert.equal(node.attributes['setgate.region'], writePoint.region);
    assert.equal(node.attributes['setgate.shard'], shard);
    assert.equal(node.attributes['setgate.lsn'], Number(ok.headers['x-setgate-lsn']));
    assert.equal(node.attributes['setgate.epoch'], Number(ok.headers['x-setgate-epoch']));
    assert.equal(node.attributes['setgate.command'], 'profile.put');

    // Every follower's fetch and apply of the entry link to the node's write span.
    const lsn = Number(ok.headers['x-setgate-lsn']);
    for (const f of followers) {
      const applies = linkedTo(all).filter((s) => s.instance === f.id && s.name === 'replication apply');
      assert.ok(applies.length > 0, `${f.id} applied lsn ${lsn} in a span linked to the write`);
      const apply = applies[0] as ReceivedSpan;
      assert.ok(apply.links.some((l) => l.traceId === traceId && l.spanId === node.spanId), 'the link names the node write span');
      assert.equal(apply.attributes['setgate.shard'], shard);
      assert.ok(Number(apply.attributes['setgate.lsn']) >= lsn);
      const fetch = all.find((s) => s.spanId === apply.parentSpanId);
      assert.ok(fetch, 'the apply span is a child of the fetch span');
      assert.equal(fetch.name, 'replication fetch');
      assert.equal(fetch.kind, CLIENT);
      assert.ok(fetch.links.some((l) => l.spanId === node.spanId));
    }

    // Health probes (every few hundred ms between every component), scrapes and watch long-polls made no spans.
    await new Promise((r) => setTimeout(r, 1500));
    const noise = receiver.spans.filter((s) => UNTRACED.test(String(s.attributes['url.path'] ?? '')) || /health|watch/.test(s.name));
    assert.deepEqual(noise.map((s) => `${s.instance} ${s.name} ${String(s.attributes['url.path'])}`), []);
    // What the stack traced besides these writes: startup's configuration calls only, not a stream of probes.
    const servers = receiver.spans.filter((s) => s.kind === SERVER && !tried.includes(s.traceId));
    assert.ok(servers.length < 50, `${servers.length} server spans in all for one write: ${servers.map((s) => s.name).slice(0, 20).join(', ')}`);
  });
});
