import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack } from './harness.js';

/**
 * The gateway's read routing on real processes (proxies, gateways, nodes):
 * session tokens across regions, zero-staleness reads on the write-point,
 * bounded reads on the nearest replica. Needs the node side of the
 * read-freshness contract (packages/contracts/src/node-api.ts).
 */
describe('gateway read routing through three regions', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack?.close());

  async function put(region: string, auth: Record<string, string>, name: string, session?: string): Promise<string> {
    const res = await request(`${stack.entry(region)}/v1/profile`, {
      method: 'PUT',
      body: JSON.stringify({ displayName: name, locale: 'en-GB' }),
      headers: { ...auth, 'content-type': 'application/json', ...(session ? { [Header.session]: session } : {}) },
    });
    const text = await res.body.text();
    assert.equal(res.statusCode < 300, true, text);
    const token = res.headers[Header.session];
    assert.equal(typeof token, 'string', 'a write returns a session token');
    return token as string;
  }

  it('a client that writes through one region and reads through another with its token always sees its write', async () => {
    const auth = { authorization: `Bearer ${await stack.token(`ryw-${Date.now()}`)}` };
    let session: string | undefined;
    for (let i = 0; i < 10; i++) {
      const name = `Ada ${i}`;
      const token: string = await put('us-east', auth, name, session);
      session = token;
      for (const region of ['eu-west', 'ap-south']) {
        const get = await request(`${stack.entry(region)}/v1/profile`, { headers: { ...auth, [Header.session]: token } });
        const body = await get.body.text();
        assert.equal(get.statusCode, 200, body);
        assert.equal(body.includes(name), true, `read ${i} through ${region} (served by ${get.headers[Header.set]}): ${body}`);
      }
    }
  });

  it('a read of a command with zero staleness goes to the write-point', async () => {
    const sub = `zero-${Date.now()}`;
    const auth = { authorization: `Bearer ${await stack.token(sub)}` };
    const writePoint = stack.view.writePoint(shardOf(sub, stack.view.shardCount));
    const res = await request(`${stack.entry('ap-south')}/v1/cart`, { headers: auth });
    await res.body.dump();
    assert.equal(res.statusCode < 500, true);
    assert.equal(res.headers[Header.set], writePoint.set);
    assert.equal(res.headers[Header.stalenessMs], undefined, 'no staleness from the write-point');
  });

  it('a read with a staleness bound goes to the nearest replica within it', async () => {
    const sub = `near-${Date.now()}`;
    const auth = { authorization: `Bearer ${await stack.token(sub)}` };
    await put('us-east', auth, 'Grace');
    const shard = shardOf(sub, stack.view.shardCount);
    const writePoint = stack.view.writePoint(shard);
    // The nearest replica from a region other than the write-point's, and not the write-point itself.
    const region = stack.view.regionNames().find((r) => r !== writePoint.region) as string;
    const nearest = stack.view.replicasByDistance(shard, region)[0];
    assert.ok(nearest && nearest.id !== writePoint.id, 'the topology has a replica nearer than the write-point');
    // Replicas catch up asynchronously; within the bound (5 s) the nearest one must be used.
    let served: unknown;
    for (let i = 0; i < 50; i++) {
      const res = await request(`${stack.entry(region)}/v1/profile`, { headers: auth });
      await res.body.dump();
      served = res.headers[Header.set];
      if (served === nearest.set) {
        assert.equal(typeof res.headers[Header.stalenessMs], 'string', 'a replica answer says how stale it is');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`bounded reads through ${region} were served by ${String(served)}, not the nearest replica ${nearest.set}`);
  });
});
