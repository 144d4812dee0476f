import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HomeRegionPolicy } from '../../src/region/home-region.js';
import type { RegionRequest } from '../../src/region/region-selector.js';

const REGIONS = new Set(['us-east', 'eu-west', 'ap-south']);

const from = (ip: string, headers: Record<string, string> = {}): RegionRequest => ({ method: 'GET', url: '/', ip, headers });

describe('HomeRegionPolicy', () => {
  const policy = new HomeRegionPolicy('us-east', REGIONS, {
    trustedEdges: ['198.51.100.0/24', '2001:db8:e::/48'],
    regionHintHeader: 'X-Edge-Region',
    ipRanges: [
      { cidr: '10.0.0.0/8', region: 'eu-west' },
      { cidr: '10.9.0.0/16', region: 'ap-south' },
      { cidr: '2001:db8:aaaa::/48', region: 'ap-south' },
      { cidr: '198.51.100.0/24', region: 'eu-west' },
    ],
  });

  it('honours a region hint from a trusted edge, IPv4 or IPv6', () => {
    assert.deepEqual(policy.home(from('198.51.100.7', { 'x-edge-region': 'ap-south' })), { region: 'ap-south', source: 'edge-hint' });
    assert.deepEqual(policy.home(from('2001:db8:e::1', { 'x-edge-region': 'ap-south' })), { region: 'ap-south', source: 'edge-hint' });
    // An IPv4 peer on a dual-stack socket shows as IPv4-mapped IPv6.
    assert.equal(policy.home(from('::ffff:198.51.100.7', { 'x-edge-region': 'ap-south' })).source, 'edge-hint');
  });

  it('ignores the hint from anyone else and falls back to the IP range, then the own region', () => {
    assert.deepEqual(policy.home(from('10.1.2.3', { 'x-edge-region': 'ap-south' })), { region: 'eu-west', source: 'ip-range' });
    assert.deepEqual(policy.home(from('203.0.113.9', { 'x-edge-region': 'ap-south' })), { region: 'us-east', source: 'own-region' });
  });

  it('ignores a trusted hint naming a region the topology does not have', () => {
    assert.deepEqual(policy.home(from('198.51.100.7', { 'x-edge-region': 'mars-1' })), { region: 'eu-west', source: 'ip-range' });
  });

  it('takes the longest matching prefix from the IP-range table', () => {
    assert.equal(policy.home(from('10.9.1.1')).region, 'ap-south');
    assert.equal(policy.home(from('10.8.1.1')).region, 'eu-west');
    assert.equal(policy.home(from('::ffff:10.9.1.1')).region, 'ap-south');
    assert.equal(policy.home(from('2001:db8:aaaa::5')).region, 'ap-south');
    assert.equal(policy.home(from('2001:db8:bbbb::5')).region, 'us-east');
  });

  it('treats an address it cannot parse as unknown', () => {
    assert.deepEqual(policy.home(from('', { 'x-edge-region': 'ap-south' })), { region: 'us-east', source: 'own-region' });
  });

  it('refuses a malformed CIDR at construction, naming it', () => {
    assert.throws(
      () => new HomeRegionPolicy('us-east', REGIONS, { trustedEdges: ['10.0.0.0/33'], regionHintHeader: 'x-edge-region', ipRanges: [] }),
      /10\.0\.0\.0\/33/,
    );
  });
});
