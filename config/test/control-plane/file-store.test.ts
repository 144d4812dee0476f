import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileConfigStore } from '../../src/control-plane/store/file-store.js';
import { tempDir } from './fixture.js';
import { storeSuite } from './store-suite.js';

describe('file config store', () => {
  storeSuite(async () => {
    const tmp = tempDir('setgate-store-');
    const a = await FileConfigStore.open(tmp.dir);
    const b = await FileConfigStore.open(tmp.dir);
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
        tmp.remove();
      },
    };
  });

  it('leaves no temp file behind and reopens with the same versions', async () => {
    const tmp = tempDir('setgate-store-');
    try {
      const a = await FileConfigStore.open(tmp.dir);
      const doc = { version: 1 } as never;
      await a.append({ version: 1, author: 'x', reason: 'r', time: '', action: { kind: 'apply' }, changes: [], document: doc });
      await a.append({ version: 1, author: 'y', reason: 'r', time: '', action: { kind: 'apply' }, changes: [], document: doc });
      await a.close();
      assert.deepEqual(readdirSync(join(tmp.dir, 'tmp')), []);
      const again = await FileConfigStore.open(tmp.dir);
      assert.equal(await again.latestVersion(), 1);
      assert.equal((await again.get(1))?.author, 'x');
      await again.close();
    } finally {
      tmp.remove();
    }
  });
});
