import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadTopologyFile, resolveSecret } from '@setgate/config';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { shardOf, TopologyView } from '@setgate/topology';
import { SignJWT } from 'jose';
import { Agent, request } from 'undici';
import { SHIPPED_TOPOLOGY, startTestStack, type TestStack } from './harness.js';

/**
 * Loopback has all of 127.0.0.0/8, so one stack can be reached "from" three
 * clients: 127.0.0.1 (an ordinary client), 127.0.0.2 (the trusted edge) and
 * 127.0.0.3 (a client network the IP-range table maps to eu-west).
 */
const TRUSTED_EDGE = '127.0.0.2';
const EU_WEST_CLIENT = '127.0.0.3';

describe('region policy and residency (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  const sub = 'policy-user';
  const replicas = new Set(source.replicaNodes(shardOf(sub, source.shardCount)).map((n) => n.id));
  const clients = new Map<string, Agent>();
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({
      only: (i) =>
        i.kind === 'regional-proxy'
          ? i.region === 'us-east'
          : i.kind === 'gateway'
            ? i.region !== 'ap-south'
            : replicas.has(i.id),
      edit: (doc) => {
        for (const c of doc.commands as Array<{ name: string; residency?: string[] }>) {
          if (c.name === 'cart.summary') c.residency = ['eu-west'];
        }
        doc.regionalProxy = {
          trustedEdges: [`${TRUSTED_EDGE}/32`],
          ipRanges: [{ cidr: `${EU_WEST_CLIENT}/32`, region: 'eu-west' }],
          tenants: [{ tenant: 'acme', residency: ['eu-west'] }],
          health: { intervalMs: 100, timeoutMs: 1000, healthyThreshold: 3, unhealthyThreshold: 2, passiveFailures: 2 },
        };
      },
    });
  });
  after(async () => {
    for (const c of clients.values()) await c.close();
    await stack?.close();
  });

  /** Sends from the given loopback address; answers status, served region and (for problems) the code. */
  async function send(path: string, opts: { from?: string; headers?: Record<string, string> } = {}) {
    const from = opts.from ?? '127.0.0.1';
    let client = clients.get(from);
    if (!client) {
      client = new Agent({ localAddress: from });
      clients.set(from, client);
    }
    const res = await request(`${stack.entry('us-east')}${path}`, { headers: opts.headers, dispatcher: client });
    const problem = String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE);
    const body = (await res.body.json()) as { code?: string };
    return { status: res.statusCode, region: res.headers['x-setgate-region'], code: problem ? body.code : undefined };
  }

  const bearer = async (claims: Record<string, string> = {}) => {
    const issuer = stack.topology.auth.issuers[0];
    const key = issuer?.keys[0];
    assert.ok(issuer && key);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}) })
      .setSubject(sub)
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(resolveSecret(key.secret, 'test issuer key')));
    return { authorization: `Bearer ${token}` };
  };

  it('ignores a region hint from an untrusted address and honours it from the trusted edge', async () => {
    const headers = { ...(await bearer()), 'x-edge-region': 'eu-west' };
    assert.deepEqual(await send('/v1/cart', { headers }), { status: 200, region: 'us-east', code: undefined });
    assert.deepEqual(await send('/v1/cart', { headers, from: TRUSTED_EDGE }), { status: 200, region: 'eu-west', code: undefined });
    assert.deepEqual(await send('/v1/cart', { headers: await bearer(), from: TRUSTED_EDGE }), {
      status: 200,
      region: 'us-east',
      code: undefined,
    });
  });

  it('maps a client network to its home region through the IP-range table', async () => {
    assert.equal((await send('/v1/cart', { headers: await bearer(), from: EU_WEST_CLIENT })).region, 'eu-west');
  });

  it('serves command- and tenant-resident requests in their region, and never elsewhere once it is down', async () => {
    const plain = await bearer();
    const acme = await bearer({ tenant: 'acme' });
    assert.equal((await send('/v1/cart/summary', { headers: plain })).region, 'eu-west');
    assert.equal((await send('/v1/cart', { headers: acme })).region, 'eu-west');

    for (const g of stack.view.gatewaysOf('eu-west')) stack.supervisor.get(g.id)?.kill('SIGKILL');
    // From the kill until health has certainly noticed (and a while after), resident requests must fail, not move.
    const seen: Array<{ status: number; region: unknown; code: string | undefined }> = [];
    const until = performance.now() + 2000;
    while (performance.now() < until) {
      seen.push(await send('/v1/cart/summary', { headers: plain }), await send('/v1/cart', { headers: acme }));
      await sleep(20);
    }
    assert.ok(seen.length > 20);
    assert.deepEqual(seen.filter((s) => s.status < 500 || s.region !== undefined), [], 'none served, none forwarded elsewhere');
    assert.ok(seen.every((s) => s.code?.startsWith('SETGATE_RP_')), 'every refusal is the proxy’s own');
    assert.equal(seen.at(-1)?.code, 'SETGATE_RP_RESIDENCY_UNAVAILABLE');

    const other = await send('/v1/cart', { headers: plain });
    assert.deepEqual(other, { status: 200, region: 'us-east', code: undefined }, 'unrestricted traffic is unaffected');
  });
});
