import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HopSecrets, InternalPath } from '@setgate/contracts';
import Fastify from 'fastify';
import { assertProblem } from '../helpers/inject.js';
import { buildNode, LmdbNodeStore } from '../../src/index.js';
import { startTestNode, tempDir, testTelemetry } from '../helpers/node.js';
import { keyInShard, testView } from '../helpers/topology.js';

const SECRET = 'stack-hop-secret-0123456789abcdef';

/** A node with the stack's hop secret lets only callers holding it reach any handler, traffic or internal. */
describe('node hop authentication', () => {
  it('refuses the traffic listener without the secret (nothing written) and serves it with the secret', async () => {
    const t = startTestNode('east-a-1', testView(), SECRET);
    try {
      const url = `/state/0/${keyInShard(0, 'hop')}`;
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${SECRET} `, SECRET]) {
        const headers = authorization === undefined ? {} : { authorization };
        assertProblem(await t.node.app.inject({ method: 'PUT', url, payload: { n: 1 }, headers }), 401, 'SETGATE_NODE_HOP_UNAUTHENTICATED');
        assertProblem(await t.node.app.inject({ url: '/_setgate/health', headers }), 401, 'SETGATE_NODE_HOP_UNAUTHENTICATED');
      }
      const auth = { authorization: `Bearer ${SECRET}` };
      assert.equal((await t.node.app.inject({ url, headers: auth })).statusCode, 404, 'the refused writes wrote nothing');
      assert.equal((await t.node.app.inject({ method: 'PUT', url, payload: { n: 1 }, headers: auth })).statusCode, 201);
    } finally {
      await t.cleanup();
    }
  });

  it('takes a rotated secret on every listener at once: the old one while listed as previous, then not', async () => {
    const secrets = new HopSecrets('old-secret');
    const { dir, remove } = tempDir();
    const node = buildNode({ view: testView(), nodeId: 'east-a-1', store: LmdbNodeStore.open({ dir }), telemetry: testTelemetry(), idempotencyPruneIntervalMs: 0, internalToken: secrets });
    const admin = Fastify();
    node.registerInternal(admin);
    try {
      const status = async (token: string) => ({
        traffic: (await node.app.inject({ url: '/_setgate/health', headers: { authorization: `Bearer ${token}` } })).statusCode,
        internal: (await admin.inject({ method: 'POST', url: '/internal/shards/0/fence', payload: { epoch: 0 }, headers: { authorization: `Bearer ${token}` } })).statusCode,
        session: (
          await admin.inject({
            method: 'POST',
            url: InternalPath.fetchSession,
            payload: { node: 'west-a-1', shards: [{ shard: 0, epoch: 1, fromLsn: 1, lastEpoch: 0 }], maxWaitMs: 0 },
            headers: { authorization: `Bearer ${token}` },
          })
        ).statusCode,
      });
      assert.deepEqual(await status('old-secret'), { traffic: 200, internal: 200, session: 200 });
      secrets.update('new-secret', ['old-secret']);
      assert.deepEqual(await status('old-secret'), { traffic: 200, internal: 200, session: 200 });
      assert.deepEqual(await status('new-secret'), { traffic: 200, internal: 200, session: 200 });
      secrets.update('new-secret');
      assert.deepEqual(await status('old-secret'), { traffic: 401, internal: 401, session: 401 });
      assert.deepEqual(await status('new-secret'), { traffic: 200, internal: 200, session: 200 });
    } finally {
      await admin.close();
      await node.close();
      remove();
    }
  });
});
