import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientAddresses } from '../src/client-address.js';

describe('ClientAddresses (regional proxy)', () => {
  const addresses = new ClientAddresses(['10.0.0.0/8', '192.0.2.0/24']);

  it('counts anyone but a trusted edge by its peer address, whatever chain it sends', () => {
    assert.deepEqual(addresses.origin('198.51.100.7', { 'x-forwarded-for': '203.0.113.1' }), {
      address: '198.51.100.7',
      viaTrustedEdge: false,
    });
    assert.equal(new ClientAddresses([]).origin('10.1.1.1', { 'x-forwarded-for': '203.0.113.1' }).address, '10.1.1.1');
  });

  it("walks a trusted edge's chain from the right past further edges", () => {
    assert.deepEqual(addresses.origin('10.1.1.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.1, 192.0.2.9' }), {
      address: '203.0.113.1',
      viaTrustedEdge: true,
    });
    assert.equal(addresses.origin('10.1.1.1', { 'x-forwarded-for': ['garbage', '203.0.113.1'] }).address, '203.0.113.1');
    assert.equal(addresses.origin('10.1.1.1', { 'x-forwarded-for': 'garbage' }).address, '10.1.1.1');
    assert.equal(addresses.origin('10.1.1.1', {}).address, '10.1.1.1');
  });

  it('exempts only trusted edges from the connection cap', () => {
    assert.equal(addresses.isTrustedEdge('192.0.2.200'), true);
    assert.equal(addresses.isTrustedEdge('198.51.100.7'), false);
  });

  it('counts IPv6 clients by /64', () => {
    assert.equal(addresses.origin('2001:db8:1:2::5', {}).address, addresses.origin('2001:db8:1:2:ffff::9', {}).address);
    assert.notEqual(addresses.origin('2001:db8:1:2::5', {}).address, addresses.origin('2001:db8:1:3::5', {}).address);
  });
});
