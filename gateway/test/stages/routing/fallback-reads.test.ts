import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Header, type LogPosition } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../../src/index.js';
import { SessionTokens } from '../../../src/stages/routing/session-token.js';
import { type ContractNode, startContractNode } from '../../helpers/contract-node.js';
import { testTelemetry } from '../../helpers/gateway.js';
import { multiRegionTopology, SESSION_SECRET } from '../../helpers/multi-region.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { closedPort } from '../../helpers/upstream.js';

const SUB = 'carol';
/** The client's last write, as its session token says. */
const WRITTEN: LogPosition = { epoch: 1, lsn: 10 };
const BEHIND: LogPosition = { epoch: 1, lsn: 9 };

/** Shedding is not under test: a loaded machine must not shed these reads (cart.summary is low priority). */
const unshed = (doc: Record<string, unknown>) => {
  const gateway = doc.gateway as Record<string, unknown>;
  gateway.admission = { ...(gateway.admission as Record<string, unknown> | undefined), maxEventLoopDelayMs: 60_000 };
};

/**
 * Reads with the write-point unreachable (issue 11, finding 5): the fallback
 * honours the client's session position (never an older value), and a read
 * bound is either honoured or the answer says `stale-fallback` with the real
 * staleness, only for commands that allow it. The write-point (far) listens
 * nowhere; near and mid are contract nodes, both staler than every bound.
 */
describe('routing: fallback reads keep read-your-writes and the staleness bound', () => {
  let near: ContractNode;
  let mid: ContractNode;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  let session: Record<string, string>;
  const shard = shardOf(SUB, 4);
  before(async () => {
    near = await startContractNode('near-a-1');
    mid = await startContractNode('mid-a-1');
    app = buildGateway({
      topology: multiRegionTopology({ near: near.port, mid: mid.port, far: await closedPort() }, unshed),
      region: 'near',
      telemetry: testTelemetry(),
    });
    auth = bearer(await signToken({ sub: SUB }));
    session = { [Header.session]: new SessionTokens(SESSION_SECRET).issue(new Map([[shard, WRITTEN]])) };
  });
  after(async () => {
    await app.close();
    await Promise.all([near.close(), mid.close()]);
  });
  beforeEach(() => {
    for (const n of [near, mid]) {
      n.received.length = 0;
      n.state.stalenessMs = 60_000;
    }
    near.state.position = { ...BEHIND };
    near.values.set(SUB, 'older');
    mid.state.position = { ...WRITTEN };
    mid.values.set(SUB, 'written');
  });

  const read = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers: { ...auth, ...headers } });

  it('sends the session position on every fallback read and serves the replica that has the write, marked stale-fallback', async () => {
    const res = await read('/v1/profile', session);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(JSON.parse(res.body).value, 'written', 'never the value before the client’s write');
    assert.equal(res.headers['x-setgate-set'], 'mid-a');
    assert.equal(res.headers[Header.readSource], 'stale-fallback');
    assert.equal(res.headers[Header.stalenessMs], '60000', 'the real staleness');
    for (const n of [near, mid]) {
      assert.ok(n.received.length > 0);
      for (const r of n.received) assert.equal(r.headers[Header.minPosition], `${WRITTEN.epoch}:${WRITTEN.lsn}`, `${n.name} got a read without the position`);
    }
  });

  it('answers 409 with a stable code, never an older value, when no reachable replica has the write', async () => {
    mid.state.position = { ...BEHIND };
    mid.values.set(SUB, 'older');
    const res = await read('/v1/profile', session);
    const problem = assertProblem(res, 409, 'SETGATE_GW_READ_BEHIND_SESSION');
    assert.equal(problem.shard, shard);
    assert.ok(res.headers['retry-after']);
  });

  it('keeps the position on a zero-staleness read that falls back from the write-point', async () => {
    const res = await read('/v1/cart', session);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(JSON.parse(res.body).value, 'written');
    assert.equal(res.headers[Header.readSource], 'stale-fallback');
    assert.equal(near.received[0]?.headers[Header.minPosition], `${WRITTEN.epoch}:${WRITTEN.lsn}`);
  });

  it('marks a fallback read without a session token too, with its real staleness', async () => {
    const res = await read('/v1/profile');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers[Header.readSource], 'stale-fallback');
    assert.equal(res.headers[Header.stalenessMs], '60000');
  });

  it('answers 503 with a stable code, not a stale value, for a command that does not allow stale fallback', async () => {
    // cart.summary: a 30 s bound, no staleFallback; both replicas are 60 s stale.
    const res = await read('/v1/cart/summary');
    const problem = assertProblem(res, 503, 'SETGATE_GW_NO_FRESH_REPLICA');
    assert.match(String(problem.detail), /30000 ms/);
    for (const n of [near, mid]) for (const r of n.received) assert.equal(r.headers[Header.maxStalenessMs], '30000');
  });

  it('serves a command without stale fallback from a replica within its bound, unmarked', async () => {
    mid.state.stalenessMs = 1000;
    const res = await read('/v1/cart/summary', session);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-setgate-set'], 'mid-a');
    assert.equal(res.headers[Header.readSource], undefined);
    assert.equal(res.headers[Header.stalenessMs], '1000');
  });
});

describe('routing: a write-point behind the session position', () => {
  let far: ContractNode;
  let near: ContractNode;
  let mid: ContractNode;
  let app: FastifyInstance;
  before(async () => {
    far = await startContractNode('far-a-1', { leader: true, position: { ...BEHIND } });
    near = await startContractNode('near-a-1', { position: { ...BEHIND } });
    mid = await startContractNode('mid-a-1', { position: { ...BEHIND } });
    app = buildGateway({ topology: multiRegionTopology({ near: near.port, mid: mid.port, far: far.port }, unshed), region: 'near', telemetry: testTelemetry() });
  });
  after(async () => {
    await app.close();
    await Promise.all([far.close(), near.close(), mid.close()]);
  });

  it('answers 409 with the gateway code when even the write-point has not reached the position', async () => {
    const sub = 'dave';
    const token = new SessionTokens(SESSION_SECRET).issue(new Map([[shardOf(sub, 4), WRITTEN]]));
    const res = await app.inject({ url: '/v1/cart', headers: { ...bearer(await signToken({ sub })), [Header.session]: token } });
    assertProblem(res, 409, 'SETGATE_GW_READ_BEHIND_SESSION');
    assert.equal(far.received[0]?.headers[Header.minPosition], `${WRITTEN.epoch}:${WRITTEN.lsn}`);
  });
});

describe('routing: a read re-planned after a 421 keeps the session position', () => {
  it('sends the position to the new write-point after the refresh', async () => {
    const old = await startContractNode('far-a-1', { leader: true, misdirected: true });
    const near = await startContractNode('near-a-1');
    const mid = await startContractNode('mid-a-1', { leader: true, position: { ...WRITTEN } });
    const ports = { near: near.port, mid: mid.port, far: old.port };
    const moved = multiRegionTopology(ports, (doc) => {
      unshed(doc);
      doc.version = 8;
      doc.placements = (doc.placements as Record<string, unknown>[]).map((p) => ({ ...p, leader: 'mid-a', epoch: 2 }));
    });
    const app = buildGateway({ topology: multiRegionTopology(ports, unshed), region: 'near', telemetry: testTelemetry(), reloadTopology: async () => moved });
    try {
      const sub = 'erin';
      const token = new SessionTokens(SESSION_SECRET).issue(new Map([[shardOf(sub, 4), WRITTEN]]));
      const res = await app.inject({ url: '/v1/cart', headers: { ...bearer(await signToken({ sub })), [Header.session]: token } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-setgate-set'], 'mid-a');
      assert.equal(old.received[0]?.headers[Header.minPosition], `${WRITTEN.epoch}:${WRITTEN.lsn}`);
      assert.equal(mid.received.at(-1)?.headers[Header.minPosition], `${WRITTEN.epoch}:${WRITTEN.lsn}`);
    } finally {
      await app.close();
      await Promise.all([old.close(), near.close(), mid.close()]);
    }
  });
});
