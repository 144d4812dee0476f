import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lease } from '../../src/replication/lease.js';

/** A lease on a virtual monotonic clock: leaseMs 2500, margin 100. */
function leaseAt(clock: { t: number }, grantedAtStart = false) {
  return new Lease(() => ({ leaseMs: 2500, marginMs: 100 }), () => clock.t, grantedAtStart);
}

describe('Lease (monotonic, counted from the renewal request send time)', () => {
  it('a node starts without a lease unless told otherwise', () => {
    const clock = { t: 1000 };
    assert.equal(leaseAt(clock).valid(), false);
    assert.equal(leaseAt(clock).age(), -1);
    assert.equal(leaseAt(clock, true).valid(), true);
  });

  it('expires at sentAt + leaseMs − margin, however late the answer arrived', () => {
    const clock = { t: 0 };
    const lease = leaseAt(clock);
    const sentAt = clock.t;
    clock.t = 600; // the long-poll answer arrives
    lease.renew(sentAt, 7);
    assert.equal(lease.valid(), true);
    clock.t = 2399;
    assert.equal(lease.valid(), true);
    clock.t = 2400;
    assert.equal(lease.valid(), false, 'expired at 0 + 2500 − 100, not 600 + 2500');
    assert.deepEqual(lease.state(), { valid: false, ageMs: 2400, remainingMs: 0, version: 7 });
  });

  it('regression (issue 11 finding 2): an answer buffered across a 32 s freeze renews nothing', () => {
    const clock = { t: 0 };
    const lease = leaseAt(clock);
    lease.renew(0, 1);
    const pollSentAt = 500;
    // SIGSTOP at 600; the control plane answers the pending poll at 1125 (204); SIGCONT at 32600.
    clock.t = 32_600;
    lease.renew(pollSentAt, 1);
    assert.equal(lease.valid(), false, 'the buffered answer was for a poll sent 32.1 s ago');
  });

  it('renewals never move the lease back; a revocation overrides answers to older requests', () => {
    const clock = { t: 0 };
    const lease = leaseAt(clock);
    lease.renew(1000, 1);
    lease.renew(200, 1);
    clock.t = 3000;
    assert.equal(lease.valid(), true, 'still counted from 1000');
    lease.revoke(2900);
    assert.equal(lease.valid(), false);
    lease.renew(2800, 1);
    assert.equal(lease.valid(), false, 'an answer to a request older than the revocation does not renew');
    lease.renew(2950, 1);
    assert.equal(lease.valid(), true);
  });
});
