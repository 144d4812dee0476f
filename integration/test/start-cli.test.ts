import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { request } from 'undici';
import { allPorts, freshTopology, portIsFree } from './harness.js';
import { runStart, waitFor } from './start-run.js';

describe('npm start', () => {
  it('prints entries, a token and curl lines, serves them, and Ctrl-C leaves nothing behind', async () => {
    const t = await freshTopology();
    const run = runStart(t.configPath, join(t.dir, 'data'));
    try {
      await waitFor(run, /^token \S+$/m, 240_000);
      const out = run.stdout();
      const entries = Object.fromEntries([...out.matchAll(/^entry (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
      assert.deepEqual(Object.keys(entries).sort(), ['ap-south', 'eu-west', 'us-east']);
      const token = /^token (\S+)$/m.exec(out)?.[1];
      assert.ok(token);
      assert.match(out, /curl .* -X PUT .*\/v1\/profile/);

      const auth = { authorization: `Bearer ${token}` };
      const put = await request(`${entries['us-east']}/v1/profile`, {
        method: 'PUT',
        body: JSON.stringify({ displayName: 'from-start' }),
        headers: { ...auth, 'content-type': 'application/json' },
      });
      assert.equal(put.statusCode, 201, await put.body.text()); // the first PUT creates the profile
      const session = put.headers['setgate-session'] as string;
      const get = await request(`${entries['ap-south']}/v1/profile`, { headers: { ...auth, 'setgate-session': session } });
      assert.match(await get.body.text(), /from-start/);
      assert.ok(get.headers['x-setgate-set'] && get.headers['x-setgate-shard']);

      // Replication worked above with the stack's internal token; without it a node's log is not for the asking.
      const node = t.topology.sets[0]?.nodes[0];
      assert.ok(node);
      const fetched = await request(`http://${node.host}:${node.adminPort}/internal/replication/0/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node: node.id, epoch: 1, fromLsn: 1, lastEpoch: 0 }),
      });
      assert.equal(fetched.statusCode, 401, await fetched.body.text());

      // The banner's snippet works pasted as printed: the read through the last region carries the
      // write's session and sees the write (it answered 400 with a placeholder session before).
      const snippet = /^# try it:.*\n((?:.+\n)+)/m.exec(out)?.[1];
      assert.ok(snippet, `no snippet in:\n${out}`);
      const pasted = await promisify(execFile)('bash', ['-c', snippet], { timeout: 60_000 });
      const [, profile, cart] = pasted.stdout.split(/^(?=HTTP\/)/m);
      assert.match(profile ?? '', /^HTTP\/1\.1 200 /, pasted.stdout);
      assert.match(profile ?? '', /"displayName":"Ada"/);
      assert.match(pasted.stdout, /^PUT session: \S+$/m);
      assert.match(cart ?? '', /^HTTP\/1\.1 200 [\s\S]*"sku":"book-1"/, pasted.stdout);

      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0);
      for (const port of allPorts(t.topology)) assert.ok(await portIsFree(port), `port ${port} still answers`);
    } finally {
      run.child.kill('SIGKILL');
      t.cleanup();
    }
  });

  it('refuses a topology with several mistakes, lists them all, exits non-zero and starts nothing', async () => {
    const broken = new URL('../../config/test/fixtures/broken-topology.yaml', import.meta.url).pathname;
    const run = runStart(broken, '/tmp/setgate-never-used');
    const code = await run.exited;
    assert.equal(code, 2);
    const err = run.stderr();
    assert.match(err, /topology refused with \d+ problem/);
    for (const path of ['/sets/2/region', '/placements/5/leader', '/placements/7/replicas', '/rtt', '/placements']) {
      assert.ok(err.includes(`  ${path}: `), `missing ${path} in:\n${err}`);
    }
    assert.ok(!/^entry /m.test(run.stdout()));
  });

  it('names a process that fails to start and stops all the others', async () => {
    const t = await freshTopology();
    const victim = t.topology.sets[3]?.nodes[0];
    assert.ok(victim);
    // Hold the node's port so its listen fails with EADDRINUSE.
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(victim.port, '127.0.0.1', () => r()));
    const run = runStart(t.configPath, join(t.dir, 'data'));
    try {
      const code = await run.exited;
      assert.equal(code, 1);
      assert.match(run.stderr(), new RegExp(`${victim.id} failed to start`));
      assert.match(run.stderr(), /EADDRINUSE/);
      await new Promise<void>((r) => blocker.close(() => r()));
      for (const port of allPorts(t.topology)) assert.ok(await portIsFree(port), `port ${port} still answers`);
    } finally {
      run.child.kill('SIGKILL');
      blocker.close();
      t.cleanup();
    }
  });
});
