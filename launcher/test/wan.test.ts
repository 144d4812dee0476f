import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { RELAY_LOOPBACK, wanFromArgs, wanPlan } from '../src/wan.js';

describe('wanPlan: what the relay emulates for a topology', () => {
  const topology = loadTopologyFile(defaultTopologyPath());

  it('takes the RTT matrix both ways and every gateway, node and control-plane listener, never a proxy', () => {
    const plan = wanPlan(topology);
    assert.deepEqual(plan.regions, ['us-east', 'eu-west', 'ap-south']);
    assert.equal(plan.rttMs['us-east']?.['eu-west'], 75);
    assert.equal(plan.rttMs['ap-south']?.['us-east'], 190);
    const ports = new Set(plan.targets.map((t) => t.port));
    for (const r of topology.regions) for (const p of r.proxies) assert.ok(!ports.has(p.port) && !ports.has(p.adminPort), `${p.id} is relayed`);
    for (const s of topology.sets) for (const n of s.nodes) assert.ok(ports.has(n.port) && ports.has(n.adminPort), `${n.id} is not relayed`);
    const cp = plan.targets.filter((t) => t.port === topology.controlPlane?.port);
    assert.deepEqual(cp.map((t) => t.region), ['us-east']);
    assert.equal(plan.host, RELAY_LOOPBACK);
  });

  it('puts the control plane where it is told, and refuses an unknown region', () => {
    const plan = wanPlan(topology, { controlPlaneRegion: 'ap-south' });
    assert.equal(plan.targets.find((t) => t.port === topology.controlPlane?.port)?.region, 'ap-south');
    assert.throws(() => wanPlan(topology, { controlPlaneRegion: 'mars' }), /unknown control-plane region/);
  });

  it('reads --wan, --wan-jitter-ms and --wan-control-plane-region', () => {
    assert.equal(wanFromArgs([]), undefined);
    assert.deepEqual(wanFromArgs(['--wan', '--wan-jitter-ms', '5']), { jitterMs: 5 });
    assert.deepEqual(wanFromArgs(['--wan', '--wan-control-plane-region', 'eu-west']), { jitterMs: 0, controlPlaneRegion: 'eu-west' });
    assert.throws(() => wanFromArgs(['--wan', '--wan-jitter-ms', 'x']), /--wan-jitter-ms/);
  });
});
