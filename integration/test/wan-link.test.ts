import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { signDevToken, type Stack, startStack } from '@setgate/launcher';
import { shardOf, type TopologyView } from '@setgate/topology';
import { request } from 'undici';
import { freshTopology } from './harness.js';

/**
 * WAN emulation on real processes: the relay between regions adds the RTT
 * matrix's delay to a cross-region hop, and a partition cuts two regions apart
 * while each keeps serving what it holds itself. Gateways are called directly
 * so that no regional proxy fails over around the cut.
 */
describe('WAN emulation: a stack whose regions are an RTT apart', () => {
  let stack: Stack;
  let cleanup: () => void = () => {};
  let view: TopologyView;
  // Both away from the control plane's region (us-east), so the cut leaves leases and failover alone.
  const near = 'eu-west';
  const far = 'ap-south';

  before(async () => {
    const t = await freshTopology();
    cleanup = t.cleanup;
    stack = await startStack({ configPath: t.configPath, dataDir: join(t.dir, 'data'), logDir: join(t.dir, 'logs'), wan: true, readyTimeoutMs: 300_000 });
    view = stack.view;
  });
  after(async () => {
    await stack?.stop();
    cleanup();
  });

  /** A subject whose shard's write-point is in `region`. */
  const subjectLedFrom = (region: string): string => {
    for (let i = 0; ; i++) {
      const sub = `wan-user-${region}-${i}`;
      if (view.writePoint(shardOf(sub, stack.topology.shardCount)).region === region) return sub;
    }
  };
  const gateway = (region: string) => stack.url(view.gatewaysOf(region)[0]?.id ?? '');
  const rtt = (a: string, b: string) => stack.topology.rtt.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))?.ms ?? 0;

  /** GET /v1/cart (served by the write-point only) through a gateway; status and elapsed ms. */
  const readCart = async (region: string, sub: string): Promise<{ status: number; ms: number; node: unknown; body: string }> => {
    const token = await signDevToken(stack.topology, { sub });
    const started = performance.now();
    const res = await request(`${gateway(region)}/v1/cart`, { headers: { authorization: `Bearer ${token}` }, headersTimeout: 30_000 });
    const body = await res.body.text();
    return { status: res.statusCode, ms: performance.now() - started, node: res.headers['x-setgate-node'], body: body.slice(0, 300) };
  };

  it('a read served by a write-point in another region pays at least that RTT', async (t) => {
    const sub = subjectLedFrom(far);
    await readCart(near, sub); // warms the gateway's pool (its connect costs an RTT of its own)
    const { status, ms, node, body } = await readCart(near, sub);
    assert.equal(status, 200, body);
    t.diagnostic(`cross-region read ${near} → ${far}: ${ms.toFixed(1)} ms (RTT ${rtt(near, far)} ms)`);
    assert.equal(view.node(String(node))?.region, far);
    assert.ok(ms >= rtt(near, far), `the cross-region read took ${ms.toFixed(1)} ms, less than the ${rtt(near, far)} ms RTT`);
    const status2 = await stack.wan?.admin().status();
    assert.ok((status2?.traffic.bytes ?? 0) > 0, 'nothing crossed the relay');
  });

  it('a sync write through the write-point\'s own region waits for a replica in another region', async (t) => {
    const sub = subjectLedFrom(near);
    const shard = shardOf(sub, stack.topology.shardCount);
    const placement = stack.topology.placements.find((p) => p.shard === shard);
    const replicaRegions = (placement?.replicas ?? []).map((set) => stack.topology.sets.find((x) => x.name === set)?.region).filter((r) => r && r !== near) as string[];
    const nearest = Math.min(...replicaRegions.map((r) => rtt(near, r)));
    const token = await signDevToken(stack.topology, { sub });
    const put = async (n: number) => {
      const started = performance.now();
      const res = await request(`${gateway(near)}/v1/profile`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: `wan-${n}` }),
        headersTimeout: 30_000,
      });
      const body = await res.body.text();
      return { status: res.statusCode, ms: performance.now() - started, body };
    };
    // The write-point's lease is renewed across the WAN (the control plane is in us-east); on a busy
    // machine a renewal can come late and a write is refused with 503 until the next one: try again.
    let w = await put(0);
    const deadline = Date.now() + 60_000;
    let refused = 0;
    for (let n = 1; n < 3 || (w.status >= 500 && Date.now() < deadline); n++) {
      w = await put(n);
      if (w.status >= 500) refused++;
    }
    t.diagnostic(`writes refused before the measured one: ${refused}`);
    assert.ok(w.status === 200 || w.status === 201, `${w.status} ${w.body.slice(0, 300)}`);
    t.diagnostic(`sync write in ${near} (mode ${placement?.mode}, minInsync ${placement?.minInsync}): ${w.ms.toFixed(1)} ms; nearest replica region RTT ${nearest} ms`);
    if (placement?.mode === 'sync') assert.ok(w.ms >= nearest, `the sync write took ${w.ms.toFixed(1)} ms, less than the ${nearest} ms RTT to the nearest replica region`);
  });

  it('a partition fails cross-region calls while same-region ones work; heal restores them', async () => {
    const admin = stack.wan?.admin();
    assert.ok(admin);
    const crossing = subjectLedFrom(far);
    const local = subjectLedFrom(near);
    const before = await readCart(near, crossing);
    assert.equal(before.status, 200, before.body);
    await admin.partition(near, far, { mode: 'reset' });
    try {
      const cut = await readCart(near, crossing);
      assert.ok(cut.status >= 500, `a read across the cut answered ${cut.status}`);
      const same = await readCart(near, local);
      assert.equal(same.status, 200, `a same-region read failed during the partition: ${same.body}`);
      assert.equal(view.node(String(same.node))?.region, near);
    } finally {
      await admin.heal();
    }
    // The gateway may have ejected the far node for a while: wait for it to be used again.
    const deadline = Date.now() + 60_000;
    let last = 0;
    while (Date.now() < deadline) {
      last = (await readCart(near, crossing)).status;
      if (last === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(last, 200, 'the cross-region read did not recover after heal');
  });
});
