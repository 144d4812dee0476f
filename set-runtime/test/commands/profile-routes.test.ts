import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import { assertProblem, assertShardHeaders, injector } from '../helpers/inject.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { keyInShard } from '../helpers/topology.js';

describe('profile commands', () => {
  let t: TestNode;
  before(() => {
    t = startTestNode('east-a-1');
  });
  after(() => t.cleanup());
  const inject = injector(() => t.node.app);

  it('404 before a profile exists, then PUT creates and GET reads it with its ETag', async () => {
    const key = keyInShard(0, 'alice');
    const url = `/cmd/profile/${key}`;
    assertProblem(await inject({ method: 'GET', url }), 404, 'SETGATE_NODE_KEY_NOT_FOUND');
    const profile = { displayName: 'Alice', email: 'alice@example.com', locale: 'en-GB' };
    const put = await inject({ method: 'PUT', url, payload: profile });
    assert.equal(put.statusCode, 201);
    assert.deepEqual(put.json(), { ...profile, version: 1 });
    assert.equal(put.headers.etag, '"1"');
    assertShardHeaders(put, { node: 'east-a-1', set: 'east-a', region: 'us-east', shard: 0, epoch: 1, lsn: 1 });
    const get = await inject({ method: 'GET', url });
    assert.equal(get.statusCode, 200);
    assert.deepEqual(get.json(), { ...profile, version: 1 });
    assert.equal(get.headers.etag, '"1"');
    const replaced = await inject({ method: 'PUT', url, payload: { displayName: 'Al' } });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual(replaced.json(), { displayName: 'Al', version: 2 }, 'a PUT replaces the whole profile');
  });

  it('honours If-Match: 412 with the current version on a mismatch', async () => {
    const url = `/cmd/profile/${keyInShard(0, 'bob')}`;
    const v = (await inject({ method: 'PUT', url, payload: { displayName: 'Bob' } })).json().version as number;
    const ok = await inject({ method: 'PUT', url, payload: { displayName: 'Bobby' }, headers: { 'if-match': `"${v}"` } });
    assert.equal(ok.statusCode, 200);
    const stale = await inject({ method: 'PUT', url, payload: { displayName: 'Robert' }, headers: { 'if-match': `"${v}"` } });
    assert.equal(assertProblem(stale, 412, 'SETGATE_NODE_PRECONDITION_FAILED').currentVersion, ok.json().version);
    assert.equal((await inject({ method: 'GET', url })).json().displayName, 'Bobby');
  });

  it('400 naming the field for every invalid body', async () => {
    const url = `/cmd/profile/${keyInShard(0, 'carol')}`;
    const cases: Array<[unknown, string]> = [
      [{}, 'displayName'],
      [{ displayName: '' }, 'displayName'],
      [{ displayName: 'x'.repeat(101) }, 'displayName'],
      [{ displayName: 42 }, 'displayName'],
      [{ displayName: 'C', email: 'not-an-email' }, 'email'],
      [{ displayName: 'C', locale: 'english please' }, 'locale'],
      [{ displayName: 'C', admin: true }, 'admin'],
    ];
    for (const [payload, field] of cases) {
      const res = await inject({ method: 'PUT', url, payload: payload as object });
      const p = assertProblem(res, 400, 'SETGATE_NODE_INVALID_REQUEST');
      assert.equal(p.field, field, JSON.stringify(payload));
      assert.equal(p.location, 'body');
      assert.match(String(p.detail), new RegExp(`body\\.${field}`));
    }
    assertProblem(await inject({ method: 'GET', url }), 404, 'SETGATE_NODE_KEY_NOT_FOUND');
  });

  it('a stale epoch is fenced and a non-held shard is misdirected', async () => {
    const fenced = await inject({
      method: 'PUT',
      url: `/cmd/profile/${keyInShard(2, 'dave')}`,
      payload: { displayName: 'Dave' },
      headers: { [Header.epoch]: '1' },
    });
    assert.equal(assertProblem(fenced, 409, 'SETGATE_NODE_STALE_EPOCH').epoch, 3);
    const away = await inject({ method: 'GET', url: `/cmd/profile/${keyInShard(3, 'erin')}` });
    assert.equal((assertProblem(away, 421, 'SETGATE_NODE_SHARD_NOT_HELD').owner as { node: string }).node, 'west-a-1');
  });
});
