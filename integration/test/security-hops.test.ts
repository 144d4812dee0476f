import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { signDevToken, type Stack, startStack } from '@setgate/launcher';
import { shardOf, type TopologyView } from '@setgate/topology';
import { request } from 'undici';
import { freshTopology } from './harness.js';

/**
 * Trust boundaries, class 2 ("nodes trust the network"), on real processes: every hop
 * inside setgate authenticates its caller with the stack's hop secret. The stack runs
 * with a rotated secret: CURRENT is sent, PREVIOUS is still accepted, RETIRED (the one
 * before) is refused like any wrong secret.
 */
const CURRENT = randomBytes(24).toString('base64url');
const PREVIOUS = randomBytes(24).toString('base64url');
const RETIRED = randomBytes(24).toString('base64url');

const REGION = 'us-east';
const PROXY = 'us-east-proxy-1';
const GATEWAY = 'us-east-gw-1';
const LEADER = 'us-east-a-1';
const FOLLOWER = 'eu-west-b-1';
const READY_TIMEOUT_MS = 180_000;

/** A subject whose shard is led by LEADER (and followed by FOLLOWER). */
function subjectLedBy(view: TopologyView, node: string, prefix: string): { sub: string; shard: number } {
  for (let n = 0; n < 100_000; n++) {
    const sub = `${prefix}${n}`;
    const shard = shardOf(sub, view.shardCount);
    if (view.writePoint(shard).id === node) return { sub, shard };
  }
  throw new Error(`no subject led by ${node}`);
}

describe('authenticated hops (real processes)', () => {
  let stack: Stack;
  let cleanup = () => {};
  const started = new Set([PROXY, GATEWAY, LEADER, FOLLOWER]);

  before(async () => {
    const t = await freshTopology((doc) => {
      const regions = doc.regions as Array<{ name: string; gateways: Array<{ id: string }> }>;
      const r = regions.find((x) => x.name === REGION);
      if (r) r.gateways = r.gateways.filter((g) => g.id === GATEWAY);
      // Only some nodes run: a shard acknowledges on its write-point's own append.
      for (const p of doc.placements as Array<Record<string, unknown>>) Object.assign(p, { mode: 'async', minInsync: 0 });
    });
    cleanup = t.cleanup;
    try {
      stack = await startStack({
        configPath: t.configPath,
        dataDir: join(t.dir, 'data'),
        logDir: join(t.dir, 'logs'),
        only: (i) => started.has(i.id),
        readyTimeoutMs: READY_TIMEOUT_MS,
        env: { SETGATE_INTERNAL_TOKEN: CURRENT, SETGATE_INTERNAL_TOKEN_PREVIOUS: PREVIOUS },
      });
    } catch (err) {
      cleanup();
      throw err;
    }
  });
  after(async () => {
    await stack?.stop();
    cleanup();
  });

  const token = (sub: string) => signDevToken(stack.topology, { sub });

  /** The node headers a gateway asserts for a profile command, plus `extra`. */
  function asserted(sub: string, shard: number, extra: Record<string, string> = {}): Record<string, string> {
    return {
      'x-setgate-key': sub,
      'x-setgate-shard': String(shard),
      'x-setgate-epoch': String(stack.view.placement(shard).epoch),
      'x-setgate-subject': sub,
      'x-setgate-command': 'profile.put',
      'x-setgate-config-version': String(stack.topology.version),
      ...extra,
    };
  }

  async function expectRefused(res: Awaited<ReturnType<typeof request>>, code: string): Promise<void> {
    const text = await res.body.text();
    assert.equal(res.statusCode, 401, text);
    assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE), String(res.headers['content-type']));
    assert.equal((JSON.parse(text) as { code: string }).code, code, text);
  }

  it("refuses a node's traffic port without the hop secret, with a wrong one and with a retired one; nothing is written", async () => {
    const { sub, shard } = subjectLedBy(stack.view, LEADER, 'hop-node-');
    const node = stack.url(LEADER);
    const path = `/cmd/profile/${encodeURIComponent(sub)}`;
    const body = JSON.stringify({ displayName: 'Mallory' });
    for (const authorization of [undefined, `Bearer ${RETIRED}`, `Bearer ${CURRENT}x`, CURRENT, 'Bearer ']) {
      const headers = asserted(sub, shard, { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) });
      await expectRefused(await request(`${node}${path}`, { method: 'PUT', headers, body }), 'SETGATE_NODE_HOP_UNAUTHENTICATED');
      await expectRefused(await request(`${node}${path}`, { headers }), 'SETGATE_NODE_HOP_UNAUTHENTICATED');
      await expectRefused(await request(`${node}/state/${shard}/${encodeURIComponent(sub)}`, { method: 'PUT', headers, body }), 'SETGATE_NODE_HOP_UNAUTHENTICATED');
    }
    // Read through the proper path: the refused writes never reached a handler.
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const read = await request(`${stack.url(PROXY)}/v1/profile`, { headers: auth });
    const text = await read.body.text();
    assert.equal(read.statusCode, 404, text);
    assert.equal(read.headers['x-setgate-node'], LEADER, 'the write-point itself said there is no profile');
  });

  it('serves the whole path (proxy → gateway → node) and a caller holding the current or the previous secret', async () => {
    const { sub, shard } = subjectLedBy(stack.view, LEADER, 'hop-path-');
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const put = await request(`${stack.url(PROXY)}/v1/profile`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Ada' }),
    });
    assert.equal(put.statusCode, 201, await put.body.text());
    for (const secret of [CURRENT, PREVIOUS]) {
      const res = await request(`${stack.url(LEADER)}/cmd/profile/${encodeURIComponent(sub)}`, {
        headers: asserted(sub, shard, { authorization: `Bearer ${secret}`, 'x-setgate-command': 'profile.get' }),
      });
      const text = await res.body.text();
      assert.equal(res.statusCode, 200, text);
      assert.match(text, /Ada/);
    }
  });
});
