import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upstreamHeaders } from '../src/request-headers.js';

const facts = {
  entryRegion: 'us-east',
  targetRegion: 'eu-west',
  requestId: 'minted-1',
  clientAddress: '192.0.2.10',
  trustedPeer: false,
};

describe('upstreamHeaders', () => {
  it('drops hop-by-hop headers and the ones Connection names', () => {
    const out = upstreamHeaders(
      {
        connection: 'keep-alive, x-hop-secret',
        'x-hop-secret': 'leak',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        upgrade: 'websocket',
        'transfer-encoding': 'chunked',
        host: 'proxy.example',
        'proxy-authorization': 'Basic eA==',
        expect: '100-continue',
        accept: 'application/json',
      },
      facts,
    );
    for (const gone of ['connection', 'x-hop-secret', 'keep-alive', 'te', 'upgrade', 'transfer-encoding', 'host']) {
      assert.equal(out[gone], undefined, gone);
    }
    assert.equal(out['proxy-authorization'], undefined);
    assert.equal(out.expect, undefined);
    assert.equal(out.accept, 'application/json');
  });

  it('drops every client-sent x-setgate-* header and asserts its own regions and request id', () => {
    const out = upstreamHeaders(
      {
        'x-setgate-subject': 'admin',
        'x-setgate-region': 'ap-south',
        'x-setgate-entry-region': 'ap-south',
        'x-setgate-min-position': '9:9',
        'x-request-id': 'forged',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      facts,
    );
    const internal = Object.keys(out).filter((k) => k.startsWith('x-setgate-'));
    assert.deepEqual(internal.sort(), ['x-setgate-entry-region', 'x-setgate-region']);
    assert.equal(out['x-setgate-entry-region'], 'us-east');
    assert.equal(out['x-setgate-region'], 'eu-west');
    assert.equal(out['x-request-id'], 'minted-1');
    assert.equal(out.traceparent, undefined, 'the attempt injects its own trace context');
  });

  it("replaces an untrusted client's X-Forwarded-For with the peer address", () => {
    assert.equal(upstreamHeaders({}, facts)['x-forwarded-for'], '192.0.2.10');
    assert.equal(upstreamHeaders({ 'x-forwarded-for': '203.0.113.7, 198.51.100.2' }, facts)['x-forwarded-for'], '192.0.2.10');
    assert.equal(upstreamHeaders({ 'x-forwarded-for': ['203.0.113.7', '10.0.0.1'] }, facts)['x-forwarded-for'], '192.0.2.10');
  });

  it("keeps a trusted edge's X-Forwarded-For and appends the edge's address", () => {
    const edge = { ...facts, trustedPeer: true };
    assert.equal(upstreamHeaders({}, edge)['x-forwarded-for'], '192.0.2.10');
    assert.equal(
      upstreamHeaders({ 'x-forwarded-for': '203.0.113.7, 198.51.100.2' }, edge)['x-forwarded-for'],
      '203.0.113.7, 198.51.100.2, 192.0.2.10',
    );
  });
});
