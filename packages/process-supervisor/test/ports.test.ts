import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePorts } from '../src/index.js';

describe('freePorts', () => {
  it('claims every port it hands out for this process, and never hands one out twice', async () => {
    const first = await freePorts(20);
    const second = await freePorts(20);
    assert.equal(new Set([...first, ...second]).size, 40, 'forty distinct ports');
    for (const port of [...first, ...second]) {
      assert.equal(readFileSync(join(tmpdir(), 'setgate-ports', String(port)), 'utf8'), String(process.pid), `port ${port} is claimed by this process`);
    }
  });
});
