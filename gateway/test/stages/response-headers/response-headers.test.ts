import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { REGION, testGateway } from '../../helpers/gateway.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';
import { SHARD_COUNT } from '../../helpers/topology.js';
import { shardOf } from '@setgate/topology';

describe('response-headers stage', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let auth: { authorization: string };
  before(async () => {
    node = await startFakeNode((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('etag', '"12"');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-setgate-set', 'set-a');
      res.setHeader('x-setgate-node', 'node-a-1');
      res.setHeader('x-setgate-shard', '5');
      res.setHeader('x-setgate-epoch', '105');
      res.setHeader('x-setgate-lsn', '77');
      res.setHeader('x-setgate-debug-store', 'lmdb:/data/node-a-1');
      res.setHeader('x-setgate-region', 'spoofed-by-node');
      res.setHeader('trailer', 'x-checksum');
      res.setHeader('keep-alive', 'timeout=5');
      res.end('{"ok":true}');
    });
    app = testGateway({ nodePort: node.port });
    auth = bearer(await signToken());
  });
  after(async () => {
    await app.close();
    await node.close();
  });

  it("passes the node's placement headers and end-to-end headers through", async () => {
    const res = await app.inject({ url: '/v1/profile', headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.body, '{"ok":true}');
    assert.equal(res.headers['x-setgate-region'], REGION);
    assert.equal(res.headers['x-setgate-set'], 'set-a');
    assert.equal(res.headers['x-setgate-node'], 'node-a-1');
    // The shard the gateway routed by (user-1's), not the node's word for it.
    assert.equal(res.headers['x-setgate-shard'], String(shardOf('user-1', SHARD_COUNT)));
    assert.equal(res.headers['x-setgate-epoch'], '105');
    assert.equal(res.headers['x-setgate-lsn'], '77');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers.etag, '"12"');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
  });

  it("keeps the node's other internal and hop-by-hop headers inside", async () => {
    const res = await app.inject({ url: '/v1/profile', headers: auth });
    assert.equal(res.headers['x-setgate-debug-store'], undefined);
    assert.equal(res.headers.trailer, undefined);
    assert.equal(res.headers['keep-alive'], undefined);
  });

  it('says which region answered, errors included', async () => {
    const res = await app.inject({ url: '/v1/unknown' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['x-setgate-region'], REGION);
    assert.equal(res.headers['x-setgate-set'], undefined);
  });
});
