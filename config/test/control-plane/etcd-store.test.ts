import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadTopologyFile, type Topology } from '@setgate/config';
import { type EtcdCluster, startEtcdCluster } from '@setgate/process-supervisor';
import type { VersionRecord } from '../../src/control-plane/store/config-store.js';
import { EtcdConfigStore, FenceLostError } from '../../src/control-plane/store/etcd-store.js';
import { SHIPPED } from './fixture.js';
import { storeSuite } from './store-suite.js';

const doc = loadTopologyFile(SHIPPED) as Topology;
const record = (version: number): VersionRecord => ({
  version,
  author: 'tester',
  reason: `change ${version}`,
  time: new Date(0).toISOString(),
  action: { kind: 'apply' },
  changes: [],
  document: { ...doc, version },
});

/** A real 3-member etcd cluster on free ports (data in a temp dir), killed by PID afterwards. */
describe('etcd config store', () => {
  let cluster: EtcdCluster | undefined;
  let n = 0;
  const endpoints = () => cluster?.endpoints ?? [];

  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
  });

  after(async () => cluster?.stop());

  storeSuite(async () => {
    const prefix = `test/${process.pid}/${n++}`;
    // Two handles, each with its own client: two control-plane replicas in effect.
    const a = await EtcdConfigStore.open({ endpoints: endpoints(), prefix });
    const b = await EtcdConfigStore.open({ endpoints: endpoints(), prefix });
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
      },
    };
  });

  it('refuses a fenced append once the fence key is gone, and stores it while the key holds', async () => {
    const store = await EtcdConfigStore.open({ endpoints: endpoints(), prefix: `test/${process.pid}/fence` });
    try {
      const key = `test/${process.pid}/fence-key`;
      const put = await store.client.put(key).value('me').exec();
      const fence = { key, createRevision: String(put.header.revision) };
      const view = store.fenced(() => fence);
      assert.deepEqual(await view.append(record(1)), { ok: true, version: 1 });
      // A base-version conflict with the fence intact is an ordinary conflict.
      assert.deepEqual(await view.append(record(1)), { ok: false, current: 1 });
      await store.client.delete().key(key).exec();
      await assert.rejects(view.append(record(2)), FenceLostError);
      // Recreated by someone else: a new create revision, still not ours.
      await store.client.put(key).value('other').exec();
      await assert.rejects(view.append(record(2)), FenceLostError);
      assert.equal(await store.latestVersion(), 1);
      await assert.rejects(store.fenced(() => undefined).append(record(2)), FenceLostError);
      assert.deepEqual(await store.append(record(2)), { ok: true, version: 2 });
    } finally {
      await store.close();
    }
  });

  it('keeps appending and notifying with one of three etcd members killed', async () => {
    const prefix = `test/${process.pid}/member-down`;
    const a = await EtcdConfigStore.open({ endpoints: endpoints(), prefix });
    const b = await EtcdConfigStore.open({ endpoints: endpoints(), prefix });
    const member = cluster?.members[0];
    assert.ok(member);
    try {
      assert.deepEqual(await a.append(record(1)), { ok: true, version: 1 });
      await member.kill();
      const seen = new Promise<number>((resolve) => {
        const off = b.subscribe((v) => {
          if (v >= 3) {
            off();
            resolve(v);
          }
        });
      });
      assert.deepEqual(await a.append(record(2)), { ok: true, version: 2 });
      assert.deepEqual(await b.append(record(3)), { ok: true, version: 3 });
      assert.equal(await seen, 3);
      assert.equal((await a.get(3))?.reason, 'change 3');
    } finally {
      await member.restart();
      await a.close();
      await b.close();
    }
  });
});
