import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EtcdCluster, startEtcdCluster } from '@setgate/process-supervisor';
import { ControlPlaneElection } from '../../src/control-plane/election.js';
import { EtcdLeaseRevocations } from '../../src/control-plane/failover/etcd-lease-revocations.js';
import { createEtcdClient } from '../../src/control-plane/store/etcd-client.js';
import { quiet, until } from './wait.js';


/**
 * The HA control plane's write-point leases on a real etcd: the elected
 * controller (replica A) revokes, and another replica (B), which answers the
 * node's watch because the node reaches only B (a one-way partition from A),
 * stops granting at once.
 */
describe('lease revocations shared through etcd (HA control plane)', () => {
  let cluster: EtcdCluster | undefined;
  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
  });
  after(async () => cluster?.stop());

  it('a revocation by the elected controller withholds every later grant by any replica, until it restores', async () => {
    const endpoints = cluster?.endpoints ?? [];
    const [ca, cb] = [createEtcdClient({ endpoints }), createEtcdClient({ endpoints })];
    const base = `test/${process.pid}/leases`;
    const election = new ControlPlaneElection({ client: ca, prefix: `${base}/election/`, id: 'cp-a', ttlSeconds: 5, logger: quiet });
    const a = new EtcdLeaseRevocations({ client: ca, prefix: `${base}/revoked/`, fence: () => election.fence() });
    const b = new EtcdLeaseRevocations({ client: cb, prefix: `${base}/revoked/`, fence: () => undefined });
    try {
      election.start();
      await until('replica a to be elected', () => election.isActive());
      assert.equal(await b.answer('node-1', performance.now()), 'granted');

      await a.revoke('node-1', 'declared down');
      // A poll that arrives after the revocation was acknowledged is never granted, by any replica.
      assert.equal(await b.answer('node-1', performance.now()), 'revoked');
      assert.equal(await a.answer('node-1', performance.now()), 'revoked');
      assert.equal(await b.answer('node-2', performance.now()), 'granted', 'other nodes keep their leases');
      assert.equal(b.isRevoked('node-1'), true);
      // The controller waits leaseMs + drift from the acknowledged revocation, no less.
      const wait = a.surelyExpiredInMs('node-1', 2000, 250);
      assert.ok(wait > 0 && wait <= 2250, `wait ${wait}`);
      assert.equal(b.surelyExpiredInMs('node-1', 2000, 250), Number.POSITIVE_INFINITY, 'a replica that did not revoke cannot know');

      await assert.rejects(b.revoke('node-2', 'not elected'), /not the elected failover controller/);
      assert.equal(await a.answer('node-2', performance.now()), 'granted', 'a refused revocation wrote nothing');

      await a.restore('node-1');
      assert.equal(await b.answer('node-1', performance.now()), 'granted');

      // A deposed controller can no longer restore (or revoke): its campaign key is gone.
      await a.revoke('node-3', 'declared down');
      await election.stop();
      await assert.rejects(a.restore('node-3'), /not the elected failover controller/);
      assert.equal(await b.answer('node-3', performance.now()), 'revoked');
    } finally {
      await election.stop();
      ca.close();
      cb.close();
    }
  });

  it('a replica that cannot read etcd grants nothing and revokes nothing: it withholds', async () => {
    // Nothing listens on port 9 (discard) on loopback: every read fails or times out.
    const client = createEtcdClient({ endpoints: ['http://127.0.0.1:9'] });
    const cut = new EtcdLeaseRevocations({ client, prefix: 'test/cut/', fence: () => undefined, readTimeoutMs: 500 });
    try {
      assert.equal(await cut.answer('node-1', performance.now()), 'withheld');
      assert.ok(cut.readError(), 'the failed read is reported');
    } finally {
      client.close();
    }
  });

  it('answers share one read when it started after their polls arrived, and never a read that started before', async () => {
    const client = createEtcdClient({ endpoints: cluster?.endpoints ?? [] });
    let reads = 0;
    const counting = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === 'getAll') reads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    const ledger = new EtcdLeaseRevocations({ client: counting, prefix: `test/${process.pid}/shared/`, fence: () => undefined });
    try {
      const arrived = performance.now();
      const answers = await Promise.all(Array.from({ length: 10 }, () => ledger.answer('node-1', arrived)));
      assert.deepEqual(new Set(answers), new Set(['granted']));
      assert.equal(reads, 1, 'ten polls that arrived before one read started share it');
      // A poll that arrives while a read is in flight must not join it: that read may predate a revocation it should see.
      const first = ledger.answer('node-1', performance.now());
      await sleep(1);
      const late = ledger.answer('node-1', performance.now());
      await Promise.all([first, late]);
      assert.equal(reads, 3);
    } finally {
      client.close();
    }
  });
});
