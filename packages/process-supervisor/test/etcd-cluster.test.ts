import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { startEtcdCluster } from '../src/index.js';

/**
 * A restarted member keeps its ports (they are its identity in the cluster).
 * While it was down, another process may hold one of them (seen in CI: an
 * outgoing connection took it as its local port), and the member exits at
 * once: the restart tries again until the port is free, and otherwise says why.
 */
describe('etcd cluster of real members', () => {
  it('restarts a killed member whose client port was taken meanwhile, once the port is free again', async () => {
    const cluster = await startEtcdCluster({ size: 1, readyTimeoutMs: 120_000 });
    try {
      const [member] = cluster.members;
      assert.ok(member);
      await member.kill();
      const port = Number(new URL(member.clientUrl).port);
      // It answers nothing: a health probe of the member reaching it is dropped at once.
      const squatter = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      // The port frees while the restart is retrying (2.5 s: at least one refused launch on any machine).
      const freed = new Promise<void>((resolve) => setTimeout(() => squatter.close(() => resolve()), 2500));
      await member.restart();
      await freed;
      assert.equal(member.running(), true);
      assert.equal(await cluster.leader(), member.name, 'the restarted member serves again');
    } finally {
      await cluster.stop();
    }
  });
});
