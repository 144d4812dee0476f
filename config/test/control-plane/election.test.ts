import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EtcdCluster, type EtcdMember, startEtcdCluster } from '@setgate/process-supervisor';
import { ControlPlaneElection } from '../../src/control-plane/election.js';
import { createEtcdClient } from '../../src/control-plane/store/etcd-client.js';
import { quiet, until } from './wait.js';


/** Control-plane replicas electing their failover controller on a real etcd. */
describe('control-plane election on etcd', () => {
  let cluster: EtcdCluster | undefined;
  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
  });
  after(async () => cluster?.stop());

  it('elects exactly one replica, and hands over when it resigns', async () => {
    const clients = [0, 1, 2].map(() => createEtcdClient({ endpoints: cluster?.endpoints ?? [] }));
    const prefix = `test/${process.pid}/election/`;
    const replicas = clients.map((client, i) => new ControlPlaneElection({ client, prefix, id: `cp-${i}`, ttlSeconds: 2, logger: quiet }));
    try {
      for (const r of replicas) r.start();
      await until('a leader', () => replicas.some((r) => r.isActive()));
      // Give a wrongly elected second replica time to show up.
      await sleep(500);
      const active = replicas.filter((r) => r.isActive());
      assert.equal(active.length, 1);
      const first = active[0] as ControlPlaneElection;
      const status = await first.status();
      assert.equal(status.active, true);
      assert.ok(first.fence());
      const standby = replicas.find((r) => r !== first) as ControlPlaneElection;
      assert.equal(standby.fence(), undefined);
      assert.equal((await standby.status()).leader, status.id);

      await first.stop();
      assert.equal(first.isActive(), false);
      await until('a new leader', () => replicas.some((r) => r !== first && r.isActive()));
      assert.equal(replicas.filter((r) => r.isActive()).length, 1);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      for (const c of clients) c.close();
    }
  });

  it('a replica cut off from etcd steps down on its own clock, and another takes over', async () => {
    const members = cluster?.members ?? [];
    const [m0, m1, m2] = members as [EtcdMember, EtcdMember, EtcdMember];
    // a reaches etcd only through m0; killing m0 cuts it off, as a partition would, while the cluster keeps a quorum.
    const clients = [createEtcdClient({ endpoints: [m0.clientUrl] }), createEtcdClient({ endpoints: [m1.clientUrl, m2.clientUrl] })];
    const prefix = `test/${process.pid}/election-cut/`;
    const [a, b] = clients.map((client, i) => new ControlPlaneElection({ client, prefix, id: `cp-${i}`, ttlSeconds: 2, logger: quiet })) as [ControlPlaneElection, ControlPlaneElection];
    try {
      a.start();
      await until('a to lead', () => a.isActive());
      b.start();
      await sleep(300);
      assert.equal(b.isActive(), false);
      await m0.kill();
      await until('a to step down', () => !a.isActive());
      await until('b to take over', () => b.isActive());
      assert.equal(a.fence(), undefined);
    } finally {
      await m0.restart();
      await Promise.all([a.stop(), b.stop()]);
      for (const c of clients) c.close();
    }
  });
});
