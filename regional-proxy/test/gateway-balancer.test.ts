import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPool } from '@setgate/http-client';
import { type GatewayUpstream, RegionGateways } from '../src/gateway-balancer.js';
import { GatewayHealth } from '../src/health/gateway-health.js';

// Pools connect lazily; these are never used to send, only to satisfy the shape.
const pools = [createPool('http://127.0.0.1:9'), createPool('http://127.0.0.1:9'), createPool('http://127.0.0.1:9')];
after(() => Promise.all(pools.map((p) => p.close())));

function region(n: number): RegionGateways {
  const gateways: GatewayUpstream[] = pools.slice(0, n).map((pool, i) => ({
    id: `gw-${i + 1}`,
    region: 'us-east',
    url: 'http://127.0.0.1:9',
    healthUrl: 'http://127.0.0.1:9/_setgate/health',
    pool,
    // One failed request takes a gateway out: lets a test mark it down directly.
    health: new GatewayHealth(`gw-${i + 1}`, 'us-east', { healthyThreshold: 1, unhealthyThreshold: 1, passiveFailures: 1 }, () => {}),
    inFlight: 0,
    attributes: {},
  }));
  return new RegionGateways('us-east', gateways);
}

describe('RegionGateways', () => {
  it('breaks ties round-robin', () => {
    const r = region(3);
    const picked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const g = r.acquire();
      assert.ok(g);
      picked.push(g.id);
      r.release(g);
    }
    assert.deepEqual(picked, ['gw-1', 'gw-2', 'gw-3', 'gw-1', 'gw-2', 'gw-3']);
  });

  it('prefers the gateway with the fewest requests in flight', () => {
    const r = region(2);
    const busy = r.acquire();
    assert.ok(busy);
    for (let i = 0; i < 3; i++) {
      const g = r.acquire();
      assert.ok(g);
      assert.notEqual(g.id, busy.id);
      r.release(g);
    }
    assert.equal(busy.inFlight, 1);
  });

  it('skips the gateways already tried and returns undefined when none is left', () => {
    const r = region(2);
    const first = r.acquire();
    assert.ok(first);
    r.release(first);
    const other = r.acquire([first]);
    assert.ok(other);
    assert.notEqual(other.id, first.id);
    r.release(other);
    const lone = region(1);
    const only = lone.acquire();
    assert.ok(only);
    lone.release(only);
    assert.equal(lone.acquire([only]), undefined);
    assert.equal(only.inFlight, 0);
  });

  it('only hands out healthy gateways; the region is healthy while one is', () => {
    const r = region(2);
    const [a, b] = r.gateways as [GatewayUpstream, GatewayUpstream];
    a.health.requestFailed('connection');
    for (let i = 0; i < 3; i++) {
      const g = r.acquire();
      assert.equal(g?.id, b.id);
      if (g) r.release(g);
    }
    assert.equal(r.healthy, true);
    b.health.requestFailed('connection');
    assert.equal(r.acquire(), undefined);
    assert.equal(r.healthy, false);
    a.health.checkSucceeded();
    assert.equal(r.healthy, true);
    assert.equal(r.acquire()?.id, a.id);
  });
});
