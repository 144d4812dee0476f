import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.js';
import { bearer, signToken } from '../helpers/tokens.js';
import { testTopology } from '../helpers/topology.js';
import { closedPort, type FakeNode, startFakeNode } from '../helpers/upstream.js';

const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
type Priority = (typeof PRIORITIES)[number];
const URL_OF: Record<Priority, string> = { critical: '/v1/profile', high: '/v1/tenant', normal: '/v1/search?account=a', low: '/v1/orders/o-1' };
const COMMAND_PRIORITY: Record<string, Priority> = { 'profile.get': 'critical', 'tenant.get': 'high', 'search.get': 'normal', 'order.get': 'low' };

/** Admission lets 24 requests in flight before shedding; clients keep 72 in flight (3×), a quarter per priority. */
const MAX_IN_FLIGHT = 24;
const CLIENTS_PER_PRIORITY = 18;
const REQUESTS_PER_CLIENT = 40;
const NODE_DELAY_MS = 15;

describe('overload through a gateway process: mixed priorities at 3× its admission capacity', () => {
  let node: FakeNode;
  let gateway: GatewayProcess;
  before(async () => {
    node = await startFakeNode((_req, res) => {
      setTimeout(() => res.end('{}'), NODE_DELAY_MS);
    });
    const [port, adminPort] = [await closedPort(), await closedPort()];
    const topology = testTopology({
      nodePort: node.port,
      edit: (doc) => {
        const gw = (doc.regions as { gateways: Record<string, unknown>[] }[])[0]?.gateways[0] as Record<string, unknown>;
        Object.assign(gw, { port, adminPort });
        for (const c of doc.commands as Record<string, unknown>[]) c.priority = COMMAND_PRIORITY[c.name as string] ?? 'normal';
        doc.gateway = { admission: { maxInFlight: MAX_IN_FLIGHT, maxEventLoopDelayMs: 200, criticalHardCap: 200, retryAfterSec: 1 } };
      },
    });
    gateway = await startGatewayProcess(topology, 'gw-1');
  });
  after(async () => {
    await gateway?.close();
    await node?.close();
  });

  it('keeps ≥99% of critical requests, sheds low first, and stays up', async (t) => {
    // Each client is a user of its own: one subject past gateway.fairness.maxInFlightPerClient would be refused (429) instead.
    const headersOf = async (p: Priority, n: number) => ({ ...bearer(await signToken({ sub: `user-${p}-${n}` })), 'x-tenant-id': 't-1' });
    const agent = new Agent({ connections: CLIENTS_PER_PRIORITY * 4 });
    const counts = Object.fromEntries(PRIORITIES.map((p) => [p, { ok: 0, shed: 0, other: 0 }])) as Record<
      Priority,
      { ok: number; shed: number; other: number }
    >;
    const client = async (p: Priority, n: number) => {
      const headers = await headersOf(p, n);
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const res = await request(`${gateway.url}${URL_OF[p]}`, { headers, dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200) counts[p].ok++;
        else if (res.statusCode === 503) counts[p].shed++;
        else counts[p].other++;
      }
    };
    try {
      await Promise.all(PRIORITIES.flatMap((p) => Array.from({ length: CLIENTS_PER_PRIORITY }, (_, n) => client(p, n))));
    } finally {
      await agent.close();
    }
    const total = CLIENTS_PER_PRIORITY * REQUESTS_PER_CLIENT;
    const summary = JSON.stringify(counts);
    t.diagnostic(`answers by priority: ${summary}`);
    assert.ok(counts.critical.ok / total >= 0.99, summary);
    assert.ok(counts.low.shed > 0, `overload was reached: ${summary}`);
    assert.ok(counts.low.shed >= counts.normal.shed && counts.normal.shed >= counts.high.shed, summary);
    assert.ok(counts.high.shed >= counts.critical.shed, summary);
    for (const p of PRIORITIES) assert.equal(counts[p].other, 0, summary);
    assert.equal(gateway.alive(), true);
    const health = await request(`${gateway.adminUrl}/_setgate/health`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
  });
});
