import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import { type ComponentSpec, freePorts, Supervisor } from '@setgate/process-supervisor';
import type { NodeStatusReport } from '../../src/index.js';
import { tempDir } from '../helpers/node.js';
import { keyInShard, testTopologyDoc } from '../helpers/topology.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

describe('set-runtime main (a real process)', () => {
  const tmp = tempDir();
  const supervisor = new Supervisor();
  let spec: ComponentSpec;

  before(async () => {
    const doc = testTopologyDoc();
    const [port, adminPort] = await freePorts(2);
    const self = doc.sets[0]?.nodes[0];
    assert.ok(self && port && adminPort);
    Object.assign(self, { port, adminPort });
    const configPath = join(tmp.dir, 'topology.json');
    writeFileSync(configPath, JSON.stringify(doc));
    spec = {
      name: 'east-a-1',
      entry: MAIN,
      args: ['--id', 'east-a-1', '--config', configPath, '--data', join(tmp.dir, 'data')],
      env: { SETGATE_LOG_LEVEL: 'warn' },
    };
  });
  after(async () => {
    await supervisor.stopAll();
    tmp.remove();
  });

  it('serves traffic and /status, keeps data under <data>/<nodeId>, and finds it again after a restart', async () => {
    await supervisor.start(spec);
    const ready = supervisor.ready.get('east-a-1');
    assert.ok(ready);
    const url = `${ready.url}/state/0/${keyInShard(0, 'process')}`;
    // Ready means writable: without a control plane the node takes its lease from the file before it says ready.
    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '"kept"' });
    assert.equal(put.status, 201, put.status === 201 ? '' : await put.text());
    assert.equal(put.headers.get(Header.node), 'east-a-1');
    assert.equal((await fetch(`${ready.url}/_setgate/health`)).status, 200);
    assert.ok(existsSync(join(tmp.dir, 'data', 'east-a-1')));

    await supervisor.restart('east-a-1');
    const again = supervisor.ready.get('east-a-1');
    assert.ok(again);
    const read = await fetch(url);
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { value: string }).value, 'kept');
    const status = (await (await fetch(`${again.adminUrl}/status`)).json()) as NodeStatusReport;
    assert.equal(status.node, 'east-a-1');
    const shard0 = status.shards.find((s) => s.shard === 0);
    assert.deepEqual(
      shard0 && { shard: shard0.shard, role: shard0.role, epoch: shard0.epoch, lsn: shard0.lsn, keys: shard0.keys },
      { shard: 0, role: 'leader', epoch: 1, lsn: 1, keys: 1 },
    );
  });
});
