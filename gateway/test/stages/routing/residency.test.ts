import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../../src/index.js';
import { type ContractNode, startContractNode } from '../../helpers/contract-node.js';
import { testTelemetry } from '../../helpers/gateway.js';
import { multiRegionTopology } from '../../helpers/multi-region.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';

describe('routing: residency checked at the gateway', () => {
  let nodes: ContractNode[];
  let app: FastifyInstance;
  before(async () => {
    const [far, near, mid] = await Promise.all([
      startContractNode('far-a-1', { leader: true, position: { epoch: 1, lsn: 1 } }),
      startContractNode('near-a-1', { position: { epoch: 1, lsn: 1 } }),
      startContractNode('mid-a-1', { position: { epoch: 1, lsn: 1 } }),
    ]);
    nodes = [far, near, mid];
    const topology = multiRegionTopology({ near: near.port, mid: mid.port, far: far.port }, (doc) => {
      const commands = doc.commands as Array<Record<string, unknown>>;
      // cart.summary may only be served in far; profile.get anywhere.
      Object.assign(commands.find((c) => c.name === 'cart.summary') as object, { residency: ['far'] });
      doc.regionalProxy = { tenantClaim: 'org', tenants: [{ tenant: 'eu-bank', residency: ['mid', 'far'] }] };
    });
    app = buildGateway({ topology, region: 'near', telemetry: testTelemetry() });
  });
  after(async () => {
    await app.close();
    await Promise.all(nodes.map((n) => n.close()));
  });

  it("refuses with 403 a command whose residency excludes this gateway's region, and forwards nothing", async () => {
    const res = await app.inject({ url: '/v1/cart/summary', headers: bearer(await signToken({ sub: 'alice' })) });
    const problem = assertProblem(res, 403, 'SETGATE_GW_RESIDENCY');
    assert.match(String(problem.detail), /only in far; this gateway is in near/);
    assert.equal(nodes.reduce((n, node) => n + node.received.length, 0), 0);
  });

  it("refuses a verified tenant whose residency excludes the region, read from the configured tenant claim", async () => {
    const bank = bearer(await signToken({ sub: 'bob', claims: { org: 'eu-bank' } }));
    assertProblem(await app.inject({ url: '/v1/profile', headers: bank }), 403, 'SETGATE_GW_RESIDENCY');
    // Another tenant, and the same name in a claim that is not the tenant claim, are served here.
    const other = bearer(await signToken({ sub: 'carol', claims: { org: 'shop', tenant: 'eu-bank' } }));
    assert.equal((await app.inject({ url: '/v1/profile', headers: other })).statusCode, 200);
  });
});
