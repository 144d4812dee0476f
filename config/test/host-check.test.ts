import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hostProblem, type Topology, urlCredentialsProblem, validateTopology } from '@setgate/config';
import { parse } from 'yaml';

const shipped = new URL('../topology.yaml', import.meta.url).pathname;
const none = new Set<string>();

describe('addresses the topology may name', () => {
  it('accepts IP literals and host names', () => {
    for (const host of ['127.0.0.1', '10.1.2.3', '::1', '2001:db8::7', 'node-1', 'eu-west-a-1.setgate.internal', 'gw.example.com.']) {
      assert.equal(hostProblem(host, none), undefined, host);
    }
  });

  it('refuses userinfo, ports, paths and numeric shorthands of an IPv4 address', () => {
    for (const host of ['user@10.0.0.1', 'a:b@evil.example', '10.0.0.1:80', 'host/path', 'exa mple', '', 'a..b', '2852039166', '0xa9fea9fe', '169.254.43518', 'x.123']) {
      assert.ok(hostProblem(host, none), `${JSON.stringify(host)} is refused`);
    }
  });

  it('refuses link-local and cloud-metadata addresses and names unless the allow-list names them', () => {
    for (const host of ['169.254.169.254', '169.254.10.5', 'fe80::1', 'fe80::1%eth0', 'fd00:ec2::254', '::ffff:169.254.169.254', '100.100.100.200', 'metadata.google.internal', 'METADATA.google.internal.', 'metadata']) {
      assert.match(hostProblem(host, none) ?? '', /link-local|metadata/, host);
    }
    assert.equal(hostProblem('169.254.10.5', new Set(['169.254.10.5'])), undefined);
    assert.ok(hostProblem('169.254.10.6', new Set(['169.254.10.5'])), 'only the named host');
  });

  it('refuses credentials in a URL without repeating them', () => {
    assert.equal(urlCredentialsProblem('redis://10.0.0.1:6379'), undefined);
    const problem = urlCredentialsProblem('redis://:hunter2-password@10.0.0.1:6379') ?? '';
    assert.match(problem, /credentials in a URL are refused/);
    assert.ok(!problem.includes('hunter2'));
  });

  it('the topology check lists every bad host with its path; network.allowedHosts lets one through', () => {
    const doc = parse(readFileSync(shipped, 'utf8')) as Topology;
    const gateway = doc.regions[0]?.gateways[0] as { host: string };
    (doc.sets[0]?.nodes[0] as { host: string }).host = '169.254.169.254';
    gateway.host = 'admin@127.0.0.1';
    (doc.regions[1]?.proxies[0] as { host: string }).host = 'metadata.google.internal';
    doc.gateway.rateLimit.redisUrl = 'redis://user:pw@127.0.0.1:6379';
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    const paths = r.ok ? [] : r.problems.map((p) => p.path);
    assert.deepEqual(paths.sort(), ['/gateway/rateLimit/redisUrl', '/regions/0/gateways/0/host', '/regions/1/proxies/0/host', '/sets/0/nodes/0/host']);
    gateway.host = '127.0.0.1';
    doc.gateway.rateLimit.redisUrl = 'redis://127.0.0.1:6379';
    doc.network = { allowedHosts: ['169.254.169.254', 'metadata.google.internal'] };
    const allowed = validateTopology(doc);
    assert.ok(allowed.ok, allowed.ok ? '' : JSON.stringify(allowed.problems));
  });
});
