import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadTopologyFile, parseTopology, TopologyError, validateTopology } from '../src/index.js';

const shipped = new URL('../topology.yaml', import.meta.url).pathname;
const broken = new URL('./fixtures/broken-topology.yaml', import.meta.url).pathname;
/** Element `i` of a parsed YAML array, as a mutable record (throws if absent). */
function item(list: unknown, i: number): Record<string, unknown> {
  const v = (list as Array<Record<string, unknown>>)[i];
  if (!v) throw new Error(`no element ${i}`);
  return v;
}
const shippedDoc = () => parse(readFileSync(shipped, 'utf8')) as Record<string, unknown>;

describe('topology loader', () => {
  it('accepts the shipped local topology and freezes it', () => {
    const t = loadTopologyFile(shipped);
    assert.equal(t.shardCount, 64);
    assert.equal(t.placements.length, 64);
    assert.deepEqual(
      t.regions.map((r) => r.name),
      ['us-east', 'eu-west', 'ap-south'],
    );
    assert.ok(Object.isFrozen(t) && Object.isFrozen(t.placements[0]));
  });

  it('spreads the shipped leaders evenly over the six sets', () => {
    const t = loadTopologyFile(shipped);
    const counts = new Map<string, number>();
    for (const p of t.placements) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
    assert.equal(counts.size, 6);
    assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 1);
    const regionOf = new Map(t.sets.map((s) => [s.name, s.region]));
    for (const p of t.placements) {
      assert.equal(new Set(p.replicas.map((r) => regionOf.get(r))).size, 3, `shard ${p.shard} spans 3 regions`);
    }
  });

  it('lists every mistake of a broken file with its path', () => {
    assert.throws(
      () => loadTopologyFile(broken),
      (err: unknown) => {
        assert.ok(err instanceof TopologyError);
        const byPath = err.problems.map((p) => `${p.path} ${p.message}`);
        const expect: Array<[string, RegExp]> = [
          ['/sets/2/region', /unknown region "eu-central"/],
          ['/placements/5/leader', /leader set "ap-south-z" does not exist/],
          ['/placements/7/replicas', /leader set "eu-west-a" is not among its replicas/],
          ['/placements/7/replicas/2', /set "us-east-a" holds two replicas/],
          ['/placements', /no placement \(so no leader\) for shard\(s\) 63/],
          ['/rtt', /missing the pair eu-west ↔ ap-south/],
          ['/regions/1/gateways/1/port', /collides/],
          ['/commands/3/path', /duplicates \/commands\/2/],
        ];
        for (const [path, re] of expect) {
          assert.ok(
            err.problems.some((p) => p.path === path && re.test(p.message)),
            `expected ${path} ${re} in:\n${byPath.join('\n')}`,
          );
        }
        assert.match(err.message, /topology refused with \d+ problem/);
        return true;
      },
    );
  });

  it('reports every shape error, not only the first', () => {
    const doc = shippedDoc();
    item(doc.regions, 0).name = 'US East';
    item(doc.commands, 1).priority = 'urgent';
    doc.extra = true;
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    assert.ok(paths.includes('/regions/0/name'), paths.join(','));
    assert.ok(paths.includes('/commands/1/priority'), paths.join(','));
    assert.ok(paths.some((p) => p === '/extra' || p === ''), paths.join(','));
  });

  it('refuses a shard outside the range, a placed-twice shard and minInsync above the followers', () => {
    const doc = shippedDoc();
    const placements = doc.placements as Array<Record<string, unknown>>;
    item(placements, 1).shard = 0;
    item(placements, 2).shard = 64;
    item(placements, 3).minInsync = 3;
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.path} ${p.message}`).join('\n');
    assert.match(text, /\/placements\/1\/shard shard 0 is placed twice/);
    assert.match(text, /\/placements\/2\/shard shard 64 is outside 0..63/);
    assert.match(text, /\/placements\/3\/minInsync .*exceeds its 2 follower/);
    assert.match(text, /no placement .* shard\(s\) 1-2$/m);
  });

  it('refuses commands whose key parameter or upstream parameter is not in the path, and GET writes', () => {
    const doc = shippedDoc();
    const commands = doc.commands as Array<Record<string, unknown>>;
    item(commands, 0).key = { from: 'param', name: 'userId' };
    item(commands, 1).method = 'GET';
    item(commands, 1).path = '/v1/profile/write';
    item(commands, 5).upstream = { method: 'DELETE', path: '/cmd/cart/{key}/items/:sku' };
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.path} ${p.message}`).join('\n');
    assert.match(text, /\/commands\/0\/key\/name key parameter ":userId"/);
    assert.match(text, /\/commands\/1\/method a write cannot use GET/);
    assert.match(text, /\/commands\/5\/upstream\/path upstream parameter ":sku"/);
  });

  it('refuses residency that a replica breaks', () => {
    const doc = shippedDoc();
    item(doc.placements, 0).residency = ['us-east', 'eu-west'];
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.problems.some((p) => /breaks residency/.test(p.message)));
  });

  it('reports YAML syntax errors instead of throwing', () => {
    const r = parseTopology('regions: [unclosed', 'inline');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(item(r.problems, 0).message as string, /not valid YAML/);
  });

  it('reports an unreadable file as a problem', () => {
    assert.throws(() => loadTopologyFile('/nonexistent/topology.yaml'), TopologyError);
  });
});

describe('policy sections', () => {
  it('fills every policy default so components need not', () => {
    const t = loadTopologyFile(shipped);
    assert.equal(t.replication.durability, 'group');
    assert.equal(t.gateway.upstream.retryBudgetRatio, 0.2);
    assert.equal(t.regionalProxy.health.healthyThreshold, 3);
    assert.equal(t.placements[0]?.insyncRule, 'other-region');
  });

  it('refuses undefined rate-limit classes, unknown residency regions and an internal hint header', () => {
    const doc = shippedDoc();
    doc.gateway = { rateLimit: { classes: [{ name: 'reads', max: 10 }, { name: 'reads', max: 5 }] } };
    item(doc.commands, 0).residency = ['mars-1'];
    doc.regionalProxy = { regionHintHeader: 'X-Setgate-Region', ipRanges: [{ cidr: '10.0.0.0/8', region: 'nowhere' }] };
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.path} ${p.message}`).join('\n');
    assert.match(text, /\/gateway\/rateLimit\/classes\/1\/name duplicate rate-limit class "reads"/);
    assert.match(text, /\/commands\/1\/rateLimitClass rate-limit class "writes" is not defined/);
    assert.match(text, /\/commands\/0\/residency\/0 unknown region "mars-1"/);
    assert.match(text, /\/regionalProxy\/ipRanges\/0\/region unknown region "nowhere"/);
    assert.match(text, /\/regionalProxy\/regionHintHeader/);
  });

  it('refuses an other-region in-sync rule for a shard kept in one region', () => {
    const doc = shippedDoc();
    item(doc.placements, 0).replicas = ['us-east-a', 'us-east-b'];
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.problems.some((p) => p.path === '/placements/0/insyncRule'));
  });
});

describe('access checks', () => {
  it('refuses an issuer without a key source, unknown or repeated tenants, and impossible CIDRs', () => {
    const doc = shippedDoc();
    const auth = doc.auth as { issuers: Array<Record<string, unknown>> };
    item(auth.issuers, 0).keys = [];
    doc.regionalProxy = {
      trustedEdges: ['10.0.0.0/40', '::1/128'],
      ipRanges: [{ cidr: '300.1.2.3/8', region: 'us-east' }],
      tenants: [
        { tenant: 'acme', residency: ['eu-west'] },
        { tenant: 'acme', residency: ['atlantis'] },
      ],
    };
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.path} ${p.message}`).join('\n');
    assert.match(text, /\/auth\/issuers\/0 issuer .* has no key source/);
    assert.match(text, /\/regionalProxy\/tenants\/1\/tenant tenant "acme" appears twice/);
    assert.match(text, /\/regionalProxy\/tenants\/1\/residency\/0 unknown region "atlantis"/);
    assert.match(text, /\/regionalProxy\/trustedEdges\/0 prefix \/40 is longer than 32 bits/);
    assert.match(text, /\/regionalProxy\/ipRanges\/0\/cidr "300.1.2.3" is not an IP address/);
    assert.ok(!text.includes('/regionalProxy/trustedEdges/1'), 'a valid IPv6 network passes');
  });

  it('refuses an anonymous command keyed by the subject or needing scopes, and accepts one keyed by a parameter', () => {
    const doc = shippedDoc();
    const commands = doc.commands as Array<Record<string, unknown>>;
    Object.assign(item(commands, 0), { anonymous: true, scopes: ['profile:read'] });
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.path} ${p.message}`).join('\n');
    assert.match(text, /\/commands\/0\/key anonymous command .* cannot take its key from the subject/);
    assert.match(text, /\/commands\/0\/scopes anonymous command .* cannot require scopes/);
    const fixed = shippedDoc();
    Object.assign(item(fixed.commands as Array<Record<string, unknown>>, 0), {
      anonymous: true,
      path: '/v1/users/:userId/card',
      key: { from: 'param', name: 'userId' },
    });
    const ok = validateTopology(fixed);
    assert.equal(ok.ok, true, ok.ok ? '' : JSON.stringify(ok.problems));
  });
});
