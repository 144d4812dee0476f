import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressGroup, TrustedProxies } from '../../../src/stages/header-hygiene/client-address.js';

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
});
