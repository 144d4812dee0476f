import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { LoadedTopology } from '@setgate/config';
import { Header } from '@setgate/contracts';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../../src/index.js';
import { SessionTokens } from '../../../src/stages/routing/session-token.js';
import { type ContractNode, startContractNode } from '../../helpers/contract-node.js';
import { testTelemetry } from '../../helpers/gateway.js';
import { multiRegionTopology, SESSION_SECRET } from '../../helpers/multi-region.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { closedPort, startFakeNode } from '../../helpers/upstream.js';

describe('routing: near-edge reads, write-point writes, session tokens', () => {
  let near: ContractNode;
  let mid: ContractNode;
  let far: ContractNode;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  const reset = () => {
    for (const n of [near, mid, far]) {
      n.received.length = 0;
      n.state.misdirected = false;
      n.state.stalenessMs = 0;
    }
  };
  before(async () => {
    far = await startContractNode('far-a-1', { leader: true, position: { epoch: 1, lsn: 10 } });
    near = await startContractNode('near-a-1', { position: { epoch: 1, lsn: 10 } });
    mid = await startContractNode('mid-a-1', { position: { epoch: 1, lsn: 10 } });
    const topology = multiRegionTopology({ near: near.port, mid: mid.port, far: far.port });
    app = buildGateway({ topology, region: 'near', telemetry: testTelemetry() });
    auth = bearer(await signToken({ sub: 'alice' }));
  });
  after(async () => {
    await app.close();
    await Promise.all([near.close(), mid.close(), far.close()]);
  });
  beforeEach(reset);

  const write = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'PUT', url: '/v1/profile', headers: { ...auth, 'content-type': 'text/plain', ...headers }, payload: 'v' });
  const read = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers: { ...auth, ...headers } });

  it('sends a write to the write-point and returns a signed session token with its position', async () => {
    const res = await write();
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(far.received.length, 1);
    assert.equal(res.headers['x-setgate-set'], 'far-a');
    const token = String(res.headers[Header.session]);
    const positions = new SessionTokens(SESSION_SECRET).parse(token);
    const shard = Number(res.headers['x-setgate-shard']);
    assert.deepEqual(positions?.get(shard), far.state.position);
  });

  it('sends a bounded read to the nearest replica with the bound, and shows its staleness', async () => {
    near.state.stalenessMs = 1200;
    const res = await read('/v1/profile');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(near.received.length, 1);
    assert.equal(near.received[0]?.headers[Header.maxStalenessMs], '5000');
    assert.equal(res.headers['x-setgate-set'], 'near-a');
    assert.equal(res.headers[Header.stalenessMs], '1200');
    assert.equal(far.received.length + mid.received.length, 0);
  });

  it('sends a zero-staleness read to the write-point', async () => {
    const res = await read('/v1/cart');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(far.received.length, 1);
    assert.equal(near.received.length + mid.received.length, 0);
    assert.equal(res.headers['x-setgate-set'], 'far-a');
    assert.equal(res.headers[Header.stalenessMs], undefined);
  });

  it('skips a replica staler than the bound for the next nearest', async () => {
    near.state.stalenessMs = 9000;
    const res = await read('/v1/profile');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-setgate-set'], 'mid-a');
    assert.equal(near.received.length, 1);
  });

  it('reads a write back through replicas only once they have it (read-your-writes)', async () => {
    const token = String((await write()).headers[Header.session]);
    reset();
    // near is behind the write, mid has it: mid serves.
    mid.state.position = { ...far.state.position };
    let res = await read('/v1/profile', { [Header.session]: token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-setgate-set'], 'mid-a');
    assert.equal(near.received[0]?.headers[Header.minPosition], `${far.state.position.epoch}:${far.state.position.lsn}`);
    // Both replicas behind: the write-point serves.
    mid.state.position = { epoch: 1, lsn: 0 };
    reset();
    res = await read('/v1/profile', { [Header.session]: token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-setgate-set'], 'far-a');
    assert.equal(JSON.parse(res.body).value, 'v');
  });

  it('refuses a tampered or foreign session token with 400', async () => {
    const token = String((await write()).headers[Header.session]);
    const [v, payload, mac] = token.split('.');
    const raised = Buffer.from('0:9:999999', 'utf8').toString('base64url');
    assertProblem(await read('/v1/profile', { [Header.session]: `${v}.${raised}.${mac}` }), 400, 'SETGATE_GW_INVALID_SESSION');
    const foreign = new SessionTokens('another-secret-of-at-least-32-characters!').issue(new Map([[0, { epoch: 1, lsn: 1 }]]));
    assertProblem(await read('/v1/profile', { [Header.session]: foreign }), 400, 'SETGATE_GW_INVALID_SESSION');
    assert.ok(payload);
  });

  it('clamps a session position beyond the shard head to the head on the next write, instead of signing it again', async () => {
    const first = await write();
    const shard = Number(first.headers['x-setgate-shard']);
    // A validly signed token (its key leaked, or a history an unclean failover discarded) naming a position never written.
    const tokens = new SessionTokens(SESSION_SECRET);
    const forged = tokens.issue(new Map([[shard, { epoch: 999, lsn: 999_999_999_999 }]]));
    const res = await write({ [Header.session]: forged });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(tokens.parse(String(res.headers[Header.session]))?.get(shard), far.state.position);
    // An idempotent replay answers its first attempt's older position: the later one the token holds is kept.
    const later = tokens.issue(new Map([[shard, { epoch: far.state.position.epoch, lsn: far.state.position.lsn + 5 }]]));
    const replay = await write({ [Header.session]: later, 'x-test-replayed': 'true' });
    assert.equal(replay.statusCode, 200, replay.body);
    assert.deepEqual(tokens.parse(String(replay.headers[Header.session]))?.get(shard)?.lsn, far.state.position.lsn + 5);
  });
});

describe('routing: write-point unreachable, 421 and refresh', () => {
  let near: ContractNode;
  let mid: ContractNode;
  let apps: FastifyInstance[] = [];
  let auth: Record<string, string>;
  before(async () => {
    near = await startContractNode('near-a-1', { stalenessMs: 60000 });
    mid = await startContractNode('mid-a-1', { stalenessMs: 60000 });
    auth = bearer(await signToken({ sub: 'bob' }));
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
    await Promise.all([near.close(), mid.close()]);
  });
  const gateway = (topology: LoadedTopology, reload?: () => Promise<LoadedTopology>) => {
    const app = buildGateway({ topology, region: 'near', telemetry: testTelemetry(), ...(reload ? { reloadTopology: reload } : {}) });
    apps.push(app);
    return app;
  };

  it('serves a staleFallback read from a replica, marked stale, and answers a write 503', async () => {
    const app = gateway(multiRegionTopology({ near: near.port, mid: mid.port, far: await closedPort() }));
    const res = await app.inject({ url: '/v1/cart', headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-setgate-set'], 'near-a');
    assert.equal(res.headers[Header.stalenessMs], '60000');
    assert.equal(res.headers[Header.readSource], 'stale-fallback');
    const w = await app.inject({ method: 'PUT', url: '/v1/profile', headers: auth, payload: 'x' });
    assertProblem(w, 503, 'SETGATE_GW_WRITE_POINT_UNAVAILABLE');
    assert.equal(w.headers['retry-after'], '1');
  });

  it('does not serve a read without staleFallback from a stale replica when the write-point is down', async () => {
    const app = gateway(multiRegionTopology({ near: near.port, mid: mid.port, far: await closedPort() }));
    const res = await app.inject({ url: '/v1/cart/summary', headers: auth });
    assertProblem(res, 503, 'SETGATE_GW_NO_FRESH_REPLICA');
  });

  it('moves past an unreachable replica to the next nearest within the retry budget', async () => {
    const far = await startContractNode('far-a-1', { leader: true });
    try {
      mid.state.stalenessMs = 0;
      const app = gateway(multiRegionTopology({ near: await closedPort(), mid: mid.port, far: far.port }));
      mid.received.length = 0;
      for (let i = 0; i < 4; i++) {
        const res = await app.inject({ url: '/v1/profile', headers: auth });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['x-setgate-set'], 'mid-a');
      }
      assert.equal(mid.received.length, 4);
    } finally {
      mid.state.stalenessMs = 60000;
      await far.close();
    }
  });

  it('does not use a replica answer that states no staleness (a node without the contract)', async () => {
    const far = await startContractNode('far-a-1', { leader: true });
    const legacy = await startFakeNode();
    try {
      mid.received.length = 0;
      const app = gateway(multiRegionTopology({ near: legacy.port, mid: mid.port, far: far.port }));
      mid.state.stalenessMs = 0;
      const res = await app.inject({ url: '/v1/profile', headers: auth });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-setgate-set'], 'mid-a');
      assert.equal(legacy.received.length, 1);
    } finally {
      mid.state.stalenessMs = 60000;
      await Promise.all([far.close(), legacy.close()]);
    }
  });

  it('on a 421 reloads the routing table and retries once on the new write-point', async () => {
    const old = await startContractNode('far-a-1', { leader: true, misdirected: true });
    try {
      const ports = { near: near.port, mid: mid.port, far: old.port };
      mid.state.leader = true;
      const moved = multiRegionTopology(ports, (doc) => {
        doc.version = 8;
        doc.placements = (doc.placements as Record<string, unknown>[]).map((p) => ({ ...p, leader: 'mid-a', epoch: 2 }));
      });
      let reloads = 0;
      const app = gateway(multiRegionTopology(ports), async () => {
        reloads++;
        return moved;
      });
      const res = await app.inject({ method: 'PUT', url: '/v1/profile', headers: auth, payload: 'x' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-setgate-set'], 'mid-a');
      assert.equal(reloads, 1);
      assert.equal(mid.received.at(-1)?.headers[Header.configVersion], '8');
      assert.equal(mid.received.at(-1)?.headers[Header.epoch], '2');
    } finally {
      mid.state.leader = false;
      await old.close();
    }
  });

  it('answers a 421 that persists after the refresh with a 502, retrying only once', async () => {
    const old = await startContractNode('far-a-1', { leader: true, misdirected: true });
    try {
      const topology = multiRegionTopology({ near: near.port, mid: mid.port, far: old.port });
      const app = gateway(topology, async () => topology);
      const res = await app.inject({ method: 'PUT', url: '/v1/profile', headers: auth, payload: 'x' });
      assertProblem(res, 502, 'SETGATE_GW_MISDIRECTED');
      assert.equal(old.received.length, 2);
    } finally {
      await old.close();
    }
  });
});
