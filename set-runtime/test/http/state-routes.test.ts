import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Header, type MisdirectedProblem } from '@setgate/contracts';
import { assertProblem, assertShardHeaders, injector } from '../helpers/inject.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { keyInShard } from '../helpers/topology.js';

const east = { node: 'east-a-1', set: 'east-a', region: 'us-east' };

describe('raw state API on the write-point', () => {
  let t: TestNode;
  before(() => {
    t = startTestNode('east-a-1');
  });
  after(() => t.cleanup());
  const inject = injector(() => t.node.app);

  it('creates, reads, replaces and deletes a value with versions, ETags and shard headers', async () => {
    const key = keyInShard(0, 'crud');
    const url = `/state/0/${key}`;
    const created = await inject({ method: 'PUT', url, payload: { color: 'red' } });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), { key, value: { color: 'red' }, version: 1 });
    assert.equal(created.headers.etag, '"1"');
    assertShardHeaders(created, { ...east, shard: 0, epoch: 1, lsn: 1 });

    const read = await inject({ method: 'GET', url });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), { key, value: { color: 'red' }, version: 1 });
    assert.equal(read.headers.etag, '"1"');
    assertShardHeaders(read, { ...east, shard: 0, epoch: 1, lsn: 1 });

    const replaced = await inject({ method: 'PUT', url, payload: [1, 2, 3] });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual(replaced.json(), { key, value: [1, 2, 3], version: 2 });

    const deleted = await inject({ method: 'DELETE', url });
    assert.equal(deleted.statusCode, 204);
    assertShardHeaders(deleted, { ...east, shard: 0, epoch: 1, lsn: 3 });
    assertProblem(await inject({ method: 'GET', url }), 404, 'SETGATE_NODE_KEY_NOT_FOUND');
    assertProblem(await inject({ method: 'DELETE', url }), 404, 'SETGATE_NODE_KEY_NOT_FOUND');
  });

  it('stores a JSON null as a value, but refuses a missing body', async () => {
    const url = `/state/0/${keyInShard(0, 'null')}`;
    const res = await inject({ method: 'PUT', url, headers: { 'content-type': 'application/json' }, payload: 'null' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().value, null);
    assertProblem(await inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'nobody')}` }), 400, 'SETGATE_NODE_INVALID_REQUEST');
  });

  it('If-Match compare-and-set: applies on the current version, 412 with the current version otherwise', async () => {
    const url = `/state/0/${keyInShard(0, 'cas')}`;
    const v1 = (await inject({ method: 'PUT', url, payload: { n: 1 } })).json().version as number;
    const ok = await inject({ method: 'PUT', url, payload: { n: 2 }, headers: { 'if-match': `"${v1}"` } });
    assert.equal(ok.statusCode, 200);
    const v2 = ok.json().version as number;
    const stale = await inject({ method: 'PUT', url, payload: { n: 3 }, headers: { 'if-match': `"${v1}"` } });
    const problem = assertProblem(stale, 412, 'SETGATE_NODE_PRECONDITION_FAILED');
    assert.equal(problem.currentVersion, v2);
    assert.equal(stale.headers.etag, `"${v2}"`);
    const del = await inject({ method: 'DELETE', url, headers: { 'if-match': `"${v1}"` } });
    assertProblem(del, 412, 'SETGATE_NODE_PRECONDITION_FAILED');
    assert.equal((await inject({ method: 'GET', url })).json().value.n, 2);
  });

  it('If-None-Match: * creates only; If-Match: * requires the key', async () => {
    const url = `/state/0/${keyInShard(0, 'create-only')}`;
    assertProblem(
      await inject({ method: 'PUT', url, payload: { n: 1 }, headers: { 'if-match': '*' } }),
      412,
      'SETGATE_NODE_PRECONDITION_FAILED',
    );
    const created = await inject({ method: 'PUT', url, payload: { n: 1 }, headers: { 'if-none-match': '*' } });
    assert.equal(created.statusCode, 201);
    const again = await inject({ method: 'PUT', url, payload: { n: 2 }, headers: { 'if-none-match': '*' } });
    assert.equal(assertProblem(again, 412, 'SETGATE_NODE_PRECONDITION_FAILED').currentVersion, created.json().version);
    assert.equal(again.headers[Header.lsn], created.headers[Header.lsn], 'a refused write reports the applied LSN');
  });

  it('refuses malformed precondition, epoch and idempotency headers with 400', async () => {
    const url = `/state/0/${keyInShard(0, 'headers')}`;
    for (const headers of [
      { 'if-match': 'v1' },
      { 'if-none-match': '"3"' },
      { 'if-match': '"1"', 'if-none-match': '*' },
      { [Header.epoch]: 'one' },
      { [Header.idempotencyKey]: 'has space' },
    ]) {
      const res = await inject({ method: 'PUT', url, payload: { n: 1 }, headers });
      assert.equal(assertProblem(res, 400, 'SETGATE_NODE_BAD_HEADER').header !== undefined, true);
    }
  });

  it('refuses a key that breaks the one shard-key rule, and a malformed path, with a 400 problem', async () => {
    for (const key of ['a%20b', '%CE%A9', '%07', 'k'.repeat(256), '%C3%A9'.repeat(400)]) {
      const res = await inject({ method: 'GET', url: `/state/0/${key}` });
      assert.equal(res.statusCode, 400, `${key.slice(0, 20)}: ${res.body}`);
      assert.equal(String(res.headers['content-type']).split(';')[0], 'application/problem+json', key.slice(0, 20));
    }
    assertProblem(await inject({ method: 'GET', url: '/state/0/%zz' }), 400, 'SETGATE_BAD_REQUEST');
    // At the rule's edge (255 latin1 characters, percent-encoded as UTF-8), a key is served.
    const edge = keyInShard(0, 'é'.repeat(240));
    assert.equal((await inject({ method: 'PUT', url: `/state/0/${encodeURIComponent(edge)}`, payload: { ok: true } })).statusCode, 201);
  });

  it('400 when the path names a shard other than shardOf(key)', async () => {
    const key = keyInShard(0, 'wrong');
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await inject({ method, url: `/state/4/${key}`, payload: method === 'PUT' ? { n: 1 } : undefined });
      assert.equal(assertProblem(res, 400, 'SETGATE_NODE_WRONG_SHARD').shard, 0);
    }
    assertProblem(await inject({ method: 'GET', url: `/state/x/${key}` }), 400, 'SETGATE_NODE_INVALID_REQUEST');
  });

  it('421 with the owner and config version for a shard this node does not hold', async () => {
    const key = keyInShard(1, 'elsewhere');
    for (const method of ['GET', 'PUT'] as const) {
      const res = await inject({ method, url: `/state/1/${key}`, payload: method === 'PUT' ? { n: 1 } : undefined });
      const p = assertProblem(res, 421, 'SETGATE_NODE_SHARD_NOT_HELD') as unknown as MisdirectedProblem;
      assert.equal(p.shard, 1);
      assert.equal(p.configVersion, 7);
      assert.deepEqual(p.owner, { shard: 1, set: 'west-a', node: 'west-a-1', url: 'http://127.0.0.1:9220', epoch: 1 });
      assert.equal(res.headers[Header.configVersion], '7');
      assert.equal(res.headers[Header.node], 'east-a-1');
    }
  });

  it('409 when the request carries an epoch older than the shard (reads and writes)', async () => {
    const key = keyInShard(2, 'fenced');
    for (const method of ['GET', 'PUT'] as const) {
      const res = await inject({
        method,
        url: `/state/2/${key}`,
        payload: method === 'PUT' ? { n: 1 } : undefined,
        headers: { [Header.epoch]: '2' },
      });
      const p = assertProblem(res, 409, 'SETGATE_NODE_STALE_EPOCH');
      assert.equal(p.epoch, 3);
      assert.equal(res.headers[Header.epoch], '3');
    }
    const current = await inject({ method: 'PUT', url: `/state/2/${key}`, payload: { n: 1 }, headers: { [Header.epoch]: '3' } });
    assert.equal(current.statusCode, 201);
    assertShardHeaders(current, { ...east, shard: 2, epoch: 3, lsn: 1 });
    assert.deepEqual(t.node.store.shard(2).epochHistory(), [{ epoch: 3, startLsn: 1 }]);
  });

  it('replays a retried write with the same idempotency key, 422 when the key is reused for another body', async () => {
    const url = `/state/0/${keyInShard(0, 'idem')}`;
    const headers = { [Header.idempotencyKey]: 'req-123' };
    const first = await inject({ method: 'PUT', url, payload: { a: 1 }, headers });
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers[Header.replayed], undefined);
    const retry = await inject({ method: 'PUT', url, payload: { a: 1 }, headers });
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers[Header.replayed], 'true');
    assert.deepEqual(retry.json(), first.json());
    assert.equal(retry.headers[Header.lsn], first.headers[Header.lsn]);
    assertProblem(await inject({ method: 'PUT', url, payload: { a: 2 }, headers }), 422, 'SETGATE_NODE_IDEMPOTENCY_CONFLICT');
  });

  it('413 for a body over the limit, 415 for a non-JSON body', async () => {
    const url = `/state/0/${keyInShard(0, 'big')}`;
    assertProblem(await inject({ method: 'PUT', url, payload: { blob: 'x'.repeat(5000) } }), 413, 'SETGATE_BODY_TOO_LARGE');
    const text = await inject({ method: 'PUT', url, headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    assertProblem(text, 415, 'SETGATE_UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await inject({ method: 'GET', url }), 404, 'SETGATE_NODE_KEY_NOT_FOUND');
  });

  it('reads and writes a command document through ?collection=', async () => {
    const key = keyInShard(0, 'coll');
    const put = await inject({ method: 'PUT', url: `/state/0/${key}?collection=cart`, payload: { items: [] } });
    assert.equal(put.statusCode, 201);
    assertProblem(await inject({ method: 'GET', url: `/state/0/${key}` }), 404, 'SETGATE_NODE_KEY_NOT_FOUND');
    assert.deepEqual((await inject({ method: 'GET', url: `/cmd/cart/${key}` })).json(), { items: [], version: put.json().version });
    assertProblem(await inject({ method: 'GET', url: `/state/0/${key}?collection=Bad!` }), 400, 'SETGATE_NODE_INVALID_REQUEST');
  });
});

describe('raw state API on replicas that are not the write-point', () => {
  let follower: TestNode;
  before(() => {
    // east-a-2 shares east-a with the write-point east-a-1: it holds the even shards but leads none.
    follower = startTestNode('east-a-2');
  });
  after(() => follower.cleanup());

  it('421 for a write, naming the write-point', async () => {
    const key = keyInShard(0, 'follower');
    for (const method of ['PUT', 'DELETE'] as const) {
      const res = await follower.node.app.inject({ method, url: `/state/0/${key}`, payload: method === 'PUT' ? { n: 1 } : undefined });
      const p = assertProblem(res, 421, 'SETGATE_NODE_NOT_WRITE_POINT') as unknown as MisdirectedProblem;
      assert.equal(p.owner?.node, 'east-a-1');
      assert.equal(p.owner?.url, 'http://127.0.0.1:9120');
      assert.equal(p.configVersion, 7);
    }
    assert.equal(follower.node.store.shard(0).position().lsn, 0);
  });

  it('serves a read from the local replica with its applied LSN', async () => {
    const key = keyInShard(0, 'replicated');
    // Stands in for replication: the entry lands in the follower's own store.
    await follower.node.store.shard(0).write({ collection: 'kv', key, epoch: 1, decide: () => ({ op: 'put', value: 'r' }) });
    const res = await follower.node.app.inject({ method: 'GET', url: `/state/0/${key}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().value, 'r');
    assertShardHeaders(res, { node: 'east-a-2', set: 'east-a', region: 'us-east', shard: 0, epoch: 1, lsn: 1 });
  });
});
