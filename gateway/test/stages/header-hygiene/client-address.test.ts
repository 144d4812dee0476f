import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressGroup, TrustedProxies, trustedProxyNetworks } from '../../../src/stages/header-hygiene/client-address.js';

describe('client address', () => {
  const proxies = new TrustedProxies(['127.0.0.0/8', '10.1.0.0/16', '::1/128']);

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    assert.equal(proxies.clientAddress('203.0.113.9', '1.2.3.4'), '203.0.113.9');
  });

  it('walks X-Forwarded-For from the right past trusted proxies only', () => {
    assert.equal(proxies.clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3'), '198.51.100.7');
    assert.equal(proxies.clientAddress('::ffff:127.0.0.1', '198.51.100.7'), '198.51.100.7');
    assert.equal(proxies.clientAddress('::1', 'garbage, 198.51.100.7'), '198.51.100.7');
    assert.equal(proxies.clientAddress('127.0.0.1', undefined), '127.0.0.1');
  });

  it('groups IPv6 clients by /64 and keeps IPv4 addresses whole', () => {
    assert.equal(addressGroup('2001:db8:1:2:aaaa::1'), addressGroup('2001:db8:1:2:ffff::9'));
    assert.notEqual(addressGroup('2001:db8:1:2::1'), addressGroup('2001:db8:1:3::1'));
    assert.equal(addressGroup('198.51.100.7'), '198.51.100.7');
  });

  it('groups an IPv4-mapped IPv6 peer as its IPv4 address, and leaves a non-address alone', () => {
    assert.equal(addressGroup('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(addressGroup('2001:0DB8:0001:0002:0:0:0:1'), '2001:db8:1:2::/64');
    assert.equal(addressGroup('64:ff9b::1.2.3.4'), '64:ff9b:0:0::/64');
    assert.equal(addressGroup('unknown'), 'unknown');
  });

  it("trusts the topology's proxies (IP literal hosts) and the configured networks, nothing else", () => {
    const proxy = (host: string) => ({ id: `p-${host}`, host, port: 1, adminPort: 2 });
    const networks = trustedProxyNetworks({
      gateway: { trustedProxies: ['10.9.0.0/16'] },
      regions: [
        { proxies: [proxy('127.0.0.1'), proxy('proxy.internal')] },
        { proxies: [proxy('::1'), proxy('127.0.0.1')] },
      ],
    } as unknown as Parameters<typeof trustedProxyNetworks>[0]);
    assert.deepEqual(networks.sort(), ['10.9.0.0/16', '127.0.0.1/32', '::1/128']);
    const trusted = new TrustedProxies(networks);
    // A client on the same host but another loopback address is a client, whatever it claims.
    assert.equal(trusted.clientAddress('127.0.0.7', '203.0.113.1'), '127.0.0.7');
    assert.equal(trusted.clientAddress('127.0.0.1', '203.0.113.1'), '203.0.113.1');
  });
});
