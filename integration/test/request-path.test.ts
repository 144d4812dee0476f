import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack } from './harness.js';

/** The whole path on real processes: regional proxy → gateway → set-runtime node → LMDB. */
describe('request path through three regions', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack?.close());

  const json = (body: unknown) => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

  it('writes through us-east and reads the same key through ap-south', async () => {
    const sub = `user-${Date.now()}`;
    const auth = { authorization: `Bearer ${await stack.token(sub)}` };
    const put = await request(`${stack.entry('us-east')}/v1/profile`, {
      method: 'PUT',
      ...json({ displayName: 'Ada Lovelace', locale: 'en-GB' }),
      headers: { ...auth, 'content-type': 'application/json' },
    });
    const created = await put.body.text();
    assert.equal(put.statusCode, 201, created); // the first PUT creates the profile
    assert.equal(put.headers.etag, `"${JSON.parse(created).version}"`);

    // The write's session token makes any region's replica serve at least this write.
    const session = put.headers['setgate-session'];
    assert.equal(typeof session, 'string');
    const get = await request(`${stack.entry('ap-south')}/v1/profile`, {
      headers: { ...auth, 'setgate-session': session as string },
    });
    const body = (await get.body.json()) as Record<string, unknown>;
    assert.equal(get.statusCode, 200);
    assert.equal(JSON.stringify(body).includes('Ada Lovelace'), true, JSON.stringify(body));

    const shard = shardOf(sub, stack.view.shardCount);
    const localReplica = stack.view.replicaNodes(shard).find((n) => n.region === 'ap-south');
    assert.ok(localReplica, 'every shard has a replica in ap-south');
    assert.equal(get.headers['x-setgate-region'], 'ap-south', 'the ap-south gateway served it');
    assert.equal(get.headers['x-setgate-entry-region'], 'ap-south');
    assert.equal(get.headers['x-setgate-shard'], String(shard));
    // profile.get tolerates 5 s of staleness: the nearest replica serves it, unless it lags the token.
    const servedBy = get.headers['x-setgate-set'];
    assert.ok(
      servedBy === localReplica.set || servedBy === stack.view.writePoint(shard).set,
      `served by ${String(servedBy)}`,
    );
  });

  it('adds cart items in one region and sees them from another', async () => {
    const auth = { authorization: `Bearer ${await stack.token(`cart-${Date.now()}`)}` };
    for (const item of [
      { sku: 'book-1', qty: 1, priceCents: 1299 },
      { sku: 'pen-2', qty: 3, priceCents: 150 },
      { sku: 'book-1', qty: 1, priceCents: 1299 },
    ]) {
      const res = await request(`${stack.entry('eu-west')}/v1/cart/items`, {
        method: 'POST',
        body: JSON.stringify(item),
        headers: { ...auth, 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode < 300, true, await res.body.text());
      await res.body.dump();
    }
    const cart = await request(`${stack.entry('us-east')}/v1/cart`, { headers: auth });
    const body = (await cart.body.json()) as { items: Array<{ sku: string; qty: number }> };
    assert.equal(cart.statusCode, 200);
    assert.deepEqual(
      body.items.map((i) => [i.sku, i.qty]).sort(),
      [
        ['book-1', 2],
        ['pen-2', 3],
      ],
    );
  });

  it('ignores internal headers a client sends', async () => {
    const sub = `forger-${Date.now()}`;
    const res = await request(`${stack.entry('us-east')}/v1/cart`, {
      headers: {
        authorization: `Bearer ${await stack.token(sub)}`,
        'x-setgate-shard': '63',
        'x-setgate-key': 'someone-else',
        'x-setgate-subject': 'admin',
      },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-setgate-shard'], String(shardOf(sub, stack.view.shardCount)));
    await res.body.dump();
  });

  for (const [name, headers] of [
    ['no token', {}],
    ['a malformed token', { authorization: 'Bearer not.a.jwt' }],
    ['a wrong scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
  ] as const) {
    it(`answers ${name} with a 401 problem`, async () => {
      const res = await request(`${stack.entry('us-east')}/v1/cart`, { headers });
      assert.equal(res.statusCode, 401);
      assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
      const p = (await res.body.json()) as { code: string; status: number };
      assert.equal(p.status, 401);
      assert.match(p.code, /^SETGATE_GW_/);
    });
  }

  it('answers a token signed with another secret with 401', async () => {
    const good = await stack.token('mallory');
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    const res = await request(`${stack.entry('eu-west')}/v1/cart`, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(res.statusCode, 401);
    await res.body.dump();
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await request(`${stack.entry('us-east')}/v1/nothing-here`, {
      headers: { authorization: `Bearer ${await stack.token('u')}` },
    });
    assert.equal(res.statusCode, 404);
    assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
    assert.equal(((await res.body.json()) as { status: number }).status, 404);
  });

  it('answers a body over the limit with 413 and stores nothing', async () => {
    const sub = `big-${Date.now()}`;
    const auth = { authorization: `Bearer ${await stack.token(sub)}` };
    const res = await request(`${stack.entry('us-east')}/v1/profile`, {
      method: 'PUT',
      body: JSON.stringify({ displayName: 'x'.repeat(stack.topology.limits?.bodyLimitBytes ?? 65536) }),
      headers: { ...auth, 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 413);
    assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
    await res.body.dump();
    const after = await request(`${stack.entry('us-east')}/v1/profile`, { headers: auth });
    assert.equal(after.statusCode, 404);
    await after.body.dump();
  });

  it('answers with a request id and never a stack trace', async () => {
    const res = await request(`${stack.entry('us-east')}/v1/profile`, {
      method: 'PUT',
      body: '{"displayName":',
      headers: { authorization: `Bearer ${await stack.token('u2')}`, 'content-type': 'application/json' },
    });
    const text = await res.body.text();
    assert.equal(res.statusCode, 400, text);
    assert.ok(res.headers['x-request-id']);
    assert.ok(!/\bat .*\.ts:\d+/.test(text), text);
  });
});
