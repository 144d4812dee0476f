import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadTopologyFile, type Topology } from '@setgate/config';
import type { ConfigStore, VersionRecord } from '../../src/control-plane/store/config-store.js';
import { SHIPPED } from './fixture.js';

const doc = loadTopologyFile(SHIPPED) as Topology;

function record(version: number, reason = `change ${version}`): VersionRecord {
  return {
    version,
    author: 'tester',
    reason,
    time: new Date(0).toISOString(),
    action: { kind: 'apply' },
    changes: [{ op: 'change', path: '/failover/paused', before: false, after: true }],
    document: { ...doc, version },
  };
}

/**
 * The behaviour every ConfigStore must have. `open` returns a fresh, empty
 * store and a second handle on the same backing (another process, in effect).
 */
export function storeSuite(open: () => Promise<{ a: ConfigStore; b: ConfigStore; cleanup: () => Promise<void> }>): void {
  it('starts empty, stores versions in order and reads them back whole', async () => {
    const { a, cleanup } = await open();
    try {
      assert.equal(await a.latestVersion(), 0);
      assert.deepEqual(await a.append(record(1)), { ok: true, version: 1 });
      assert.deepEqual(await a.append(record(2)), { ok: true, version: 2 });
      assert.equal(await a.latestVersion(), 2);
      assert.deepEqual(await a.get(1), record(1));
      assert.equal(await a.get(3), undefined);
      assert.equal(await a.get(0), undefined);
    } finally {
      await cleanup();
    }
  });

  it('refuses a version whose predecessor is not the newest (compare-and-set)', async () => {
    const { a, b, cleanup } = await open();
    try {
      await a.append(record(1));
      assert.deepEqual(await a.append(record(3)), { ok: false, current: 1 });
      assert.deepEqual(await a.append(record(1)), { ok: false, current: 1 });
      assert.deepEqual(await b.append(record(2)), { ok: true, version: 2 });
      // `a` has not seen version 2 but must not overwrite it.
      assert.deepEqual(await a.append(record(2, 'late writer')), { ok: false, current: 2 });
      assert.equal((await b.get(2))?.reason, 'change 2');
    } finally {
      await cleanup();
    }
  });

  it('lets exactly one of many concurrent writers of the same version win', async () => {
    const { a, b, cleanup } = await open();
    try {
      await a.append(record(1));
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).append(record(2, `writer ${i}`))),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.equal(await a.latestVersion(), 2);
    } finally {
      await cleanup();
    }
  });

  it('lists history newest first without documents, paged by `before`', async () => {
    const { a, cleanup } = await open();
    try {
      for (let v = 1; v <= 5; v++) await a.append(record(v));
      const h = await a.history(3);
      assert.deepEqual(h.map((x) => x.version), [5, 4, 3]);
      assert.ok(!('document' in (h[0] as object)));
      assert.equal(h[0]?.author, 'tester');
      assert.deepEqual((await a.history(10, 3)).map((x) => x.version), [2, 1]);
    } finally {
      await cleanup();
    }
  });

  it('tells subscribers of versions appended through another handle', async () => {
    const { a, b, cleanup } = await open();
    try {
      await a.append(record(1));
      const seen = new Promise<number>((resolve) => {
        const off = b.subscribe((v) => {
          if (v >= 2) {
            off();
            resolve(v);
          }
        });
      });
      await a.append(record(2));
      assert.equal(await seen, 2);
    } finally {
      await cleanup();
    }
  });
}
