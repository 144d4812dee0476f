import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import { NodeErrors } from '../../src/errors.js';
import { assertProblem } from '../helpers/inject.js';
import { startTestNode } from '../helpers/node.js';
import { keyInShard } from '../helpers/topology.js';

describe('a node', () => {
  it('reports role, epoch, LSN and key count of every held shard', async () => {
    const t = startTestNode('east-a-1');
    try {
      await t.node.app.inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'a')}`, payload: { n: 1 } });
      await t.node.app.inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'b')}`, payload: { n: 2 } });
      await t.node.app.inject({ method: 'PUT', url: `/cmd/profile/${keyInShard(2, 'c')}`, payload: { displayName: 'C' } });
      const status = await t.node.status();
      assert.equal(status.node, 'east-a-1');
      assert.equal(status.set, 'east-a');
      assert.equal(status.region, 'us-east');
      assert.equal(status.configVersion, 7);
      assert.equal(status.store, 'lmdb');
      assert.deepEqual(
        status.shards.map(({ shard, role, epoch, lsn, keys }) => ({ shard, role, epoch, lsn, keys })),
        [
          { shard: 0, role: 'leader', epoch: 1, lsn: 2, keys: 2 },
          { shard: 2, role: 'leader', epoch: 3, lsn: 1, keys: 1 },
          { shard: 4, role: 'leader', epoch: 1, lsn: 0, keys: 0 },
          { shard: 6, role: 'leader', epoch: 1, lsn: 0, keys: 0 },
        ],
      );
      // Every follower of the placement is listed, the ones never heard from too.
      assert.deepEqual(status.shards[0]?.followers?.map((f) => [f.node, f.ackLsn, f.lagEntries, f.inSync]), [
        ['east-a-2', 0, 2, false],
        ['west-a-1', 0, 2, false],
      ]);
    } finally {
      await t.cleanup();
    }
  });

  it('answers health and unknown routes with its identity headers', async () => {
    const t = startTestNode('west-a-1');
    try {
      const health = await t.node.app.inject({ method: 'GET', url: '/_setgate/health' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: 'ok', node: 'west-a-1' });
      assert.equal(health.headers[Header.node], 'west-a-1');
      assert.equal(health.headers[Header.shard], undefined);
      const missing = await t.node.app.inject({ method: 'GET', url: '/nope', headers: { [Header.requestId]: 'req-42' } });
      const p = assertProblem(missing, 404, 'SETGATE_NOT_FOUND');
      assert.equal(p.instance, 'req-42', "the gateway's request id is kept");
      assert.equal(missing.headers[Header.region], 'eu-west');
    } finally {
      await t.cleanup();
    }
  });

  it('closes once, however often close is called', async () => {
    const t = startTestNode('east-b-1');
    await Promise.all([t.node.close(), t.node.close()]);
    await t.cleanup();
  });
});

describe('NodeErrors', () => {
  it('every code is a SETGATE_NODE_ code with a client-error status (503 only for retryable replication refusals) and a title', () => {
    const unavailable = ['SETGATE_NODE_NOT_ENOUGH_REPLICAS', 'SETGATE_NODE_REPLICATION_TIMEOUT', 'SETGATE_NODE_LEASE_EXPIRED', 'SETGATE_NODE_LEASE_LOST_UNCONFIRMED', 'SETGATE_NODE_FENCED'];
    for (const [code, spec] of Object.entries(NodeErrors.catalogue)) {
      assert.match(code, /^SETGATE_NODE_[A-Z_]+$/);
      if (unavailable.includes(code)) assert.equal(spec.status, 503, code);
      else assert.ok(spec.status >= 400 && spec.status < 500, code);
      assert.ok(spec.title.length > 0, code);
    }
  });
});
