import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HomeRegionPolicy } from '../../src/region/home-region.js';
import { NearestHealthySelector } from '../../src/region/nearest-healthy.js';
import type { RegionRequest } from '../../src/region/region-selector.js';
import { ResidencyPolicy } from '../../src/region/residency.js';
import { testRoutes } from '../helpers/proxy-harness.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const bearer = (tenant: string) => `Bearer ${b64({ alg: 'HS256' })}.${b64({ sub: 'u', tenant })}.c2ln`;

// Shipped RTTs: us-east–eu-west 75, eu-west–ap-south 120, us-east–ap-south 190.
const routes = testRoutes((doc) => {
  const commands = doc.commands as Array<{ name: string; residency?: string[] }>;
  for (const c of commands) if (c.name === 'cart.summary') c.residency = ['eu-west', 'ap-south'];
  doc.regionalProxy = {
    ipRanges: [{ cidr: '10.20.0.0/16', region: 'ap-south' }],
    tenants: [
      { tenant: 'acme', residency: ['ap-south'] },
      { tenant: 'initech', residency: ['us-east'] },
    ],
  };
});

function selector(down: readonly string[] = []) {
  const down_ = new Set(down);
  return new NearestHealthySelector({
    home: new HomeRegionPolicy('us-east', new Set(routes.view.regionNames()), routes.view.doc.regionalProxy),
    residency: new ResidencyPolicy(routes, routes.view.doc.regionalProxy),
    byDistance: (from) => routes.view.regionsByDistance(from),
    isHealthy: (r) => !down_.has(r),
  });
}

const req = (method: string, url: string, headers: Record<string, string> = {}, ip = '127.0.0.1'): RegionRequest => ({
  method,
  url,
  headers,
  ip,
});

describe('NearestHealthySelector', () => {
  it('serves from the home region, with the others nearest first behind it', () => {
    const c = selector().select(req('GET', '/v1/profile'));
    assert.deepEqual(c.candidates, ['us-east', 'eu-west', 'ap-south']);
    assert.equal(c.preferred, 'us-east');
    assert.equal(c.residency, undefined);
  });

  it('skips unhealthy regions, keeping RTT order from the home region', () => {
    assert.deepEqual(selector(['us-east']).select(req('GET', '/v1/profile')).candidates, ['eu-west', 'ap-south']);
    const fromApSouth = selector(['ap-south']).select(req('GET', '/v1/profile', {}, '10.20.0.1'));
    assert.equal(fromApSouth.home.region, 'ap-south');
    assert.deepEqual(fromApSouth.candidates, ['eu-west', 'us-east']);
    assert.equal(fromApSouth.preferred, 'ap-south');
  });

  it('forgets cached candidate lists only when told health changed', () => {
    const down = new Set<string>();
    const s = new NearestHealthySelector({
      home: new HomeRegionPolicy('us-east', new Set(routes.view.regionNames()), routes.view.doc.regionalProxy),
      residency: new ResidencyPolicy(routes, routes.view.doc.regionalProxy),
      byDistance: (from) => routes.view.regionsByDistance(from),
      isHealthy: (r) => !down.has(r),
    });
    assert.equal(s.select(req('GET', '/v1/cart')).candidates[0], 'us-east');
    down.add('us-east');
    s.healthChanged();
    assert.equal(s.select(req('GET', '/v1/cart')).candidates[0], 'eu-west');
  });

  it("limits a command to its residency, nearest allowed region first (query strings and params don't matter)", () => {
    const c = selector().select(req('GET', '/v1/cart/summary?full=1'));
    assert.deepEqual([...(c.residency ?? [])].sort(), ['ap-south', 'eu-west']);
    assert.deepEqual(c.candidates, ['eu-west', 'ap-south']);
    assert.equal(c.preferred, 'eu-west');
    // Another method on a path with residency is a different command (or none).
    assert.equal(selector().select(req('DELETE', '/v1/cart')).residency, undefined);
  });

  it('never lists a region outside the residency, even when all allowed ones are down', () => {
    const c = selector(['eu-west', 'ap-south']).select(req('GET', '/v1/cart/summary'));
    assert.deepEqual(c.candidates, []);
    assert.equal(c.preferred, 'eu-west');
  });

  it("limits a tenant's requests to the tenant's residency, intersected with the command's", () => {
    assert.deepEqual(selector().select(req('GET', '/v1/profile', { authorization: bearer('acme') })).candidates, ['ap-south']);
    assert.deepEqual(selector().select(req('GET', '/v1/cart/summary', { authorization: bearer('acme') })).candidates, [
      'ap-south',
    ]);
    const disjoint = selector().select(req('GET', '/v1/cart/summary', { authorization: bearer('initech') }));
    assert.deepEqual([...(disjoint.residency ?? ['x'])], []);
    assert.deepEqual(disjoint.candidates, []);
    // A tenant without residency config goes anywhere.
    assert.equal(selector().select(req('GET', '/v1/profile', { authorization: bearer('umbrella') })).residency, undefined);
  });
});
