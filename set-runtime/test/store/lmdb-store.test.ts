import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LmdbNodeStore } from '../../src/store/lmdb-store.js';
import { tempDir } from '../helpers/node.js';
import { applied, put, storeSuite } from './store-suite.js';

const tmp = tempDir();
let places = 0;
after(() => tmp.remove());

storeSuite('lmdb', {
  newPlace: () => join(tmp.dir, `store-${places++}`),
  open: async (dir, opts) => LmdbNodeStore.open({ dir, ...opts }),
});

describe('lmdb store, engine limits', () => {
  it('a write that fails half-way leaves neither log entry nor state behind', async () => {
    const store = LmdbNodeStore.open({ dir: join(tmp.dir, 'halfway') });
    try {
      const s = store.shard(2);
      applied(await s.write(put('ok', 1)));
      const before = s.position();
      // LMDB refuses keys this long: the log entry goes in first, then the state put throws.
      const hugeKey = 'x'.repeat(4000);
      await assert.rejects(s.write(put(hugeKey, 2)));
      assert.deepEqual(s.position(), before);
      assert.deepEqual(await s.readLog(before.lsn + 1, 10), []);
      assert.equal(s.keyCount(), 1);
      // The shard keeps working after the rolled-back write.
      assert.equal(applied(await s.write(put('ok', 3))).lsn, before.lsn + 1);
    } finally {
      await store.close();
    }
  });
});
